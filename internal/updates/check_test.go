package updates

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

// writeScript puts an executable /bin/sh script at dir/name: a real
// subprocess standing in for apt, pip's python or npm.
func writeScript(t *testing.T, dir, name, body string) string {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("fake tools are POSIX shell scripts")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte("#!/bin/sh\n"+body+"\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	return path
}

// fakeOnPath puts a fake tool first on PATH, ahead of any real one.
func fakeOnPath(t *testing.T, name, body string) {
	t.Helper()
	dir := t.TempDir()
	writeScript(t, dir, name, body)
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
}

func fixturePath(t *testing.T, name string) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func wantToolMissing(t *testing.T, err error, reason string) {
	t.Helper()
	var tm *ToolMissingError
	if !errors.Is(err, ErrToolMissing) || !errors.As(err, &tm) || !strings.Contains(tm.Reason, reason) {
		t.Fatalf("err = %v; want ErrToolMissing with reason containing %q", err, reason)
	}
}

func TestExecRunner(t *testing.T) {
	dir := t.TempDir()
	echo := writeScript(t, dir, "echo-tool",
		`echo "args=$*"; echo "lc=$LC_ALL"; echo "pwd=$(pwd)"; echo oops >&2; exit 3`)
	work := t.TempDir()
	stdout, stderr, code, err := ExecRunner{}.Run(context.Background(), work, []string{"LC_ALL=C"}, echo, "list", "--upgradable", "a b")
	if err != nil {
		t.Fatal(err)
	}
	resolved, _ := filepath.EvalSymlinks(work)
	want := "args=list --upgradable a b\nlc=C\npwd=" + resolved + "\n"
	if string(stdout) != want || string(stderr) != "oops\n" || code != 3 {
		t.Fatalf("stdout %q stderr %q code %d; want %q, oops, 3", stdout, stderr, code, want)
	}
}

func TestExecRunnerFailures(t *testing.T) {
	dir := t.TempDir()
	big := writeScript(t, dir, "big", `i=0; while [ $i -lt 200 ]; do echo "0123456789012345678901234567890123456789"; i=$((i+1)); done`)
	sleep, err := exec.LookPath("sleep")
	if err != nil {
		t.Skip("no sleep command")
	}
	slow := writeScript(t, dir, "slow", `exec '`+sleep+`' 30`)
	t.Setenv("PATH", t.TempDir()) // nothing to find
	tests := []struct {
		name    string
		runner  ExecRunner
		timeout time.Duration
		argv    []string
		check   func(t *testing.T, stdout []byte, err error)
	}{
		{"not on PATH", ExecRunner{}, time.Minute, []string{"apt", "list"}, func(t *testing.T, _ []byte, err error) {
			wantToolMissing(t, err, "apt not found on PATH")
		}},
		{"no such file", ExecRunner{}, time.Minute, []string{filepath.Join(dir, "venv", "bin", "python")}, func(t *testing.T, _ []byte, err error) {
			wantToolMissing(t, err, "does not exist or is not executable")
		}},
		{"output bounded", ExecRunner{MaxOutput: 1000}, time.Minute, []string{big}, func(t *testing.T, stdout []byte, err error) {
			if !errors.Is(err, ErrOutputTooLarge) || len(stdout) != 1000 {
				t.Fatalf("err %v, %d bytes kept; want ErrOutputTooLarge and 1000", err, len(stdout))
			}
		}},
		{"cancelled", ExecRunner{}, 200 * time.Millisecond, []string{slow}, func(t *testing.T, _ []byte, err error) {
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("err = %v; want the deadline", err)
			}
		}},
		{"empty argv", ExecRunner{}, time.Minute, nil, func(t *testing.T, _ []byte, err error) {
			if err == nil || errors.Is(err, ErrToolMissing) {
				t.Fatalf("err = %v", err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), tt.timeout)
			defer cancel()
			start := time.Now()
			stdout, _, _, err := tt.runner.Run(ctx, "", nil, tt.argv...)
			tt.check(t, stdout, err)
			if time.Since(start) > 20*time.Second {
				t.Fatalf("took %s", time.Since(start))
			}
		})
	}
}

func TestCheckAptFake(t *testing.T) {
	fakeOnPath(t, "apt", `[ "$*" = "list --upgradable" ] && [ "$LC_ALL" = C ] || { echo "E: bad call: $*" >&2; exit 100; }
echo "WARNING: apt does not have a stable CLI interface. Use with caution in scripts." >&2
exec cat '`+fixturePath(t, "apt_debian12.txt")+`'`)
	reboot := filepath.Join(t.TempDir(), "reboot-required")
	for _, f := range []struct{ path, content string }{
		{reboot, "*** System restart required ***\n"},
		{reboot + ".pkgs", "linux-image-6.1.0-31-amd64\nlibc6\nlinux-image-6.1.0-31-amd64\n"},
	} {
		if err := os.WriteFile(f.path, []byte(f.content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	rep, err := CheckApt(context.Background(), ExecRunner{}, reboot)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Packages) != 6 || rep.Security != 3 || !rep.RebootRequired ||
		!slices.Equal(rep.RebootPackages, []string{"linux-image-6.1.0-31-amd64", "libc6"}) {
		t.Fatalf("report %+v", rep)
	}
	rep, err = CheckApt(context.Background(), ExecRunner{}, filepath.Join(t.TempDir(), "reboot-required"))
	if err != nil || rep.RebootRequired || rep.RebootPackages != nil {
		t.Fatalf("no reboot flag: %+v, %v", rep, err)
	}
}

func TestCheckAptFailures(t *testing.T) {
	t.Run("apt fails", func(t *testing.T) {
		fakeOnPath(t, "apt", `echo "E: Could not open lock file" >&2; exit 100`)
		_, err := CheckApt(context.Background(), ExecRunner{}, "")
		if err == nil || errors.Is(err, ErrToolMissing) || !strings.Contains(err.Error(), "exit status 100: E: Could not open lock file") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("no apt", func(t *testing.T) {
		t.Setenv("PATH", t.TempDir())
		_, err := CheckApt(context.Background(), ExecRunner{}, "")
		wantToolMissing(t, err, "apt not found on PATH")
	})
}

// On a Debian-like machine the real apt must parse; the content is whatever
// this machine has pending, so only the absence of an error is asserted.
func TestCheckAptReal(t *testing.T) {
	if _, err := exec.LookPath("apt"); err != nil {
		t.Skip("no apt on this machine")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	rep, err := CheckApt(ctx, ExecRunner{}, "/var/run/reboot-required")
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("real apt: %d upgradable, %d security, reboot required %v", len(rep.Packages), rep.Security, rep.RebootRequired)
}

func fakeVenv(t *testing.T, body string) string {
	t.Helper()
	venv := filepath.Join(t.TempDir(), "venv")
	writeScript(t, filepath.Join(venv, "bin"), "python", body)
	return venv
}

func TestCheckPip(t *testing.T) {
	venv := fakeVenv(t, `[ "$*" = "-m pip list --outdated --format=json --disable-pip-version-check --retries 1" ] || { echo "bad call: $*" >&2; exit 2; }
exec cat '`+fixturePath(t, "pip_outdated.json")+`'`)
	rep, err := CheckPip(context.Background(), ExecRunner{}, venv, []string{"FastAPI", "flask-sqlalchemy", "sqlalchemy", "requests"})
	if err != nil {
		t.Fatal(err)
	}
	var watched []string
	for _, p := range rep.Watched {
		watched = append(watched, p.Name)
	}
	if rep.Venv != venv || len(rep.Outdated) != 6 || !slices.Equal(watched, []string{"fastapi", "Flask_SQLAlchemy", "SQLAlchemy"}) {
		t.Fatalf("report %+v (watched %v)", rep, watched)
	}
	if !rep.Outdated[0].Watched || rep.Outdated[2].Watched { // fastapi yes, pydantic_core no
		t.Fatalf("watched flags: %+v", rep.Outdated)
	}
}

func TestCheckPipFailures(t *testing.T) {
	emptyVenv := t.TempDir()
	tests := []struct {
		name    string
		venv    string
		missing string // reason for ErrToolMissing, or "" for a plain error
		errText string
	}{
		{"no venv", filepath.Join(t.TempDir(), "venv"), "no virtualenv at", ""},
		{"venv without python", emptyVenv, "no virtualenv at " + emptyVenv + " (no", ""},
		{"no pip module", fakeVenv(t, `echo "/srv/venv/bin/python: No module named pip" >&2; exit 1`), "pip is not installed", ""},
		{"pip crashes", fakeVenv(t, `echo "ERROR: Exception:" >&2; exit 2`), "", "exit status 2: ERROR: Exception:"},
		{"pip prints garbage", fakeVenv(t, `exec cat '`+fixturePath(t, "pip_garbage.txt")+`'`), "", "not a JSON list"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := CheckPip(context.Background(), ExecRunner{}, tt.venv, nil)
			if tt.missing != "" {
				wantToolMissing(t, err, tt.missing)
				return
			}
			if err == nil || errors.Is(err, ErrToolMissing) || !strings.Contains(err.Error(), tt.errText) {
				t.Fatalf("err = %v; want %q", err, tt.errText)
			}
		})
	}
}

// npmProject makes a frontend dir with the given files.
func npmProject(t *testing.T, files ...string) string {
	t.Helper()
	dir := t.TempDir()
	for _, f := range files {
		if err := os.WriteFile(filepath.Join(dir, f), []byte("{}\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// fakeNpm answers `npm audit --json` with a fixture and exit code, and only
// when run in a directory holding a lockfile, as the real one needs.
func fakeNpm(t *testing.T, fixture string, exit string) {
	fakeOnPath(t, "npm", `[ "$*" = "audit --json" ] || { echo "bad call: $*" >&2; exit 9; }
[ -f package-lock.json ] || [ -f npm-shrinkwrap.json ] || { echo "not in the project dir" >&2; exit 9; }
cat '`+fixturePath(t, fixture)+`'; exit `+exit)
}

func TestCheckNpm(t *testing.T) {
	tests := []struct {
		name, fixture, exit string
		lockfile            string
		vulns               int
		high                int
	}{
		{"vulnerabilities exit 1", "npm7_vulns.json", "1", "package-lock.json", 5, 2},
		{"clean exit 0", "npm7_clean.json", "0", "package-lock.json", 0, 0},
		{"npm 6 format", "npm6_advisories.json", "1", "npm-shrinkwrap.json", 3, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fakeNpm(t, tt.fixture, tt.exit)
			dir := npmProject(t, "package.json", tt.lockfile)
			rep, err := CheckNpm(context.Background(), ExecRunner{}, dir)
			if err != nil {
				t.Fatal(err)
			}
			if rep.Dir != dir || len(rep.Vulnerabilities) != tt.vulns || rep.Counts.High != tt.high {
				t.Fatalf("report %+v", rep)
			}
		})
	}
}

func TestCheckNpmFailures(t *testing.T) {
	tests := []struct {
		name    string
		fixture string // "" leaves npm off PATH
		exit    string
		files   []string
		noDir   bool
		missing string
		errText string
	}{
		{"no lockfile", "npm7_clean.json", "0", []string{"package.json"}, false, "no package-lock.json in ", ""},
		{"yarn project", "npm7_clean.json", "0", []string{"package.json", "yarn.lock"}, false, "it has yarn.lock", ""},
		{"no package.json", "npm7_clean.json", "0", nil, false, "no package.json in ", ""},
		{"no dir", "npm7_clean.json", "0", nil, true, "no directory at ", ""},
		{"no npm", "", "0", []string{"package.json", "package-lock.json"}, false, "npm not found on PATH", ""},
		{"npm says ENOLOCK", "npm_error_enolock.json", "1", []string{"package.json", "package-lock.json"}, false, "no package-lock.json in ", ""},
		{"npm crashes", "npm_garbage.txt", "2", []string{"package.json", "package-lock.json"}, false, "", "exit status 2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.fixture == "" {
				t.Setenv("PATH", t.TempDir())
			} else {
				fakeNpm(t, tt.fixture, tt.exit)
			}
			dir := npmProject(t, tt.files...)
			if tt.noDir {
				dir = filepath.Join(dir, "frontend")
			}
			_, err := CheckNpm(context.Background(), ExecRunner{}, dir)
			if tt.missing != "" {
				wantToolMissing(t, err, tt.missing)
				return
			}
			if err == nil || errors.Is(err, ErrToolMissing) || !strings.Contains(err.Error(), tt.errText) {
				t.Fatalf("err = %v; want %q", err, tt.errText)
			}
		})
	}
}

func wantUnknown(t *testing.T, err error, reason string) {
	t.Helper()
	var ue *UnknownError
	if !errors.Is(err, ErrUnknown) || !errors.As(err, &ue) || !strings.Contains(ue.Reason, reason) {
		t.Fatalf("err = %v; want ErrUnknown with reason containing %q", err, reason)
	}
	// Callers that skip a check that cannot run skip this one too.
	if !errors.Is(err, ErrToolMissing) {
		t.Fatalf("err = %v does not match ErrToolMissing", err)
	}
}

// TestCheckPipIndexUnreachable: without its index pip still prints "[]"
// and exits 0, with its complaints on stderr (or, for SSL, on stdout before
// the JSON). That is not "0 outdated" but unknown. The outputs are pip
// 23.2's, recorded against a closed port, a dead proxy, no DNS and a
// server that does not speak TLS.
func TestCheckPipIndexUnreachable(t *testing.T) {
	tests := []struct {
		name, stdout, stderr, reason string
	}{
		{"connection refused", "", "pip_offline_refused.stderr", "Failed to establish a new connection: [Errno 111] Connection refused (/simple/pip/)"},
		{"no DNS", "", "pip_offline_dns.stderr", "Name or service not known"},
		{"dead proxy", "", "pip_offline_proxy.stderr", "Cannot connect to proxy"},
		{"TLS", "pip_offline_ssl.stdout", "pip_offline_ssl.stderr", "SSL: WRONG_VERSION_NUMBER"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := `echo '[]'`
			if tt.stdout != "" {
				out = `cat '` + fixturePath(t, tt.stdout) + `'`
			}
			venv := fakeVenv(t, out+`; cat '`+fixturePath(t, tt.stderr)+`' >&2; exit 0`)
			rep, err := CheckPip(context.Background(), ExecRunner{}, venv, []string{"fastapi"})
			wantUnknown(t, err, tt.reason)
			if !strings.HasPrefix(err.Error(), "pip: could not reach the package index: ") || len(rep.Outdated) != 0 {
				t.Errorf("err %q, report %+v", err, rep)
			}
		})
	}
	t.Run("other warnings are not the index", func(t *testing.T) {
		venv := fakeVenv(t, `echo '[]'; echo "ERROR: No matching distribution found for nothing" >&2`)
		if _, err := CheckPip(context.Background(), ExecRunner{}, venv, nil); err != nil {
			t.Fatalf("err = %v; want 0 outdated", err)
		}
	})
}

// TestCheckPipRealVenvOffline runs the real pip of a fresh virtualenv
// against an index on a closed loopback port. Making the virtualenv takes
// 5-20 s here, so -short leaves it out.
func TestCheckPipRealVenvOffline(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: making a virtualenv is slow")
	}
	python, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("no python3")
	}
	venv := filepath.Join(t.TempDir(), "venv")
	if venvWithSystemPip(python, venv) != nil {
		os.RemoveAll(venv)
		if out, err := exec.Command(python, "-m", "venv", venv).CombinedOutput(); err != nil {
			t.Skipf("python3 -m venv does not work here: %v: %s", err, out)
		}
	}
	t.Setenv("PIP_CONFIG_FILE", os.DevNull)
	t.Setenv("PIP_INDEX_URL", "http://"+closedPort(t)+"/simple")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	_, err = CheckPip(ctx, ExecRunner{}, venv, nil)
	wantUnknown(t, err, "Connection refused")
}

// venvWithSystemPip makes a virtualenv without running ensurepip (10 to
// 30 s here) and links the system's pip package into it, so the venv holds
// pip alone, as a fresh one does, and its python -m pip is the real pip.
func venvWithSystemPip(python, venv string) error {
	out, err := exec.Command(python, "-c",
		"import importlib.metadata as m, os, pip; print(os.path.dirname(pip.__file__)); print(m.distribution('pip')._path)").Output()
	if err != nil {
		return err
	}
	pipPaths := strings.Fields(string(out))
	if len(pipPaths) != 2 {
		return fmt.Errorf("system pip at %q", out)
	}
	if err := exec.Command(python, "-m", "venv", "--without-pip", venv).Run(); err != nil {
		return err
	}
	site, err := exec.Command(filepath.Join(venv, "bin", "python"), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])").Output()
	if err != nil {
		return err
	}
	for _, p := range pipPaths {
		if err := os.Symlink(p, filepath.Join(strings.TrimSpace(string(site)), filepath.Base(p))); err != nil {
			return err
		}
	}
	return nil
}

// closedPort is a loopback address nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// TestCheckNpmRegistryUnreachable: npm 11 offline prints an error object
// with empty summary and detail and the reason in "message"; older npm a
// code. Neither is "0 vulnerabilities", nor a failure of the frontend.
func TestCheckNpmRegistryUnreachable(t *testing.T) {
	for _, tt := range []struct{ fixture, reason string }{
		{"npm11_error_econnrefused.json", "connect ECONNREFUSED 127.0.0.1:9"},
		{"npm_error_network.json", "getaddrinfo ENOTFOUND registry.npmjs.org"},
	} {
		t.Run(tt.fixture, func(t *testing.T) {
			fakeNpm(t, tt.fixture, "1")
			_, err := CheckNpm(context.Background(), ExecRunner{}, npmProject(t, "package.json", "package-lock.json"))
			wantUnknown(t, err, tt.reason)
		})
	}
}

// TestNpmErrorRegistry: only the registry's errors (or the network's)
// make the audit unknown; the project's own stay errors.
func TestNpmErrorRegistry(t *testing.T) {
	for _, tt := range []struct {
		err  NpmError
		want bool
	}{
		{NpmError{Code: "ENOTFOUND"}, true},
		{NpmError{Code: "EAI_AGAIN", Summary: "request to https://registry.npmjs.org/ failed"}, true},
		{NpmError{Summary: "request to http://127.0.0.1:9/-/npm/v1/security/advisories/bulk failed, reason: connect ECONNREFUSED 127.0.0.1:9"}, true},
		{NpmError{Summary: "405 Method Not Allowed - POST https://registry.npmjs.org/-/npm/v1/security/advisories/bulk"}, true},
		{NpmError{Code: "E503", Summary: "Service Unavailable"}, true},
		{NpmError{Code: "EJSONPARSE", Summary: "Invalid package.json"}, false},
		{NpmError{Code: "EUSAGE", Summary: "Usage: npm audit [fix|signatures]"}, false},
		{NpmError{}, false},
	} {
		if got := tt.err.registry(); got != tt.want {
			t.Errorf("%+v: registry() = %v, want %v", tt.err, got, tt.want)
		}
	}
}

// TestCheckNpmRealOffline runs the real npm against a registry on a closed
// loopback port.
func TestCheckNpmRealOffline(t *testing.T) {
	if _, err := exec.LookPath("npm"); err != nil {
		t.Skip("no npm")
	}
	dir := t.TempDir()
	files := map[string]string{
		"package.json":      `{"name":"fe","version":"1.0.0","dependencies":{"left-pad":"1.3.0"}}`,
		"package-lock.json": `{"name":"fe","version":"1.0.0","lockfileVersion":3,"requires":true,"packages":{"":{"name":"fe","version":"1.0.0","dependencies":{"left-pad":"1.3.0"}},"node_modules/left-pad":{"version":"1.3.0"}}}`,
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("npm_config_registry", "http://"+closedPort(t)+"/")
	t.Setenv("npm_config_fetch_retries", "0")
	t.Setenv("npm_config_cache", t.TempDir())
	t.Setenv("npm_config_userconfig", os.DevNull)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	_, err := CheckNpm(ctx, ExecRunner{}, dir)
	wantUnknown(t, err, "ECONNREFUSED")
}

// TestCheckAptWithoutLists: before the first apt update (or after every
// one failed) apt lists nothing upgradable, which says nothing. The real
// apt, pointed at an empty lists directory.
func TestCheckAptWithoutLists(t *testing.T) {
	for _, tool := range []string{"apt", "apt-config"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("no %s on this machine", tool)
		}
	}
	lists := filepath.Join(t.TempDir(), "lists") + "/"
	if err := os.MkdirAll(filepath.Join(lists, "partial"), 0o700); err != nil {
		t.Fatal(err)
	}
	conf := filepath.Join(t.TempDir(), "apt.conf")
	if err := os.WriteFile(conf, []byte(`Dir::State::lists "`+lists+`";`+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("APT_CONFIG", conf)
	_, err := CheckApt(context.Background(), ExecRunner{}, "")
	wantUnknown(t, err, "no package lists in "+lists)
}
