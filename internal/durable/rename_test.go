package durable

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

func write(t *testing.T, path, body string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
}

func content(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func gone(t *testing.T, path string) {
	t.Helper()
	if _, err := os.Lstat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("%s still there (%v)", path, err)
	}
}

func TestRename(t *testing.T) {
	dir := t.TempDir()
	other := filepath.Join(dir, "other")
	if err := os.Mkdir(other, 0o700); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, src, dst, existing string
	}{
		{"same directory", filepath.Join(dir, "a"), filepath.Join(dir, "b"), ""},
		{"over an existing file", filepath.Join(dir, "c"), filepath.Join(dir, "d"), "old"},
		{"into another directory", filepath.Join(dir, "e"), filepath.Join(other, "e"), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			write(t, tc.src, "new")
			if tc.existing != "" {
				write(t, tc.dst, tc.existing)
			}
			if err := Rename(tc.src, tc.dst); err != nil {
				t.Fatal(err)
			}
			if got := content(t, tc.dst); got != "new" {
				t.Fatalf("dst holds %q", got)
			}
			gone(t, tc.src)
		})
	}
	t.Run("missing source", func(t *testing.T) {
		err := Rename(filepath.Join(dir, "absent"), filepath.Join(dir, "x"))
		var le *os.LinkError
		if !errors.As(err, &le) || !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("error %v (%T), want an *os.LinkError matching fs.ErrNotExist", err, err)
		}
	})
}

func TestCommit(t *testing.T) {
	dir := t.TempDir()
	f, err := CreateTemp(dir, "commit")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString("body"); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(dir, "final")
	write(t, dst, "old")
	if err := Commit(f.Name(), dst); err != nil {
		t.Fatal(err)
	}
	if content(t, dst) != "body" {
		t.Fatal("dst not replaced")
	}
	gone(t, f.Name())
	if err := Commit(filepath.Join(dir, "absent"), dst); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("commit of a missing temp: %v", err)
	}
	if content(t, dst) != "body" {
		t.Fatal("a failed commit changed dst")
	}
}

func TestSyncFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "f")
	write(t, p, "x")
	if err := SyncFile(p); err != nil {
		t.Fatal(err)
	}
	if err := SyncFile(filepath.Join(dir, "absent")); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("missing file: %v", err)
	}
	if err := SyncDir(filepath.Join(dir, "absent")); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("missing dir: %v", err)
	}
}

func TestRenameNoReplace(t *testing.T) {
	dir := t.TempDir()
	sub := filepath.Join(dir, "archive", "2026")
	if err := os.MkdirAll(sub, 0o700); err != nil {
		t.Fatal(err)
	}
	src := filepath.Join(dir, "app.log")
	dst := filepath.Join(sub, "app.log")
	write(t, src, "first")
	if err := RenameNoReplace(src, dst); err != nil {
		t.Fatal(err)
	}
	gone(t, src)
	if content(t, dst) != "first" {
		t.Fatal("dst not placed")
	}

	write(t, src, "second")
	err := RenameNoReplace(src, dst)
	if !errors.Is(err, fs.ErrExist) {
		t.Fatalf("placing over an existing file: %v, want fs.ErrExist", err)
	}
	if content(t, dst) != "first" || content(t, src) != "second" {
		t.Fatal("a refused move changed a file")
	}
	if err := RenameNoReplace(filepath.Join(dir, "absent"), filepath.Join(dir, "y")); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("missing source: %v", err)
	}
}

func TestCreateExclusive(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "new")
	f, err := CreateExclusive(p, 0o666)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString("x"); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	// 0666 survives the usual umask (022, 027, 077) only because the mode
	// is set after creation.
	if fi.Mode().Perm() != 0o666 {
		t.Fatalf("mode %v, want 0666", fi.Mode().Perm())
	}
	if _, err := CreateExclusive(p, 0o600); !errors.Is(err, fs.ErrExist) {
		t.Fatalf("second create: %v, want fs.ErrExist", err)
	}
	if content(t, p) != "x" {
		t.Fatal("an existing file was truncated")
	}
}
