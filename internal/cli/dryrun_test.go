package cli

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fossawork/fossamaint/internal/sandbox"
)

// dryRuns are the commands with --dry-run, as an operator would run them
// on a demo installation (--config and --now are added).
var dryRuns = [][]string{
	{"weekly", "--dry-run", "--force-window"},
	{"weekly", "--dry-run", "--force-window", "--json"},
	{"preflight", "--dry-run"},
	{"db", "optimize", "--dry-run"},
	{"logs", "rotate", "--dry-run"},
	{"backup", "prune", "--dry-run"},
	{"security", "perms", "--fix", "--dry-run"},
	{"recover", "--dry-run"},
	{"rollback", "--dry-run"},
	{"notice", "--dry-run"},
}

// TestDryRunsWriteNothing: on a generated installation, every dry run
// leaves the whole tree as it was (each path, its mode, size and
// modification time; a directory's mtime changes when an entry is made or
// removed in it): no directory made, no report, lock, history or
// analysis written. Once on the fresh installation and once after a real
// run made the lock file and the history.
//
// One exception: reading the application's database, which is in WAL
// mode and written by the live application, is done as SQLite readers
// must, through its shared-memory index: SQLite makes or updates
// <db>-shm and an empty <db>-wal (the application keeps both open while
// it runs). That is SQLite's bookkeeping, not a change to the database.
func TestDryRunsWriteNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("generates a demo installation")
	}
	ctx := context.Background()
	now := time.Date(2026, 11, 28, 3, 0, 0, 0, time.UTC)
	dir := filepath.Join(t.TempDir(), "demo")
	// No backend runs: it would write to the database and logs itself.
	inst, err := sandbox.Generate(ctx, sandbox.Options{Dir: dir, Size: sandbox.Small, Now: now, Seed: 1,
		Executable: filepath.Join(dir, "no-backend")})
	if err != nil {
		t.Fatal(err)
	}
	common := []string{"--config", inst.ConfigPath, "--now", now.Format(time.RFC3339)}
	db, err := filepath.Rel(dir, inst.DBPath)
	if err != nil {
		t.Fatal(err)
	}
	walIndex := func(p string, st fileState) bool {
		return p == db+"-shm" || (p == db+"-wal" && st.size == 0)
	}
	daily, err := os.ReadDir(filepath.Join(dir, "backups", "daily"))
	if err != nil || len(daily) == 0 {
		t.Fatalf("no daily backup to restore: %v", err)
	}
	runs := append(slices.Clone(dryRuns), []string{"backup", "restore", daily[len(daily)-1].Name(), "--dry-run"})
	check := func(stage string) {
		for _, args := range runs {
			before := snapshot(t, dir)
			code, _, stderr := run(ctx, append(slices.Clone(args), common...)...)
			if code == ExitUsage && !strings.Contains(stderr, "no run") && args[0] != "rollback" {
				t.Errorf("%s: %s exited %d: %s", stage, args, code, stderr)
			}
			if diff := diffSnapshots(before, snapshot(t, dir), walIndex); diff != "" {
				t.Errorf("%s: %s (exit %d) changed the installation:\n%s", stage, strings.Join(args, " "), code, diff)
			}
		}
	}
	check("fresh installation")
	if code, _, stderr := run(ctx, append([]string{"weekly", "--force-window", "--only", "preflight"}, common...)...); code == ExitUsage {
		t.Fatalf("the real run: %s", stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "state", "history.db")); err != nil {
		t.Fatalf("the real run made no history: %v", err)
	}
	check("after a run")
}

// fileState is what a dry run must not change about a path.
type fileState struct {
	mode  fs.FileMode
	size  int64
	mtime time.Time
}

func (s fileState) String() string {
	return fmt.Sprintf("%v %d bytes, modified %s", s.mode, s.size, s.mtime.Format(time.RFC3339Nano))
}

// snapshot records every path under dir (dir itself too).
func snapshot(t *testing.T, dir string) map[string]fileState {
	t.Helper()
	out := map[string]fileState{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		st := fileState{mode: info.Mode(), size: info.Size(), mtime: info.ModTime()}
		if info.IsDir() {
			st.size = 0 // a directory's size is the file system's business
		}
		out[rel] = st
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// diffSnapshots lists what was added, removed or changed, or "". Paths
// exempt says may change are left out, and so is the mtime of their
// directory when nothing else in it was added or removed.
func diffSnapshots(before, after map[string]fileState, exempt func(string, fileState) bool) string {
	var lines []string
	touched := map[string]bool{} // dirs with an entry added or removed that is not exempt
	for p, a := range after {
		b, ok := before[p]
		switch {
		case exempt(p, a):
		case !ok:
			lines = append(lines, "  added   "+p+": "+a.String())
			touched[filepath.Dir(p)] = true
		case a != b && !a.mode.IsDir():
			lines = append(lines, "  changed "+p+": "+b.String()+" -> "+a.String())
		}
	}
	for p := range before {
		if _, ok := after[p]; !ok {
			lines = append(lines, "  removed "+p)
			touched[filepath.Dir(p)] = true
		}
	}
	for p, a := range after {
		if b, ok := before[p]; ok && a.mode.IsDir() && a != b && (touched[p] || !onlyExempt(p, before, after, exempt)) {
			lines = append(lines, "  changed "+p+": "+b.String()+" -> "+a.String())
		}
	}
	slices.Sort(lines)
	return strings.Join(lines, "\n")
}

// onlyExempt says whether the only entries of dir that appeared are exempt
// ones (which explains a change of dir's mtime).
func onlyExempt(dir string, before, after map[string]fileState, exempt func(string, fileState) bool) bool {
	found := false
	for p, a := range after {
		if _, ok := before[p]; !ok && filepath.Dir(p) == dir {
			if !exempt(p, a) {
				return false
			}
			found = true
		}
	}
	return found
}
