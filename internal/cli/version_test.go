package cli

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
)

func TestBuildInfoOf(t *testing.T) {
	vcs := func(rev, modified, when string) []debug.BuildSetting {
		return []debug.BuildSetting{{Key: "vcs", Value: "git"}, {Key: "vcs.revision", Value: rev},
			{Key: "vcs.modified", Value: modified}, {Key: "vcs.time", Value: when}}
	}
	rev := "30187f3d96798caa96560c50261e9445caa41418"
	for _, tc := range []struct {
		name     string
		override string
		bi       *debug.BuildInfo
		want     buildInfo
		line     string
	}{
		{"go install @version", "dev",
			&debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "v1.2.3"}},
			buildInfo{Version: "v1.2.3", GoVersion: "go1.26.8"},
			"fossamaint v1.2.3 (go1.26.8, "},
		{"go build in a checkout with changes", "dev",
			&debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "(devel)"}, Settings: vcs(rev, "true", "2026-12-03T03:06:02Z")},
			buildInfo{Version: "devel-30187f3d9679+dirty", Commit: rev, Dirty: true, CommitDate: "2026-12-03T03:06:02Z", GoVersion: "go1.26.8"},
			"fossamaint devel-30187f3d9679+dirty (commit 30187f3d9679+dirty, committed 2026-12-03T03:06:02Z, go1.26.8, "},
		{"go build stamping a pseudo-version", "dev",
			&debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "v0.0.0-20261203030602-30187f3d9679"}, Settings: vcs(rev, "false", "2026-12-03T03:06:02Z")},
			buildInfo{Version: "v0.0.0-20261203030602-30187f3d9679", Commit: rev, CommitDate: "2026-12-03T03:06:02Z", GoVersion: "go1.26.8"},
			"fossamaint v0.0.0-20261203030602-30187f3d9679 (commit 30187f3d9679, committed 2026-12-03T03:06:02Z, go1.26.8, "},
		{"ldflags override wins", "v9.9.9",
			&debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "v1.2.3"}, Settings: vcs(rev, "false", "")},
			buildInfo{Version: "v9.9.9", Commit: rev, GoVersion: "go1.26.8"},
			"fossamaint v9.9.9 (commit 30187f3d9679, go1.26.8, "},
		{"no build information", "dev", nil,
			buildInfo{Version: "devel", GoVersion: runtime.Version()},
			"fossamaint devel (" + runtime.Version() + ", "},
	} {
		got := buildInfoOf(tc.override, tc.bi)
		if got != tc.want {
			t.Errorf("%s: %+v, want %+v", tc.name, got, tc.want)
		}
		if !strings.HasPrefix(got.line(), tc.line) {
			t.Errorf("%s: line %q, want it to start with %q", tc.name, got.line(), tc.line)
		}
	}
}

// TestBuiltBinaryVersion builds cmd/fossamaint as `go build` does for an
// operator (no ldflags) and compares what `fossamaint version --json`
// says with what the go command stamped (`go version -m`): the commit and
// its date when the source is a VCS checkout, the module version
// otherwise.
func TestBuiltBinaryVersion(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command")
	}
	bin := filepath.Join(t.TempDir(), "fossamaint")
	build := exec.Command(goBin, "build", "-buildvcs=auto", "-o", bin, "./cmd/fossamaint")
	build.Dir = filepath.Join("..", "..")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	stamped, err := exec.Command(goBin, "version", "-m", bin).Output()
	if err != nil {
		t.Fatal(err)
	}
	settings := map[string]string{}
	for _, line := range strings.Split(string(stamped), "\n") {
		f := strings.Fields(line)
		if len(f) >= 2 && f[0] == "build" {
			k, v, _ := strings.Cut(f[1], "=")
			settings[k] = v
		}
	}
	out, err := exec.Command(bin, "version", "--json").Output()
	if err != nil {
		t.Fatal(err)
	}
	var got buildInfo
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if got.Commit != settings["vcs.revision"] || got.CommitDate != settings["vcs.time"] || got.Dirty != (settings["vcs.modified"] == "true") {
		t.Errorf("version --json %+v does not match the stamped build settings %v", got, settings)
	}
	if got.Version == "" || got.Version == "dev" || got.GoVersion != runtime.Version() {
		t.Errorf("version --json %+v: want a resolved version and %s", got, runtime.Version())
	}
	line, err := exec.Command(bin, "--version").Output()
	if err != nil {
		t.Fatal(err)
	}
	if c := settings["vcs.revision"]; c != "" && !strings.Contains(string(line), "commit "+c[:12]) {
		t.Errorf("--version %q does not name commit %s", line, c[:12])
	}
	t.Logf("%s (stamped: %v)", strings.TrimSpace(string(line)), settings["vcs.revision"] != "")
}

// TestManPages generates the man pages: one per command a user can run
// (hidden ones and `help` left out, as cobra/doc does), and the root page
// holds the exit-code table.
func TestManPages(t *testing.T) {
	dir := t.TempDir()
	code, _, stderr := run(context.Background(), "man", "--dir", dir)
	if code != ExitOK {
		t.Fatalf("man exited %d: %s", code, stderr)
	}
	paths, _ := treePaths(t)
	a := &app{stdout: os.Stdout, stderr: os.Stderr}
	root := a.rootCmd()
	want := 0
	for _, p := range paths {
		c, _, err := root.Find(p)
		if err != nil || c.Hidden || (c.Parent() != nil && c.Parent().Hidden) || c.Name() == "help" {
			continue
		}
		want++
		page := filepath.Join(dir, strings.Join(append([]string{"fossamaint"}, p...), "-")+".1")
		if _, err := os.Stat(page); err != nil {
			t.Errorf("no man page for %q: %v", strings.Join(p, " "), err)
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != want {
		t.Errorf("%d man pages for %d commands", len(entries), want)
	}
	rootPage, err := os.ReadFile(filepath.Join(dir, "fossamaint.1"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(rootPage), ".SH EXIT STATUS") {
		t.Error("fossamaint.1 has no EXIT STATUS section")
	}
	for _, e := range exitTable {
		if !strings.Contains(string(rootPage), ".TP\n\\fB"+strconv.Itoa(e.code)+"\\fP\n") {
			t.Errorf("fossamaint.1 does not list exit code %d", e.code)
		}
	}
	weekly, _ := os.ReadFile(filepath.Join(dir, "fossamaint-weekly.1"))
	if strings.Contains(string(weekly), "another run holds the lock") {
		t.Error("the exit table is repeated in fossamaint-weekly.1")
	}
}
