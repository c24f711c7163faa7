package logs

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
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
	files, err := Discover(context.Background(), root, nil)
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
	files, err := Discover(context.Background(), link, nil)
	if err != nil || len(files) != 6 {
		t.Fatalf("Discover(symlinked root) = %d files, %v", len(files), err)
	}
	if _, err := Discover(context.Background(), filepath.Join(root, "missing"), nil); err == nil {
		t.Fatal("Discover(missing dir) succeeded")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Discover(ctx, root, nil); err == nil {
		t.Fatal("Discover(cancelled) succeeded")
	}
}

func TestClassify(t *testing.T) {
	tests := []struct {
		name, stream string
		dated, gz    bool
	}{
		{"backend-general-2025-01-13.jsonl", "backend-general", true, false},
		{"backend-errors-2025-01-13.jsonl.gz", "backend-errors", true, true},
		{"backend-general-2025-13-45.jsonl", "backend-general-2025-13-45", false, false},
		{"fossawork.log", "fossawork", false, false},
		{"2025-01-13.jsonl", "2025-01-13", false, false},
		{"backend.log.1", "backend.log.1", false, false},
		{"syslog.2.gz", "syslog.2", false, true},
	}
	for _, tt := range tests {
		f := classify("/x/"+tt.name, tt.name)
		if f.Stream != tt.stream || f.Day.IsZero() == tt.dated || f.Compressed != tt.gz {
			t.Errorf("classify(%q) = %+v", tt.name, f)
		}
	}
}

func TestFileSet(t *testing.T) {
	def := DefaultFileSet()
	custom, err := NewFileSet([]string{"app/*.log", "**/*.log.[0-9]", "*.{txt,out}"}, []string{"app/old/**"})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		set  *FileSet
		rel  string
		want bool
	}{
		{def, "backend/backend-general-2025-01-13.jsonl", true},
		{def, "a.jsonl", true},
		{def, "errors/x.jsonl.gz", true},
		{def, "uvicorn.log", true},
		{def, "data.json", false},
		{def, ".jsonl.swp", false},
		{def, "performance/performance-metrics.jsonl", false},
		{def, "x/reports/weekly-log-analysis-20250113.json", false},
		{def, "x/reports/a.jsonl", false},
		{custom, "app/a.log", true},
		{custom, "app/sub/a.log", false},
		{custom, "deep/er/a.log.3", true},
		{custom, "notes.txt", true},
		{custom, "app/old/a.log", false},
		{custom, "a.jsonl", false},
	}
	for _, tt := range tests {
		if got := tt.set.Includes(filepath.FromSlash(tt.rel)); got != tt.want {
			t.Errorf("Includes(%q) = %v, want %v", tt.rel, got, tt.want)
		}
	}
	if _, err := NewFileSet([]string{"**/*.{jsonl"}, nil); err == nil {
		t.Error("NewFileSet accepted an unclosed {")
	}
	if _, err := NewFileSet(nil, nil); err == nil {
		t.Error("NewFileSet accepted no include globs")
	}
}

// TestDiscoverGlobs walks with a custom set: an excluded directory is not
// entered and only matching names are returned.
func TestDiscoverGlobs(t *testing.T) {
	root := writeTree(t)
	set, err := NewFileSet([]string{"**/*.gz"}, []string{"automation"})
	if err != nil {
		t.Fatal(err)
	}
	files, err := Discover(context.Background(), root, set)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 1 || files[0].Path != filepath.Join(root, "backend", "backend-api-2025-01-14.jsonl.gz") {
		t.Fatalf("Discover = %+v, want only backend/backend-api-2025-01-14.jsonl.gz", files)
	}
}

// TestDiscoverReadableDegrades: a subdirectory the walk cannot list is
// reported with its reason beside the files that could be found; only the
// root itself and cancellation stop discovery. The fault is a directory
// deeper than PATH_MAX (ENAMETOOLONG), which even root cannot list (a mode
// 000 directory does not stop root).
func TestDiscoverReadableDegrades(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("PATH_MAX is a Linux fault")
	}
	root := writeTree(t)
	r, err := os.OpenRoot(root)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	deep := "deep"
	for len(filepath.Join(root, deep)) < 4200 {
		deep = filepath.Join(deep, strings.Repeat("d", 200))
	}
	if err := r.MkdirAll(deep, 0o700); err != nil {
		t.Fatal(err)
	}
	files, unreadable, err := DiscoverReadable(context.Background(), root, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 6 {
		t.Errorf("found %d files, want the 6 readable ones", len(files))
	}
	if len(unreadable) != 1 || !strings.HasPrefix(unreadable[0].Path, filepath.Join(root, "deep")) ||
		!errors.Is(unreadable[0].Err, syscall.ENAMETOOLONG) {
		t.Fatalf("unreadable = %+v, want the too-deep directory with ENAMETOOLONG", unreadable)
	}
	// Discover keeps its contract: the files and an error naming the path.
	files, err = Discover(context.Background(), root, nil)
	if len(files) != 6 || err == nil || !strings.Contains(err.Error(), "file name too long") {
		t.Errorf("Discover = %d files, %v", len(files), err)
	}
	// The root itself unreadable, or a cancelled walk, is an error.
	if _, _, err := DiscoverReadable(context.Background(), filepath.Join(root, deep), nil); err == nil {
		t.Error("DiscoverReadable(unlistable root) succeeded")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := DiscoverReadable(ctx, root, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("DiscoverReadable(cancelled) = %v, want context.Canceled", err)
	}
}
