package logs

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestDiscover(t *testing.T) {
	root := writeTree(t)
	// Symlinks are never followed: neither a linked file nor a linked dir.
	outside := t.TempDir()
	if err := os.WriteFile(filepath.Join(outside, "evil-2025-01-14.jsonl"), []byte("x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(root, "linkdir")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(outside, "evil-2025-01-14.jsonl"), filepath.Join(root, "backend", "link-2025-01-14.jsonl")); err != nil {
		t.Fatal(err)
	}
	files, err := Discover(context.Background(), root)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		rel, stream string
		day         int
		compressed  bool
	}{
		{"backend/app.log", "app", 0, false},
		{"errors/backend-errors-2025-01-10.jsonl", "backend-errors", 10, false},
		{"backend/backend-general-2025-01-13.jsonl", "backend-general", 13, false},
		{"automation/backend-automation-2025-01-14.jsonl.gz", "backend-automation", 14, true},
		{"backend/backend-api-2025-01-14.jsonl.gz", "backend-api", 14, true},
		{"errors/backend-errors-2025-01-14.jsonl", "backend-errors", 14, false},
	}
	if len(files) != len(want) {
		t.Fatalf("got %d files %+v, want %d", len(files), files, len(want))
	}
	for i, w := range want {
		f := files[i]
		var wantDay time.Time
		if w.day != 0 {
			wantDay = time.Date(2025, 1, w.day, 0, 0, 0, 0, time.UTC)
		}
		if f.Path != filepath.Join(root, w.rel) || f.Stream != w.stream || !f.Day.Equal(wantDay) || f.Compressed != w.compressed {
			t.Errorf("file %d = %+v, want %+v", i, f, w)
		}
		if f.Size <= 0 || f.ModTime.Year() != 1999 {
			t.Errorf("file %d: size %d, mtime %v", i, f.Size, f.ModTime)
		}
	}
}

func TestDiscoverRootSymlinkAndErrors(t *testing.T) {
	root := writeTree(t)
	link := filepath.Join(t.TempDir(), "logs-link")
	if err := os.Symlink(root, link); err != nil {
		t.Fatal(err)
	}
	files, err := Discover(context.Background(), link)
	if err != nil || len(files) != 6 {
		t.Fatalf("Discover(symlinked root) = %d files, %v", len(files), err)
	}
	if _, err := Discover(context.Background(), filepath.Join(root, "missing")); err == nil {
		t.Fatal("Discover(missing dir) succeeded")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Discover(ctx, root); err == nil {
		t.Fatal("Discover(cancelled) succeeded")
	}
}

func TestClassify(t *testing.T) {
	tests := []struct {
		name, stream string
		dated, ok    bool
	}{
		{"backend-general-2025-01-13.jsonl", "backend-general", true, true},
		{"backend-errors-2025-01-13.jsonl.gz", "backend-errors", true, true},
		{"backend-general-2025-13-45.jsonl", "backend-general-2025-13-45", false, true},
		{"fossawork.log", "fossawork", false, true},
		{"2025-01-13.jsonl", "2025-01-13", false, true},
		{".jsonl", "", false, false},
		{"data.json", "", false, false},
		{"backend.log.1", "", false, false},
	}
	for _, tt := range tests {
		f, ok := classify("/x/"+tt.name, tt.name)
		if ok != tt.ok || f.Stream != tt.stream || f.Day.IsZero() == tt.dated {
			t.Errorf("classify(%q) = %+v, %v", tt.name, f, ok)
		}
	}
}
