package logs

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// Rotation against real filesystem limits: full, another filesystem,
// read-only.

// mountTmpfs mounts a tmpfs of the given size on a fresh directory, or
// skips the test where mounting is not permitted.
func mountTmpfs(t *testing.T, size string) string {
	t.Helper()
	if runtime.GOOS != "linux" {
		t.Skip("tmpfs mounts are a Linux test")
	}
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size+",mode=0700", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("mounting a tmpfs is not permitted here: %v: %s", err, bytes.TrimSpace(out))
	}
	// Registered after TempDir's cleanup, so it runs before the removal.
	t.Cleanup(func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v: %s", dir, err, out)
		}
	})
	return dir
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	r := rand.New(rand.NewPCG(3, 4))
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func TestRotateFullFilesystem(t *testing.T) {
	t.Run("compressing in place", func(t *testing.T) {
		logsDir := mountTmpfs(t, "1m")
		path := filepath.Join(logsDir, "big.jsonl")
		putFile(t, path, randomBytes(700<<10), ago(10*day)) // incompressible: no room for its .gz
		before := tree(t, logsDir)
		res, err := Rotate(context.Background(), rotOpts(logsDir, ""))
		if err == nil || !strings.Contains(err.Error(), "no space left") {
			t.Fatalf("err = %v, want no space left", err)
		}
		if after := tree(t, logsDir); !maps.Equal(before, after) {
			t.Errorf("tree changed:\n%v\n%v", before, after)
		}
		if res.Compressed != 0 || len(res.Skipped) != 1 {
			t.Errorf("result %+v", res)
		}
	})
	t.Run("archiving across filesystems", func(t *testing.T) {
		archiveDir := mountTmpfs(t, "1m")
		logsDir := filepath.Join(t.TempDir(), "logs")
		putFile(t, filepath.Join(archiveDir, "filler"), randomBytes(400<<10), rotNow)
		src := filepath.Join(logsDir, "old.jsonl.gz")
		putFile(t, src, randomBytes(700<<10), ago(40*day))
		before := tree(t, logsDir)
		res, err := Rotate(context.Background(), rotOpts(logsDir, archiveDir))
		if err == nil || !strings.Contains(err.Error(), "no space left") {
			t.Fatalf("err = %v, want no space left", err)
		}
		if after := tree(t, logsDir); !maps.Equal(before, after) {
			t.Error("source changed")
		}
		if dst := filepath.Join(archiveDir, ago(40*day).Format("200601"), "old.jsonl.gz"); exists(dst) || res.Archived != 0 {
			t.Errorf("partial archive under its final name: %v", exists(dst))
		}
		noTemps(t, archiveDir)
	})
}

func TestRotateArchiveOtherFilesystem(t *testing.T) {
	archiveDir := mountTmpfs(t, "8m")
	logsDir := filepath.Join(t.TempDir(), "logs")
	src := filepath.Join(logsDir, "api-2026-09-02.jsonl.gz")
	content := logLines(3000)
	mtime := time.Date(2026, 9, 2, 23, 59, 59, 5e8, time.UTC)
	putGz(t, src, content, mtime)
	os.Chmod(src, 0o640)
	res, err := Rotate(context.Background(), rotOpts(logsDir, archiveDir))
	if err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(archiveDir, "202609", "api-2026-09-02.jsonl.gz")
	info, err := os.Stat(dst)
	if err != nil || exists(src) || res.Archived != 1 {
		t.Fatalf("dst %v, src still there %v, result %+v", err, exists(src), res)
	}
	if !bytes.Equal(gunzipFile(t, dst), content) || !info.ModTime().Equal(mtime) || info.Mode().Perm() != 0o640 {
		t.Errorf("copy: mtime %s mode %v", info.ModTime(), info.Mode().Perm())
	}
	if res.ArchiveBytes != info.Size() {
		t.Errorf("archive usage %d, want %d", res.ArchiveBytes, info.Size())
	}
	noTemps(t, archiveDir)
}

func TestRotateReadOnlyArchive(t *testing.T) {
	archiveDir := mountTmpfs(t, "1m")
	if out, err := exec.Command("mount", "-o", "remount,ro", archiveDir).CombinedOutput(); err != nil {
		t.Skipf("remounting read-only is not permitted here: %v: %s", err, out)
	}
	logsDir := filepath.Join(t.TempDir(), "logs")
	src := filepath.Join(logsDir, "old.jsonl.gz")
	putGz(t, src, []byte("old\n"), ago(40*day))
	due := filepath.Join(logsDir, "week.jsonl")
	putFile(t, due, []byte("week\n"), ago(8*day))
	before := tree(t, src)
	res, err := Rotate(context.Background(), rotOpts(logsDir, archiveDir))
	if err == nil || !strings.Contains(err.Error(), "read-only file system") {
		t.Fatalf("err = %v, want read-only file system", err)
	}
	if !maps.Equal(before, tree(t, src)) || res.Archived != 0 {
		t.Errorf("source changed or counted as archived: %+v", res)
	}
	if res.Compressed != 1 || !exists(due+".gz") {
		t.Error("a read-only archive must not stop compression in the log tree")
	}
}

func TestRotateOpenForWriting(t *testing.T) {
	if _, err := os.Stat("/proc/self/fdinfo"); err != nil {
		t.Skip("no /proc: open files are not detected here (the quiet period is the guard)")
	}
	logsDir, archiveDir := rotDirs(t)
	path := filepath.Join(logsDir, "held.jsonl")
	putFile(t, path, []byte("x\n"), ago(10*day))
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	reader := filepath.Join(logsDir, "read.jsonl")
	putFile(t, reader, []byte("y\n"), ago(10*day))
	r, err := os.Open(reader) // a reader (tail -f) does not hold rotation back
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	res, err := Rotate(context.Background(), rotOpts(logsDir, archiveDir))
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("open for writing by process %d", os.Getpid())
	if !exists(path) || len(res.Skipped) != 1 || res.Skipped[0].Reason != want {
		t.Errorf("skipped:\n%s", skipReasons(res))
	}
	if !exists(reader+".gz") || res.Compressed != 1 {
		t.Error("a file open only for reading must still be compressed")
	}
}
