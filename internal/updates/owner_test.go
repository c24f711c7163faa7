//go:build unix

package updates

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// The owner tests run real commands as another user, so they need root
// (CI runs the tests as root). uid 65534 is nobody: in the user database,
// with no usable home (/nonexistent). uid 4242 is in no user database.

const nobody = 65534

// needRoot skips t unless fossamaint's tests run as root.
func needRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("running commands as another user needs root (CI runs the tests as root)")
	}
}

// sharedDir is a new directory every user may traverse and read: the
// test's own temporary directories are 0700.
func sharedDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, d := range []string{dir, filepath.Dir(dir)} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// chownTree gives every file under root to uid:gid, root included, and
// lets everyone traverse the directories above it (up to the test's
// temporary directory).
func chownTree(t *testing.T, root string, uid, gid int) {
	t.Helper()
	err := filepath.WalkDir(root, func(p string, _ fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(p, uid, gid)
	})
	if err != nil {
		t.Fatal(err)
	}
	for d := filepath.Dir(root); d != os.TempDir() && d != filepath.Dir(d); d = filepath.Dir(d) {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
}

// notOwnedBy lists the files under root (root included) whose owner is
// not uid.
func notOwnedBy(t *testing.T, root string, uid uint32) []string {
	t.Helper()
	var bad []string
	err := filepath.WalkDir(root, func(p string, _ fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		st, err := os.Lstat(p)
		if err != nil {
			return err
		}
		if got := st.Sys().(*syscall.Stat_t).Uid; got != uid {
			bad = append(bad, p+" (uid "+strconv.FormatUint(uint64(got), 10)+")")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return bad
}

func wantOwnedBy(t *testing.T, root string, uid uint32) {
	t.Helper()
	if bad := notOwnedBy(t, root, uid); len(bad) > 0 {
		t.Errorf("%d files under %s are not uid %d's, e.g. %s", len(bad), root, uid, strings.Join(first3(bad), ", "))
	}
}

func first3(s []string) []string { return s[:min(len(s), 3)] }

// TestRunAsOwner runs id and sh through AsOwnerOf for trees of several
// owners: the command's uid, gid, HOME, caches and the files it writes.
func TestRunAsOwner(t *testing.T) {
	needRoot(t)
	t.Setenv("TMPDIR", sharedDir(t)) // the private homes go there
	script := `id -u; id -g; echo "$HOME"; echo "$PIP_CACHE_DIR"; echo "$npm_config_cache"; pwd; touch written`
	tests := []struct {
		name     string
		uid, gid int
		dir      string // "" or "tree"
		env      []string
		want     func(tree, tmp string) []string
	}{
		{"nobody's tree", nobody, nobody, "tree", nil, func(tree, tmp string) []string {
			home := filepath.Join(tmp, "fossamaint-home-65534")
			return []string{"65534", "65534", home, home + "/.cache/pip", home + "/.npm", tree}
		}},
		{"nobody's tree, no dir: the home", nobody, nobody, "", nil, func(tree, tmp string) []string {
			home := filepath.Join(tmp, "fossamaint-home-65534")
			return []string{"65534", "65534", home, home + "/.cache/pip", home + "/.npm", home}
		}},
		{"a uid without a user: the file's group", 4242, 4243, "tree", []string{"npm_config_cache=/elsewhere"}, func(tree, tmp string) []string {
			home := filepath.Join(tmp, "fossamaint-home-4242")
			return []string{"4242", "4243", home, home + "/.cache/pip", "/elsewhere", tree}
		}},
		{"root's tree: as fossamaint", 0, 0, "tree", nil, func(tree, tmp string) []string {
			return []string{"0", "0", os.Getenv("HOME"), os.Getenv("PIP_CACHE_DIR"), os.Getenv("npm_config_cache"), tree}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tree := filepath.Join(sharedDir(t), "tree")
			if err := os.Mkdir(tree, 0o755); err != nil {
				t.Fatal(err)
			}
			chownTree(t, tree, tt.uid, tt.gid)
			dir := map[string]string{"tree": tree}[tt.dir]
			r := AsOwnerOf(ExecRunner{}, tree)
			stdout, stderr, code, err := r.Run(context.Background(), dir, tt.env, "sh", "-c", script)
			if err != nil || code != 0 {
				t.Fatalf("exit %d, %v: %s", code, err, stderr)
			}
			got := strings.Split(strings.TrimSpace(string(stdout)), "\n")
			want := tt.want(tree, os.TempDir())
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("the command said\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
			written := filepath.Join(want[len(want)-1], "written")
			wantOwnedBy(t, written, uint32(tt.uid))
		})
	}
}

// TestRunAsOwnerRefuses: whatever stops a command from running as the
// owner stops it; it never runs as root instead.
func TestRunAsOwnerRefuses(t *testing.T) {
	needRoot(t)
	tmp := sharedDir(t)
	t.Setenv("TMPDIR", tmp)
	tree := filepath.Join(sharedDir(t), "tree")
	if err := os.Mkdir(tree, 0o755); err != nil {
		t.Fatal(err)
	}
	chownTree(t, tree, nobody, nobody)
	marker := filepath.Join(tmp, "ran")
	run := func(r Runner) error {
		_, _, _, err := r.Run(context.Background(), "", nil, "touch", marker)
		return err
	}
	t.Run("no tree", func(t *testing.T) {
		err := run(AsOwnerOf(ExecRunner{}, filepath.Join(tmp, "gone")))
		if err == nil || !strings.Contains(err.Error(), "not run as root instead") {
			t.Errorf("err = %v; want the owner unknown, nothing run", err)
		}
	})
	t.Run("someone else's home", func(t *testing.T) {
		home := filepath.Join(tmp, "fossamaint-home-65534")
		if err := os.Mkdir(home, 0o700); err != nil { // root's, not nobody's
			t.Fatal(err)
		}
		defer os.Remove(home)
		err := run(AsOwnerOf(ExecRunner{}, tree))
		if err == nil || !strings.Contains(err.Error(), "is not a 0700 directory of that user") {
			t.Errorf("err = %v; want the squatted home refused", err)
		}
	})
	t.Run("a copy the owner cannot reach", func(t *testing.T) {
		private := t.TempDir() // 0700, root's
		t.Setenv("TMPDIR", private)
		snap := filepath.Join(t.TempDir(), "pip-freeze.txt")
		if err := os.WriteFile(snap, []byte("alpha==1.0.0\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		o, err := OwnerOf(tree)
		if err != nil {
			t.Fatal(err)
		}
		_, _, err = copyForOwner(o, snap)
		if err == nil || !strings.Contains(err.Error(), "uid 65534 (nobody) may not reach "+filepath.Dir(private)) {
			t.Errorf("err = %v; want it to say nobody cannot reach the copy", err)
		}
	})
	if _, err := os.Stat(marker); err == nil {
		t.Error("a refused command ran")
	}
}
