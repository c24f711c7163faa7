package testkit

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// AptDeb is a test package for AptRoot, built with dpkg-deb: it installs
// /usr/share/fmtest/NAME and the conffile /etc/fmtest/NAME.conf (whose
// default content changes with the version).
type AptDeb struct {
	Name, Version string
	// Control holds extra control fields, e.g. "Depends: fmtest-dep\n".
	Control string
	// RebootRequired gives the package a postinst that asks for a
	// reboot, as a kernel package's does (update-notifier's
	// notify-reboot-required): it writes $DPKG_ROOT/var/run/reboot-required
	// and adds the package to reboot-required.pkgs.
	RebootRequired bool
}

// AptRootFixture is a private apt and dpkg root with two local
// repositories (file: URIs, [trusted=yes]), indexed with
// dpkg-scanpackages, whose Release files name a security archive
// (Origin: Debian, Label: Debian-Security, Suite: bookworm-security) and
// a non-security one (Origin: Local, Suite: local). apt reads only
// Config (so none of the host's apt.conf.d hooks run), dpkg runs with
// --root, and the host's package state is checked unchanged when the test
// ends.
//
// Config, Options and DpkgAdminDir are the fields of updates.AptOptions
// (testkit imports no fossamaint package, so updates' own tests can use
// it): updates.AptOptions{Config: r.Config, Options: r.Options,
// DpkgAdminDir: r.DpkgAdminDir}.
type AptRootFixture struct {
	// Dir is the root: what / is to the packages installed in it.
	Dir          string
	Config       string
	Options      []string
	DpkgAdminDir string

	t        testing.TB
	work     string
	dpkgOpts []string
	security string
	local    string
}

// AptRoot makes an empty private root whose two repositories hold no
// package yet (and apt no package lists before the first AddSecurity or
// AddLocal). It skips the test when apt, dpkg or its helpers are missing
// (unless CI is set) or when not running as root (dpkg cannot install the
// root-owned files of a package otherwise).
func AptRoot(t testing.TB) *AptRootFixture {
	t.Helper()
	for _, tool := range []string{"apt", "apt-get", "apt-cache", "apt-mark", "dpkg", "dpkg-deb", "dpkg-query", "dpkg-scanpackages"} {
		if _, err := exec.LookPath(tool); err != nil {
			SkipUnlessCI(t, "%s not installed: the apt tests need the real apt and dpkg", tool)
		}
	}
	if os.Geteuid() != 0 {
		t.Skip("not root: dpkg cannot install into the private root with root-owned files")
	}
	CheckAptHostUntouched(t)
	work := t.TempDir()
	root := filepath.Join(work, "root")
	r := &AptRootFixture{Dir: root, DpkgAdminDir: filepath.Join(root, "var", "lib", "dpkg"), t: t, work: work,
		Config: filepath.Join(work, "apt.conf"), security: filepath.Join(work, "security"), local: filepath.Join(work, "local")}
	for _, d := range []string{"etc/apt/apt.conf.d", "etc/apt/preferences.d", "etc/apt/sources.list.d",
		"var/lib/apt/lists/partial", "var/cache/apt/archives/partial", "var/log/apt", "var/run",
		"var/lib/dpkg/info", "var/lib/dpkg/updates", "var/lib/dpkg/triggers"} {
		r.mkdir(filepath.Join(root, d))
	}
	WriteFile(t, filepath.Join(r.DpkgAdminDir, "status"), nil, 0o644)
	// Maintainer scripts run outside a chroot (the root has no /bin/sh),
	// with DPKG_ROOT set to the root: the only script here, RebootRequired's
	// postinst, refuses to run without it.
	r.dpkgOpts = []string{"--root=" + root, "--log=" + filepath.Join(root, "var", "log", "dpkg.log"), "--force-not-root", "--force-script-chrootless"}
	var opts []string
	for _, o := range r.dpkgOpts {
		opts = append(opts, fmt.Sprintf("%q;", o))
	}
	WriteFile(t, r.Config, fmt.Appendf(nil, "Dir %q;\nDir::State::status %q;\nAPT::Sandbox::User \"root\";\nDPkg::Options { %s };\n",
		root+"/", filepath.Join(r.DpkgAdminDir, "status"), strings.Join(opts, " ")), 0o644)
	WriteFile(t, filepath.Join(root, "etc", "apt", "sources.list"), fmt.Appendf(nil,
		"deb [trusted=yes] file:%s ./\ndeb [trusted=yes] file:%s ./\n", r.security, r.local), 0o644)
	r.writeRepo(r.security)
	r.writeRepo(r.local)
	return r
}

// AddSecurity adds packages to the security repository and runs apt-get
// update.
func (r *AptRootFixture) AddSecurity(debs ...AptDeb) { r.add(r.security, debs) }

// AddLocal adds packages to the non-security repository and runs apt-get
// update.
func (r *AptRootFixture) AddLocal(debs ...AptDeb) { r.add(r.local, debs) }

func (r *AptRootFixture) add(repo string, debs []AptDeb) {
	r.t.Helper()
	for _, d := range debs {
		r.build(repo, d)
	}
	r.writeRepo(repo)
	r.Run(r.Env(), "apt-get", "update")
}

// Install installs packages into the root with dpkg -i (a lower version
// than the installed one downgrades it).
func (r *AptRootFixture) Install(debs ...AptDeb) {
	r.t.Helper()
	dir, err := os.MkdirTemp(r.work, "inst-")
	if err != nil {
		r.t.Fatal(err)
	}
	argv := append(append([]string{"dpkg"}, r.dpkgOpts...), "-i")
	for _, d := range debs {
		argv = append(argv, r.build(dir, d))
	}
	r.Run(nil, argv...)
	r.dropAptCache()
}

// dropAptCache removes apt's binary caches after dpkg changed the status
// file behind apt's back: apt trusts them while the file's size and
// mtime (in seconds) are the same, and a 1.1 -> 1.0 downgrade within the
// second of apt's last run keeps both.
func (r *AptRootFixture) dropAptCache() {
	for _, name := range []string{"pkgcache.bin", "srcpkgcache.bin"} {
		if err := os.Remove(filepath.Join(r.Dir, "var", "cache", "apt", name)); err != nil && !errors.Is(err, os.ErrNotExist) {
			r.t.Fatal(err)
		}
	}
}

// Hold holds packages (dpkg --set-selections), as apt-mark hold does.
func (r *AptRootFixture) Hold(names ...string) {
	r.t.Helper()
	sel := filepath.Join(r.work, "selections")
	var b strings.Builder
	for _, n := range names {
		b.WriteString(n + " hold\n")
	}
	WriteFile(r.t, sel, []byte(b.String()), 0o644)
	r.Run(nil, "sh", "-c", `exec dpkg "$1" --set-selections <"$2"`, "sh", r.dpkgOpts[0], sel)
	r.dropAptCache()
}

// Env is the environment apt needs to work in the root: LC_ALL=C and
// APT_CONFIG.
func (r *AptRootFixture) Env() []string { return []string{"LC_ALL=C", "APT_CONFIG=" + r.Config} }

// RebootFile is the root's reboot-required file, which RebootRequired
// packages write.
func (r *AptRootFixture) RebootFile() string {
	return filepath.Join(r.Dir, "var", "run", "reboot-required")
}

// Installed is dpkg-query's view of the root, independent of any code
// under test: "name version" per installed package, sorted.
func (r *AptRootFixture) Installed() []string {
	r.t.Helper()
	out := r.Query("${Package} ${Version} ${db:Status-Status}\n")
	var list []string
	for line := range strings.SplitSeq(strings.TrimSpace(out), "\n") {
		if f := strings.Fields(line); len(f) == 3 && f[2] == "installed" {
			list = append(list, f[0]+" "+f[1])
		}
	}
	slices.Sort(list)
	return list
}

// Query is dpkg-query -W -f=format of the root's packages (all without
// names).
func (r *AptRootFixture) Query(format string, names ...string) string {
	r.t.Helper()
	return r.Run(nil, append([]string{"dpkg-query", "--admindir=" + r.DpkgAdminDir, "-W", "-f=" + format}, names...)...)
}

// Run runs argv with env added to the environment and returns its
// stdout; a failure fails the test.
func (r *AptRootFixture) Run(env []string, argv ...string) string {
	r.t.Helper()
	return runOrFail(r.t, "", env, argv...)
}

func runOrFail(t testing.TB, dir string, env []string, argv ...string) string {
	t.Helper()
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir, cmd.Env = dir, append(os.Environ(), env...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s: %v\n%s%s", strings.Join(argv, " "), err, out, stderr.String())
	}
	return string(out)
}

func (r *AptRootFixture) mkdir(dir string) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		r.t.Fatal(err)
	}
}

// build builds d into outDir with dpkg-deb and returns the .deb's path.
func (r *AptRootFixture) build(outDir string, d AptDeb) string {
	r.t.Helper()
	tree, err := os.MkdirTemp(r.work, "build-")
	if err != nil {
		r.t.Fatal(err)
	}
	control := fmt.Sprintf("Package: %s\nVersion: %s\nArchitecture: all\nMaintainer: fossamaint tests <tests@example.org>\nDescription: fossamaint apt test package\n%s",
		d.Name, d.Version, d.Control)
	WriteFile(r.t, filepath.Join(tree, "DEBIAN", "control"), []byte(control), 0o644)
	WriteFile(r.t, filepath.Join(tree, "usr", "share", "fmtest", d.Name), []byte(d.Name+" "+d.Version+"\n"), 0o644)
	WriteFile(r.t, filepath.Join(tree, "etc", "fmtest", d.Name+".conf"), []byte(d.Name+" "+d.Version+" default\n"), 0o644)
	WriteFile(r.t, filepath.Join(tree, "DEBIAN", "conffiles"), []byte("/etc/fmtest/"+d.Name+".conf\n"), 0o644)
	if d.RebootRequired {
		WriteFile(r.t, filepath.Join(tree, "DEBIAN", "postinst"), []byte(rebootPostinst), 0o755)
	}
	deb := filepath.Join(outDir, d.Name+"_"+d.Version+"_all.deb")
	// Uncompressed: compressing is most of the time dpkg-deb takes.
	runOrFail(r.t, "", nil, "dpkg-deb", "-Znone", "--root-owner-group", "--build", tree, deb)
	return deb
}

const rebootPostinst = `#!/bin/sh
set -e
[ -n "$DPKG_ROOT" ] || { echo "DPKG_ROOT is empty: this test package only runs in a private root" >&2; exit 1; }
if [ "$1" = configure ]; then
	mkdir -p "$DPKG_ROOT/var/run"
	echo '*** System restart required ***' >"$DPKG_ROOT/var/run/reboot-required"
	echo "$DPKG_MAINTSCRIPT_PACKAGE" >>"$DPKG_ROOT/var/run/reboot-required.pkgs"
fi
`

// writeRepo (re)writes repo's Packages index (dpkg-scanpackages) and its
// Release file.
func (r *AptRootFixture) writeRepo(repo string) {
	r.t.Helper()
	r.mkdir(repo)
	release := "Origin: Local\nLabel: Local\nSuite: local\nCodename: local\n"
	if repo == r.security {
		release = "Origin: Debian\nLabel: Debian-Security\nSuite: bookworm-security\nCodename: bookworm-security\n"
	}
	packages := ""
	if debs, _ := filepath.Glob(filepath.Join(repo, "*.deb")); len(debs) > 0 {
		packages = runOrFail(r.t, repo, nil, "dpkg-scanpackages", "--multiversion", ".", "/dev/null")
	}
	WriteFile(r.t, filepath.Join(repo, "Packages"), []byte(packages), 0o644)
	sum := sha256.Sum256([]byte(packages))
	// Dated an hour ago: apt refuses a Release file from the future.
	date := time.Now().UTC().Add(-time.Hour).Format(time.RFC1123)
	WriteFile(r.t, filepath.Join(repo, "Release"), fmt.Appendf(nil, "%sDate: %s\nArchitectures: all amd64\nComponents: main\nSHA256:\n %s %d Packages\n",
		release, date, hex.EncodeToString(sum[:]), len(packages)), 0o644)
}

// AptHostFiles are the host's package state files that tests must not
// change.
var AptHostFiles = []string{"/var/lib/dpkg/status", "/var/lib/apt/extended_states", "/var/log/dpkg.log", "/var/log/apt/history.log"}

// CheckAptHostUntouched hashes AptHostFiles now and fails the test if any
// differs when it ends. AptRoot calls it.
func CheckAptHostUntouched(t testing.TB) {
	t.Helper()
	before := HashFiles(t, AptHostFiles...)
	t.Cleanup(func() {
		after := HashFiles(t, AptHostFiles...)
		for _, p := range AptHostFiles {
			if before[p] != after[p] {
				t.Errorf("the host's %s changed during the test", p)
			}
		}
	})
}

// HashFiles maps each path to its content's SHA-256, or "(absent)".
func HashFiles(t testing.TB, paths ...string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if errors.Is(err, os.ErrNotExist) {
			out[p] = "(absent)"
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(data)
		out[p] = hex.EncodeToString(sum[:])
	}
	return out
}
