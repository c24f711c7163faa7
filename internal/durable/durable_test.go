package durable

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestNameAndOwner(t *testing.T) {
	n := Name("vacuum")
	pid, purpose, ok := Owner(n)
	if !ok || pid != os.Getpid() || purpose != "vacuum" {
		t.Fatalf("Owner(%q) = %d %q %v", n, pid, purpose, ok)
	}
	if a, b := Name("x"), Name("x"); a == b {
		t.Fatal("two names collide")
	}
	for _, tc := range []struct {
		name    string
		pid     int
		purpose string
		ok      bool
	}{
		{".fossamaint-tmp-42-newset-20261128-0a1b2c3d4e5f", 42, "newset-20261128", true},
		{"/a/b/.fossamaint-tmp-7-vacuum-abcdef-journal", 7, "vacuum-abcdef", true},
		{".fossamaint-tmp-a/b-x-y", 0, "", false},
		{".fossamaint-tmp-0-x-y", 0, "", false},
		{".fossamaint-tmp-12-", 0, "", false},
		{".fossamaint-tmp-12", 0, "", false},
		{"fossawork_v2.db", 0, "", false},
		{".fossawork_v2.db.vacuum-20261128_020000", 0, "", false},
	} {
		pid, purpose, ok := Owner(tc.name)
		if pid != tc.pid || purpose != tc.purpose || ok != tc.ok {
			t.Errorf("Owner(%q) = %d %q %v, want %d %q %v", tc.name, pid, purpose, ok, tc.pid, tc.purpose, tc.ok)
		}
	}
	if n := Name("a/b"); strings.Count(n, "/") != 0 {
		t.Errorf("a purpose with a slash made a path: %q", n)
	}
}

func TestCreateTempIsPrivateAndOurs(t *testing.T) {
	dir := t.TempDir()
	f, err := CreateTemp(dir, "report")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 || !IsTemp(f.Name()) || filepath.Dir(f.Name()) != dir {
		t.Fatalf("%s mode %v", f.Name(), fi.Mode().Perm())
	}
	d, err := MkdirTemp(dir, "set")
	if err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(d); fi.Mode().Perm() != 0o700 || !IsTemp(d) {
		t.Fatalf("%s mode %v", d, fi.Mode().Perm())
	}
}

// deadPID is the pid of a process that has exited and been reaped.
func deadPID(t *testing.T) int {
	t.Helper()
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Skip("no `true` to start:", err)
	}
	return cmd.Process.Pid
}

func TestSweep(t *testing.T) {
	root := t.TempDir()
	mk := func(rel string, dir bool) string {
		p := filepath.Join(root, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			t.Fatal(err)
		}
		if dir {
			if err := os.MkdirAll(filepath.Join(p, "inner"), 0o700); err != nil {
				t.Fatal(err)
			}
			p = filepath.Join(p, "inner")
			defer func() { _ = os.WriteFile(filepath.Join(p, "f"), []byte("12345"), 0o600) }()
			return filepath.Dir(p)
		}
		if err := os.WriteFile(p, []byte("0123456789"), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	const alive = 999992
	isAlive := func(pid int) bool { return pid == alive }
	deadFile := mk("backend/.fossamaint-tmp-999991-vacuum-aaaa", false)
	deadSidecar := mk("backend/.fossamaint-tmp-999991-vacuum-aaaa-journal", false)
	liveFile := mk("backend/.fossamaint-tmp-999992-vacuum-bbbb", false)
	ownFile := mk("backend/"+Name("vacuum"), false)
	legacy := mk("backend/.fossawork_v2.db.vacuum-20261128_020000", false)
	deadDir := mk("backups/daily/.fossamaint-tmp-999991-newset-20261128-cccc", true)
	nested := mk("logs/errors/2026/.fossamaint-tmp-999991-rotate-dddd", false)
	deep := mk("backend/sub/.fossamaint-tmp-999991-x-eeee", false)
	user := mk("backend/fossawork_v2.db", false)

	legacyDB := func(name string) bool { return strings.HasPrefix(name, ".fossawork_v2.db.vacuum-") }
	dirs := []Dir{
		{Path: filepath.Join(root, "backend"), Legacy: legacyDB},
		{Path: filepath.Join(root, "backups"), Recursive: true},
		{Path: filepath.Join(root, "logs"), Recursive: true},
		{Path: filepath.Join(root, "logs"), Recursive: true}, // listed twice: swept once
		{Path: filepath.Join(root, "absent")},
	}
	dry, err := Sweep(context.Background(), dirs, SweepOptions{Alive: isAlive, DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(deadFile); err != nil {
		t.Fatal("dry run removed a file")
	}
	got, err := Sweep(context.Background(), dirs, SweepOptions{Alive: isAlive})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{deadFile, deadSidecar, legacy, deadDir, nested}
	slices.Sort(want)
	if !slices.Equal(got.Removed, want) || !slices.Equal(dry.Removed, want) {
		t.Fatalf("removed %v\n(dry %v)\nwant %v", got.Removed, dry.Removed, want)
	}
	if got.Bytes != 10*4+5 {
		t.Errorf("bytes %d", got.Bytes)
	}
	inUse := []string{liveFile, ownFile}
	slices.Sort(inUse)
	slices.Sort(got.InUse)
	if !slices.Equal(got.InUse, inUse) {
		t.Errorf("in use %v", got.InUse)
	}
	for _, p := range want {
		if _, err := os.Lstat(p); !os.IsNotExist(err) {
			t.Errorf("%s still there", p)
		}
	}
	for _, p := range []string{liveFile, ownFile, user, deep} {
		if _, err := os.Lstat(p); err != nil {
			t.Errorf("%s was removed: %v", p, err)
		}
	}
}

func TestSweepRealProcesses(t *testing.T) {
	dir := t.TempDir()
	gone := filepath.Join(dir, Prefix+strconv.Itoa(deadPID(t))+"-cmd-ffff")
	mine := filepath.Join(dir, Name("cmd"))
	parent := filepath.Join(dir, Prefix+strconv.Itoa(os.Getppid())+"-cmd-abab")
	for _, p := range []string{gone, mine, parent} {
		if err := os.WriteFile(p, nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	got, err := Sweep(context.Background(), []Dir{{Path: dir}}, SweepOptions{})
	if err != nil {
		t.Fatal(err)
	}
	inUse := []string{parent, mine}
	slices.Sort(inUse)
	slices.Sort(got.InUse)
	if !slices.Equal(got.Removed, []string{gone}) || !slices.Equal(got.InUse, inUse) {
		t.Fatalf("removed %v in use %v", got.Removed, got.InUse)
	}
}

func TestSweepHonoursCancellation(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, Prefix+"999991-x-1"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Sweep(ctx, []Dir{{Path: dir}}, SweepOptions{Alive: func(int) bool { return false }}); err == nil {
		t.Fatal("a cancelled sweep reported success")
	}
}

func TestNewestBefore(t *testing.T) {
	day := time.Date(2026, 11, 28, 3, 0, 0, 0, time.UTC)
	dir := t.TempDir()
	for _, n := range []string{"r-20261114.json", "r-20261121.json", "r-20261128.json", "r-20261205.json",
		"r-20261399.json", "r-2026112.json", "r-20261127.json.tmp", "x-20261127.json"} {
		if err := os.WriteFile(filepath.Join(dir, n), nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, "r-20261126.json"), 0o700); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		dir  string
		day  time.Time
		want string
	}{
		{dir, day, filepath.Join(dir, "r-20261121.json")},
		{dir, day.AddDate(0, 0, -14), ""},
		{filepath.Join(dir, "none"), day, ""},
	} {
		got, err := NewestBefore(tc.dir, "r-", ".json", tc.day)
		if err != nil || got != tc.want {
			t.Errorf("NewestBefore(%s, %s) = %q, %v; want %q", tc.dir, tc.day.Format(time.DateOnly), got, err, tc.want)
		}
	}
}
