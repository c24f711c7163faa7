package security

import (
	"context"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/fossawork/fossamaint/internal/finding"
)

// mkTree creates files and directories with exact modes (umask aside).
// Names ending in "/" are directories.
func mkTree(t *testing.T, root string, entries map[string]os.FileMode) {
	t.Helper()
	names := make([]string, 0, len(entries))
	for n := range entries {
		names = append(names, n)
	}
	slices.Sort(names) // parents first
	for _, n := range names {
		p := filepath.Join(root, n)
		var err error
		if strings.HasSuffix(n, "/") {
			err = os.Mkdir(p, 0o700)
		} else {
			err = os.WriteFile(p, []byte("x"), 0o600)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	// Modes last, so a 0500 directory does not stop its own children.
	for i := len(names) - 1; i >= 0; i-- {
		if err := os.Chmod(filepath.Join(root, names[i]), entries[names[i]]); err != nil {
			t.Fatal(err)
		}
	}
}

func modeOf(t *testing.T, p string) os.FileMode {
	t.Helper()
	fi, err := os.Lstat(p)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Mode() & modeBits
}

func TestCheckPerms(t *testing.T) {
	dir := t.TempDir()
	mkTree(t, dir, map[string]os.FileMode{
		"db": 0o644, "env": 0o666, "data/": 0o755, "ok": 0o600, "strict": 0o400, "suid": 0o700 | fs.ModeSetuid, "target": 0o644,
	})
	for link, to := range map[string]string{"link-bad": "target", "link-ok": "ok", "dangling": "none"} {
		if err := os.Symlink(to, filepath.Join(dir, link)); err != nil {
			t.Fatal(err)
		}
	}
	p := func(n string) string { return filepath.Join(dir, n) }
	tests := []struct {
		path     string
		max      os.FileMode
		ok       bool
		kind     string
		severity finding.Severity
		problems []string
		msg      string
	}{
		{p("db"), 0o600, false, PermKindFile, finding.Warning, []string{"world-readable", "group-readable"}, "mode 0644, allowed at most 0600: world-readable, group-readable"},
		{p("env"), 0o600, false, PermKindFile, finding.Critical, []string{"world-writable", "world-readable", "group-writable", "group-readable"}, "world-writable"},
		{p("data"), 0o700, false, PermKindDir, finding.Warning, []string{"world-readable", "world-executable", "group-readable", "group-executable"}, "mode 0755"},
		{p("ok"), 0o600, true, PermKindFile, finding.Info, []string{}, "mode 0600 (allowed at most 0600)"},
		{p("strict"), 0o600, true, PermKindFile, finding.Info, []string{}, "mode 0400"},
		{p("suid"), 0o700, false, PermKindFile, finding.Warning, []string{"setuid"}, "mode 4700"},
		{p("link-bad"), 0o600, false, PermKindSymlink, finding.Warning, []string{"symlink", "world-readable", "group-readable"}, "is a symlink to target, mode 0644 (allowed at most 0600): world-readable"},
		{p("link-ok"), 0o600, true, PermKindSymlink, finding.Info, []string{"symlink"}, "modes are not changed through links"},
		{p("dangling"), 0o600, false, PermKindSymlink, finding.Warning, []string{"symlink"}, "cannot be examined"},
		{p("missing"), 0o600, true, "", finding.Info, []string{}, "does not exist"},
	}
	for _, tc := range tests {
		t.Run(filepath.Base(tc.path), func(t *testing.T) {
			got := CheckPerms(context.Background(), []PermRule{{Path: tc.path, Max: tc.max}})
			if len(got) != 1 {
				t.Fatalf("%d findings", len(got))
			}
			f := got[0]
			if f.OK != tc.ok || f.Kind != tc.kind || f.Severity != tc.severity || !slices.Equal(f.Problems, tc.problems) || !strings.Contains(f.Message, tc.msg) {
				t.Errorf("got ok=%v kind=%q severity=%s problems=%q message %q", f.OK, f.Kind, f.Severity, f.Problems, f.Message)
			}
			if tc.ok != (f.Recommendation == "") {
				t.Errorf("recommendation %q", f.Recommendation)
			}
		})
	}
}

// backupsTree is a backups directory with one good and several bad entries.
func backupsTree(t *testing.T) (string, PermRule) {
	dir := filepath.Join(t.TempDir(), "backups")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	mkTree(t, dir, map[string]os.FileMode{
		"daily/": 0o755, "daily/20260110/": 0o700, "daily/20260110/fossawork_v2.db": 0o644,
		"weekly/": 0o700, "weekly/full.db": 0o600, "weekly/readonly.db": 0o444, "weekly/group.db": 0o660,
	})
	if err := os.Symlink("weekly/full.db", filepath.Join(dir, "latest")); err != nil {
		t.Fatal(err)
	}
	return dir, PermRule{Path: dir, Max: 0o700, Recursive: true, FilesMax: 0o600}
}

func TestCheckPermsRecursive(t *testing.T) {
	dir, rule := backupsTree(t)
	got := CheckPerms(context.Background(), []PermRule{rule})
	var paths []string
	for _, f := range got {
		rel, _ := filepath.Rel(dir, f.Path)
		paths = append(paths, rel+":"+strings.Join(f.Problems, ","))
	}
	want := []string{
		".:",
		"daily:world-readable,world-executable,group-readable,group-executable",
		"daily/20260110/fossawork_v2.db:world-readable,group-readable",
		"weekly/group.db:group-writable,group-readable",
		"weekly/readonly.db:world-readable,group-readable",
	}
	if !slices.Equal(paths, want) {
		t.Errorf("findings\n%q\nwant\n%q", paths, want)
	}
	if !got[0].OK || got[0].FilesChecked != 4 || got[0].Rule != dir {
		t.Errorf("root finding %+v", got[0])
	}
	for _, f := range got[1:] {
		if f.Rule != dir || f.OK {
			t.Errorf("finding below %+v", f)
		}
	}
	// The link inside (to a 0600 file) is fine and so not listed; a link
	// to a too-open target is.
	if err := os.Chmod(filepath.Join(dir, "weekly/full.db"), 0o640); err != nil {
		t.Fatal(err)
	}
	got = CheckPerms(context.Background(), []PermRule{rule})
	if !slices.ContainsFunc(got, func(f PermFinding) bool { return f.Kind == PermKindSymlink && filepath.Base(f.Path) == "latest" }) {
		t.Error("the link to a too-open backup is not reported")
	}
}

func TestFixPerms(t *testing.T) {
	for _, dryRun := range []bool{true, false} {
		t.Run("dry-run="+strconv.FormatBool(dryRun), func(t *testing.T) {
			dir, rule := backupsTree(t)
			outside := filepath.Join(t.TempDir(), "outside")
			mkTree(t, filepath.Dir(outside), map[string]os.FileMode{"outside": 0o666})
			link := filepath.Join(dir, "weekly", "outside-link")
			if err := os.Symlink(outside, link); err != nil {
				t.Fatal(err)
			}
			before := map[string]os.FileMode{}
			findings := CheckPerms(context.Background(), []PermRule{rule})
			for _, f := range findings {
				before[f.Path] = modeOf(t, f.Path)
			}
			actions, err := FixPerms(context.Background(), findings, dryRun)
			if err != nil {
				t.Fatal(err)
			}
			skip := slices.IndexFunc(actions, func(a string) bool { return strings.HasPrefix(a, "skip "+link+": a symlink") })
			if len(actions) != 5 || skip < 0 {
				t.Fatalf("actions %q", actions)
			}
			for _, a := range slices.Delete(actions, skip, skip+1) {
				if strings.HasPrefix(a, "would chmod ") != dryRun || !strings.Contains(a, "chmod ") {
					t.Errorf("action %q with dry-run %v", a, dryRun)
				}
			}
			want := map[string]os.FileMode{"daily": 0o700, "daily/20260110/fossawork_v2.db": 0o600, "weekly/group.db": 0o600,
				"weekly/readonly.db": 0o400} // only bits removed: readonly stays read-only
			for rel, m := range want {
				p := filepath.Join(dir, rel)
				if dryRun {
					m = before[p]
				}
				if got := modeOf(t, p); got != m {
					t.Errorf("%s mode %04o, want %04o", rel, got, m)
				}
			}
			if got := modeOf(t, outside); got != 0o666 {
				t.Errorf("the link's target was changed to %04o", got)
			}
			if !dryRun {
				for _, f := range CheckPerms(context.Background(), []PermRule{rule}) {
					if !f.OK && f.Kind != PermKindSymlink {
						t.Errorf("still wrong after the fix: %s", f.Message)
					}
				}
			}
		})
	}
}

func TestFixPermsRefusesASwappedPath(t *testing.T) {
	dir := t.TempDir()
	mkTree(t, dir, map[string]os.FileMode{"db": 0o644, "victim": 0o644})
	db := filepath.Join(dir, "db")
	findings := CheckPerms(context.Background(), []PermRule{{Path: db, Max: 0o600}})
	if err := os.Remove(db); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("victim", db); err != nil {
		t.Fatal(err)
	}
	actions, err := FixPerms(context.Background(), findings, false)
	if err == nil || len(actions) != 0 {
		t.Fatalf("actions %q, err %v", actions, err)
	}
	if got := modeOf(t, filepath.Join(dir, "victim")); got != 0o644 {
		t.Errorf("fixed through the swapped-in link: %04o", got)
	}
}

func TestPermsOwner(t *testing.T) {
	dir := t.TempDir()
	mkTree(t, dir, map[string]os.FileMode{"db": 0o600, "backups/": 0o700, "backups/a.db": 0o600})
	other := strconv.Itoa(os.Geteuid() + 1234)
	rules := []PermRule{{Path: filepath.Join(dir, "db"), Max: 0o600, Owner: other},
		{Path: filepath.Join(dir, "backups"), Max: 0o700, Owner: other, Recursive: true}}
	findings := CheckPerms(context.Background(), rules)
	if len(findings) != 3 {
		t.Fatalf("findings %+v", findings)
	}
	for _, f := range findings {
		if !f.WrongOwner || f.OK || !slices.Contains(f.Problems, "owner") || f.Severity != finding.Warning || !strings.Contains(f.Recommendation, "chown "+other) {
			t.Errorf("finding %+v", f)
		}
	}
	bad := CheckPerms(context.Background(), []PermRule{{Path: filepath.Join(dir, "db"), Max: 0o600, Owner: "no-such-user-fossa"}})
	if bad[0].Err == "" || bad[0].Severity != finding.Warning {
		t.Errorf("unknown owner: %+v", bad[0])
	}
	actions, err := FixPerms(context.Background(), findings, false)
	if err != nil {
		t.Fatal(err)
	}
	if os.Geteuid() != 0 {
		if len(actions) != 3 || !strings.Contains(actions[0], "needs root") {
			t.Errorf("actions %q", actions)
		}
		return
	}
	if len(actions) != 3 {
		t.Errorf("actions %q", actions)
	}
	for _, f := range CheckPerms(context.Background(), rules) {
		if !f.OK {
			t.Errorf("after chown: %s", f.Message)
		}
	}
}

func TestCheckPermsUnreadableAndCancelled(t *testing.T) {
	dir := t.TempDir()
	mkTree(t, dir, map[string]os.FileMode{"b/": 0o700, "b/locked/": 0o000, "b/locked/x": 0o600})
	t.Cleanup(func() { os.Chmod(filepath.Join(dir, "b/locked"), 0o700) })
	rule := PermRule{Path: filepath.Join(dir, "b"), Max: 0o700, Recursive: true, FilesMax: 0o600}
	got := CheckPerms(context.Background(), []PermRule{rule})
	if os.Geteuid() != 0 {
		if len(got) != 2 || got[1].Err == "" || got[1].Severity != finding.Warning {
			t.Errorf("unreadable directory: %+v", got)
		}
	} else if len(got) != 1 || got[0].FilesChecked != 1 {
		t.Errorf("as root everything is readable: %+v", got)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	got = CheckPerms(ctx, []PermRule{rule})
	if len(got) != 1 || got[0].Err == "" || got[0].OK {
		t.Errorf("cancelled: %+v", got)
	}
	if _, err := FixPerms(ctx, []PermFinding{{Path: dir, Excess: 0o7, Kind: PermKindDir}}, false); err == nil {
		t.Error("cancelled fix returned no error")
	}
}

func TestPermFindingJSON(t *testing.T) {
	dir := t.TempDir()
	mkTree(t, dir, map[string]os.FileMode{"db": 0o640})
	f := CheckPerms(context.Background(), []PermRule{{Path: filepath.Join(dir, "db"), Max: 0o600}})[0]
	b, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	if m["mode"] != "0640" || m["max"] != "0600" || m["excess"] != "0040" || m["kind"] != "file" || m["ok"] != false {
		t.Errorf("JSON %s", b)
	}
	// An unknown uid and an owner that is not configured are left out,
	// never written as -1.
	for _, tc := range []struct {
		uid, want int
		has       []string
		lacks     []string
	}{
		{-1, -1, nil, []string{`"uid"`, `"want_uid"`}},
		{0, -1, []string{`"uid":0`}, []string{`"want_uid"`}},
		{1000, 0, []string{`"uid":1000`, `"want_uid":0`}, nil},
	} {
		f.UID, f.WantUID = tc.uid, tc.want
		b, err := json.Marshal(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range tc.has {
			if !strings.Contains(string(b), s) {
				t.Errorf("uid %d, want_uid %d: %s lacks %s", tc.uid, tc.want, b, s)
			}
		}
		for _, s := range tc.lacks {
			if strings.Contains(string(b), s) {
				t.Errorf("uid %d, want_uid %d: %s has %s", tc.uid, tc.want, b, s)
			}
		}
	}
}
