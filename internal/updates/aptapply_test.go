package updates

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// The apt Applier against the real apt and dpkg, in a private root that
// the test builds: two local repositories (file: URIs, [trusted=yes]) with
// Release files written here, one a security archive (Origin: Debian,
// Label: Debian-Security, Suite: bookworm-security), one not (Origin:
// Local); packages built with dpkg-deb and indexed with dpkg-scanpackages;
// a dpkg database under the root, installed with dpkg --root. apt reads
// only the test's APT_CONFIG (so none of the host's apt.conf.d hooks run)
// and the host's dpkg database is checked byte-identical afterwards.

// aptDeb is a test package: name, version, extra control fields.
type aptDeb struct{ name, version, control string }

// aptRoot is a private apt/dpkg root with its two repositories.
type aptRoot struct {
	dir, admin string
	opts       AptOptions
}

func requireAptTools(t *testing.T) {
	t.Helper()
	for _, tool := range []string{"apt", "apt-get", "apt-cache", "apt-mark", "dpkg", "dpkg-deb", "dpkg-query", "dpkg-scanpackages"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed: the apt Applier tests need the real apt and dpkg", tool)
		}
	}
	if os.Geteuid() != 0 {
		t.Skip("not root: dpkg cannot install into the private root with root-owned files")
	}
}

func mustRun(t *testing.T, dir string, env []string, argv ...string) string {
	t.Helper()
	stdout, stderr, code, err := ExecRunner{}.Run(context.Background(), dir, env, argv...)
	if err != nil || code != 0 {
		t.Fatalf("%s: exit %d, %v\n%s%s", strings.Join(argv, " "), code, err, stdout, stderr)
	}
	return string(stdout)
}

// buildDeb builds pkg into outDir with dpkg-deb.
func buildDeb(t *testing.T, work, outDir string, d aptDeb) {
	t.Helper()
	tree := filepath.Join(work, "build", d.name+"_"+d.version)
	share, etc := filepath.Join(tree, "usr", "share", "fmtest"), filepath.Join(tree, "etc", "fmtest")
	for _, dir := range []string{filepath.Join(tree, "DEBIAN"), share, etc} {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	control := fmt.Sprintf("Package: %s\nVersion: %s\nArchitecture: all\nMaintainer: fossamaint tests <tests@example.org>\nDescription: fossamaint apt Applier test package\n%s",
		d.name, d.version, d.control)
	writeFile(t, filepath.Join(tree, "DEBIAN", "control"), control)
	writeFile(t, filepath.Join(share, d.name), d.name+" "+d.version+"\n")
	// A conffile that changes with every version: Apply must keep an
	// edited one without asking.
	writeFile(t, filepath.Join(etc, d.name+".conf"), d.name+" "+d.version+" default\n")
	writeFile(t, filepath.Join(tree, "DEBIAN", "conffiles"), "/etc/fmtest/"+d.name+".conf\n")
	mustRun(t, "", nil, "dpkg-deb", "--root-owner-group", "--build", tree, filepath.Join(outDir, d.name+"_"+d.version+"_all.deb"))
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// makeRepo builds debs into a flat repository with a Packages index from
// dpkg-scanpackages and a Release file with the given fields.
func makeRepo(t *testing.T, work, repo string, debs []aptDeb, release string) {
	t.Helper()
	if err := os.MkdirAll(repo, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, d := range debs {
		buildDeb(t, work, repo, d)
	}
	packages := mustRun(t, repo, nil, "dpkg-scanpackages", "--multiversion", ".", "/dev/null")
	writeFile(t, filepath.Join(repo, "Packages"), packages)
	sum := sha256.Sum256([]byte(packages))
	writeFile(t, filepath.Join(repo, "Release"), fmt.Sprintf("%sDate: Thu, 03 Dec 2026 07:00:00 UTC\nArchitectures: all amd64\nComponents: main\nSHA256:\n %s %d Packages\n",
		release, hex.EncodeToString(sum[:]), len(packages)))
}

// newAptRoot builds the scenario every test starts from. Installed (1.0):
// fmtest-sec, fmtest-held (held), fmtest-local, fmtest-breaker. Security
// repository: fmtest-sec 1.1 (needs the new fmtest-dep), fmtest-held 1.1,
// fmtest-breaker 1.1 (conflicts with fmtest-local). Local repository:
// fmtest-local 1.1, and fmtest-sec 1.0 (so that a downgrade is possible).
func newAptRoot(t *testing.T) *aptRoot {
	t.Helper()
	requireAptTools(t)
	work := t.TempDir()
	root := filepath.Join(work, "root")
	r := &aptRoot{dir: root, admin: filepath.Join(root, "var", "lib", "dpkg")}
	for _, d := range []string{"etc/apt/apt.conf.d", "etc/apt/preferences.d", "etc/apt/sources.list.d",
		"var/lib/apt/lists/partial", "var/cache/apt/archives/partial", "var/log/apt",
		"var/lib/dpkg/info", "var/lib/dpkg/updates", "var/lib/dpkg/triggers"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	writeFile(t, filepath.Join(r.admin, "status"), "")
	sec, local, inst := filepath.Join(work, "security"), filepath.Join(work, "local"), filepath.Join(work, "inst")
	makeRepo(t, work, sec, []aptDeb{
		{"fmtest-sec", "1.1", "Depends: fmtest-dep\n"}, {"fmtest-dep", "1.0", ""},
		{"fmtest-held", "1.1", ""}, {"fmtest-breaker", "1.1", "Conflicts: fmtest-local\n"},
	}, "Origin: Debian\nLabel: Debian-Security\nSuite: bookworm-security\nCodename: bookworm-security\n")
	makeRepo(t, work, local, []aptDeb{{"fmtest-local", "1.1", ""}, {"fmtest-sec", "1.0", ""}},
		"Origin: Local\nLabel: Local\nSuite: local\nCodename: local\n")
	if err := os.MkdirAll(inst, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"fmtest-sec", "fmtest-held", "fmtest-local", "fmtest-breaker"} {
		buildDeb(t, work, inst, aptDeb{name, "1.0", ""})
	}
	writeFile(t, filepath.Join(root, "etc", "apt", "sources.list"), fmt.Sprintf(
		"deb [trusted=yes] file:%s ./\ndeb [trusted=yes] file:%s ./\n", sec, local))
	dpkgOpts := []string{"--root=" + root, "--log=" + filepath.Join(root, "var", "log", "dpkg.log"), "--force-not-root"}
	conf := fmt.Sprintf("Dir %q;\nDir::State::status %q;\nAPT::Sandbox::User \"root\";\nDPkg::Options { %q; %q; %q; };\n",
		root+"/", filepath.Join(r.admin, "status"), dpkgOpts[0], dpkgOpts[1], dpkgOpts[2])
	r.opts = AptOptions{Config: filepath.Join(work, "apt.conf"), DpkgAdminDir: r.admin}
	writeFile(t, r.opts.Config, conf)

	debs, err := filepath.Glob(filepath.Join(inst, "*.deb"))
	if err != nil {
		t.Fatal(err)
	}
	mustRun(t, "", nil, append(append([]string{"dpkg"}, dpkgOpts...), append([]string{"-i"}, debs...)...)...)
	selections := filepath.Join(work, "selections")
	writeFile(t, selections, "fmtest-held hold\n")
	mustRun(t, "", nil, "sh", "-c", `exec dpkg "$1" --set-selections <"$2"`, "sh", dpkgOpts[0], selections)
	mustRun(t, "", r.env(), "apt-get", "update")
	return r
}

func (r *aptRoot) env() []string { return []string{"LC_ALL=C", "APT_CONFIG=" + r.opts.Config} }

// dpkgList is dpkg-query's view of the private root, independent of the
// Applier's own query: "name version" per installed package.
func (r *aptRoot) dpkgList(t *testing.T) []string {
	t.Helper()
	out := mustRun(t, "", nil, "dpkg-query", "--admindir="+r.admin, "-W", "-f=${Package} ${Version} ${db:Status-Status}\n")
	var list []string
	for line := range strings.SplitSeq(strings.TrimSpace(out), "\n") {
		f := strings.Fields(line)
		if len(f) == 3 && f[2] == "installed" {
			list = append(list, f[0]+" "+f[1])
		}
	}
	slices.Sort(list)
	return list
}

// hostFiles are the host's package state files the tests must not touch.
var hostFiles = []string{"/var/lib/dpkg/status", "/var/lib/apt/extended_states", "/var/log/dpkg.log", "/var/log/apt/history.log"}

func snapshotFiles(t *testing.T, paths []string) map[string]string {
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

// checkHostUntouched snapshots the host's package state now and compares
// it when the test ends.
func checkHostUntouched(t *testing.T) {
	t.Helper()
	before := snapshotFiles(t, hostFiles)
	t.Cleanup(func() {
		after := snapshotFiles(t, hostFiles)
		for _, p := range hostFiles {
			if before[p] != after[p] {
				t.Errorf("the host's %s changed during the test", p)
			}
		}
	})
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

var (
	secWhy   = "security origin o=Debian,a=bookworm-security,n=bookworm-security,l=Debian-Security"
	localWhy = "not from a security origin (o=Local,a=local,n=local,l=Local), policy security"
)

func TestAptPlanPrivateRoot(t *testing.T) {
	checkHostUntouched(t)
	r := newAptRoot(t)
	ctx := testCtx(t)
	before := r.dpkgList(t)
	status := snapshotFiles(t, []string{filepath.Join(r.admin, "status")})
	tests := []struct {
		name, policy string
		exclude      []string
		want         []PlanItem
		also         []string
		refused      string // a substring of Plan.Refused; "" wants none
	}{
		{"security", PolicySecurity, []string{"fmtest-breaker"}, []PlanItem{
			{"fmtest-breaker", "1.0", "1.1", false, "excluded by updates.apt.exclude"},
			{"fmtest-held", "1.0", "1.1", false, "held (apt-mark showhold)"},
			{"fmtest-local", "1.0", "1.1", false, localWhy},
			{"fmtest-sec", "1.0", "1.1", true, secWhy},
		}, []string{"fmtest-dep (new) -> 1.0"}, ""},
		{"security removes", PolicySecurity, nil, []PlanItem{
			{"fmtest-breaker", "1.0", "1.1", true, "security origin o=Debian,a=bookworm-security,n=bookworm-security,l=Debian-Security"},
			{"fmtest-held", "1.0", "1.1", false, "held (apt-mark showhold)"},
			{"fmtest-local", "1.0", "1.1", false, localWhy},
			{"fmtest-sec", "1.0", "1.1", true, secWhy},
		}, []string{"fmtest-dep (new) -> 1.0"}, "apt-get would remove fmtest-local 1.0"},
		{"all", PolicyAll, []string{"fmtest-breaker"}, []PlanItem{
			{"fmtest-breaker", "1.0", "1.1", false, "excluded by updates.apt.exclude"},
			{"fmtest-held", "1.0", "1.1", false, "held (apt-mark showhold)"},
			{"fmtest-local", "1.0", "1.1", true, "policy all"},
			{"fmtest-sec", "1.0", "1.1", true, secWhy},
		}, []string{"fmtest-dep (new) -> 1.0"}, ""},
		{"none", PolicyNone, nil, []PlanItem{
			{"fmtest-breaker", "1.0", "1.1", false, "policy none: report only"},
			{"fmtest-held", "1.0", "1.1", false, "held (apt-mark showhold)"},
			{"fmtest-local", "1.0", "1.1", false, "policy none: report only"},
			{"fmtest-sec", "1.0", "1.1", false, "policy none: report only"},
		}, nil, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := NewAptApplier(ExecRunner{}, tc.policy, tc.exclude, r.opts).Plan(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if p.Manager != "apt" || p.Policy != tc.policy || !slices.Equal(p.Items, tc.want) || !slices.Equal(p.Also, tc.also) {
				t.Errorf("plan = %+v\nwant items %+v also %q", p, tc.want, tc.also)
			}
			if tc.refused == "" && p.Refused != "" || !strings.Contains(p.Refused, tc.refused) {
				t.Errorf("refused = %q, want %q", p.Refused, tc.refused)
			}
			wantCmd := 1
			if len(p.Selected()) == 0 {
				wantCmd = 0
			}
			if len(p.Commands) != wantCmd {
				t.Errorf("commands = %q, want %d", p.Commands, wantCmd)
			}
		})
	}
	if after := r.dpkgList(t); !slices.Equal(before, after) {
		t.Errorf("Plan changed the private root's packages:\nbefore %q\nafter  %q", before, after)
	}
	if after := snapshotFiles(t, []string{filepath.Join(r.admin, "status")}); !maps.Equal(after, status) {
		t.Error("Plan changed the private dpkg status file")
	}
}

func TestAptPlanBadPolicy(t *testing.T) {
	_, err := NewAptApplier(ExecRunner{}, PolicyMinor, nil, AptOptions{}).Plan(context.Background())
	if err == nil || !strings.Contains(err.Error(), `policy "minor" is not one of none, security, all`) {
		t.Fatalf("err = %v", err)
	}
}

func TestAptApplyPrivateRoot(t *testing.T) {
	checkHostUntouched(t)
	r := newAptRoot(t)
	ctx := testCtx(t)
	before := r.dpkgList(t)
	app := NewAptApplier(ExecRunner{}, PolicySecurity, []string{"fmtest-breaker"}, r.opts)
	p, err := app.Plan(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// The operator edited fmtest-sec's config file: the upgrade keeps it,
	// without a prompt, and leaves the new default next to it.
	conf := filepath.Join(r.dir, "etc", "fmtest", "fmtest-sec.conf")
	writeFile(t, conf, "edited by the operator\n")
	cmd := p.Commands[0]
	wantTail := []string{"install", "-y", "--no-remove", "--only-upgrade", "-o", "Dpkg::Options::=--force-confold",
		"-o", "Dpkg::Options::=--force-confdef", "fmtest-sec=1.1"}
	if len(cmd) < len(wantTail) || cmd[0] != "apt-get" || !slices.Equal(cmd[len(cmd)-len(wantTail):], wantTail) {
		t.Errorf("command = %q", cmd)
	}
	done, err := app.Apply(ctx, p, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	want := []Change{{"apt", "fmtest-dep", "", "1.0"}, {"apt", "fmtest-sec", "1.0", "1.1"}}
	if done.Manager != "apt" || !slices.Equal(done.Changes, want) {
		t.Errorf("changes = %+v, want %+v", done.Changes, want)
	}
	// The record is exactly the difference dpkg-query shows: the held,
	// the non-security and the excluded packages are untouched.
	after := r.dpkgList(t)
	wantAfter := []string{"fmtest-breaker 1.0", "fmtest-dep 1.0", "fmtest-held 1.0", "fmtest-local 1.0", "fmtest-sec 1.1"}
	if !slices.Equal(after, wantAfter) {
		t.Errorf("dpkg-query after apply = %q, want %q (before %q)", after, wantAfter, before)
	}
	if got := mustRun(t, "", nil, "dpkg-query", "--admindir="+r.admin, "-W", "-f=${db:Status-Want}", "fmtest-held"); got != "hold" {
		t.Errorf("fmtest-held is %q after apply, want hold", got)
	}
	if data, err := os.ReadFile(conf); err != nil || string(data) != "edited by the operator\n" {
		t.Errorf("config file after apply: %q, %v", data, err)
	}
	if data, err := os.ReadFile(conf + ".dpkg-dist"); err != nil || string(data) != "fmtest-sec 1.1 default\n" {
		t.Errorf("new default config file: %q, %v", data, err)
	}
	if err := app.Undo(ctx, done); !errors.Is(err, ErrNoAutomaticUndo) {
		t.Errorf("Undo = %v, want ErrNoAutomaticUndo", err)
	}
	if got := r.dpkgList(t); !slices.Equal(got, wantAfter) {
		t.Error("Undo changed packages")
	}
	// The listed undo command, run as an operator would (answering yes
	// and keeping the edited config file: -y, --allow-downgrades and
	// --force-confold added), restores the exact previous state.
	if len(done.UndoCommands) != 1 || !strings.HasSuffix(strings.Join(done.UndoCommands[0], " "), " install fmtest-dep- fmtest-sec=1.0") {
		t.Fatalf("undo commands = %q", done.UndoCommands)
	}
	mustRun(t, "", append(r.env(), "DEBIAN_FRONTEND=noninteractive"), append(slices.Clone(done.UndoCommands[0]), "-y", "--allow-downgrades", "-o", "Dpkg::Options::=--force-confold")...)
	if got := r.dpkgList(t); !slices.Equal(got, before) {
		t.Errorf("after the undo command: %q, want %q", got, before)
	}
}

func TestAptApplyRefused(t *testing.T) {
	checkHostUntouched(t)
	r := newAptRoot(t)
	ctx := testCtx(t)
	before := r.dpkgList(t)
	app := NewAptApplier(ExecRunner{}, PolicySecurity, nil, r.opts)
	p, err := app.Plan(ctx)
	if err != nil {
		t.Fatal(err)
	}
	done, err := app.Apply(ctx, p, t.TempDir())
	if err == nil || !strings.Contains(err.Error(), "plan refused, nothing applied: apt-get would remove fmtest-local 1.0") || len(done.Changes) != 0 {
		t.Fatalf("Apply of a refused plan = %+v, %v", done, err)
	}
	// A forged plan (as read back from JSON) cannot pass options to apt-get.
	p.Refused = ""
	p.Items = []PlanItem{{Name: "--allow-remove-essential", To: "1", Selected: true}}
	if _, err := app.Apply(ctx, p, t.TempDir()); err == nil || !strings.Contains(err.Error(), "is not a package name and version") {
		t.Fatalf("Apply of a forged plan: %v", err)
	}
	// apt-get fails (no such version): the error says so, nothing changed.
	p.Items = []PlanItem{{Name: "fmtest-sec", From: "1.0", To: "9.9", Selected: true}}
	done, err = app.Apply(ctx, p, t.TempDir())
	if err == nil || !strings.Contains(err.Error(), "applying apt upgrades (0 packages changed") || !strings.Contains(err.Error(), "9.9") || len(done.Changes) != 0 {
		t.Fatalf("Apply of a missing version = %+v, %v", done, err)
	}
	if _, err := app.Apply(ctx, Plan{Manager: "pip"}, t.TempDir()); err == nil {
		t.Fatal("Apply took a pip plan")
	}
	if after := r.dpkgList(t); !slices.Equal(after, before) {
		t.Errorf("packages changed: %q, want %q", after, before)
	}
}

// On this machine (CI=1), Plan against the host's own apt only reads:
// dpkg-query -W and the host's package state files are identical before and
// after. It prints the plan.
func TestAptPlanHost(t *testing.T) {
	if os.Getenv("CI") == "" {
		t.Skip("CI is not set: the host test reads this machine's apt (set CI=1 to run it)")
	}
	if _, err := exec.LookPath("apt-get"); err != nil {
		t.Skip("no apt-get on this machine")
	}
	checkHostUntouched(t)
	query := func() string {
		return mustRun(t, "", nil, "dpkg-query", "-W")
	}
	before := query()
	p, err := NewAptApplier(ExecRunner{}, PolicySecurity, nil, AptOptions{}).Plan(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	if after := query(); after != before {
		t.Error("dpkg-query -W changed while planning")
	}
	var buf bytes.Buffer
	for _, it := range p.Items {
		if it.Selected != strings.HasPrefix(it.Why, "security origin") {
			t.Errorf("%s selected %v: %s", it.Name, it.Selected, it.Why)
		}
		fmt.Fprintf(&buf, "%v %s %s -> %s: %s\n", it.Selected, it.Name, it.From, it.To, it.Why)
	}
	t.Logf("host plan: %d pending, %d selected, also %q, refused %q\n%s", len(p.Items), len(p.Selected()), p.Also, p.Refused, buf.String())
}
