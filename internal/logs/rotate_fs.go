package logs

// File placement for Rotate: verified temp files, publishing without
// replacing, moves across filesystems and the /proc open-file check.

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/klauspost/compress/gzip"

	"github.com/fossawork/fossamaint/internal/durable"
)

// writeTemp streams src through encode into a private temp file in dir,
// fsyncs it, then re-reads it through decode and checks it holds exactly
// the bytes read from src, which must be all of src as described by info.
// Any failure removes the temp file.
func (r *rotator) writeTemp(ctx context.Context, dir, src string, info fs.FileInfo, encode func(io.Writer, io.Reader) error,
	decode func(io.Reader) (io.Reader, error), progress func(int)) (tmp string, err error) {
	in, err := os.Open(src)
	if err != nil {
		return "", err
	}
	defer in.Close()
	out, err := durable.CreateTemp(dir, "rotate")
	if err != nil {
		return "", err
	}
	defer func() {
		if err != nil {
			_ = out.Close()
			_ = os.Remove(out.Name())
		}
	}()
	h := sha256.New()
	counted := &countingReader{ctx: ctx, r: io.TeeReader(in, h), progress: progress}
	bw := bufio.NewWriterSize(out, 256<<10)
	if err := encode(bw, counted); err != nil {
		return "", err
	}
	if err := bw.Flush(); err != nil {
		return "", err
	}
	if err := out.Sync(); err != nil {
		return "", err
	}
	if err := out.Close(); err != nil {
		return "", err
	}
	if r.o.hook != nil {
		r.o.hook("written", src, out.Name())
	}
	n, sum, err := hashFile(ctx, out.Name(), decode)
	if err != nil {
		return "", fmt.Errorf("verifying %s: %w", out.Name(), err)
	}
	if n != counted.n || !bytes.Equal(sum, h.Sum(nil)) {
		return "", fmt.Errorf("verifying %s: it holds %d bytes (sha256 %x), %d were read (sha256 %x)", out.Name(), n, sum, counted.n, h.Sum(nil))
	}
	if n != info.Size() {
		return "", skipf("changed while being read (%d bytes read, %d at the start): kept as it is", n, info.Size())
	}
	return out.Name(), nil
}

// publish gives the verified temp file the original's mode and mtime and
// its final name, then removes the original if it is still the file that
// was read. A file modified meanwhile keeps the original and drops the copy.
func (r *rotator) publish(tmp, final, orig string, info fs.FileInfo) (err error) {
	defer func() {
		if err != nil {
			_ = os.Remove(tmp)
		}
	}()
	if err := unchanged(orig, info); err != nil {
		return err
	}
	if err := os.Chmod(tmp, info.Mode().Perm()); err != nil {
		return err
	}
	if err := os.Chtimes(tmp, info.ModTime(), info.ModTime()); err != nil {
		return err
	}
	if err := placeNoReplace(tmp, final); err != nil {
		return err
	}
	if err := unchanged(orig, info); err != nil {
		// Written to between the check above and now: the copy is stale.
		return errors.Join(err, os.Remove(final), durable.SyncDir(filepath.Dir(final)))
	}
	if err := os.Remove(orig); err != nil {
		return fmt.Errorf("removing %s: %w", orig, err)
	}
	return durable.SyncDir(filepath.Dir(orig))
}

// move puts src at dst without ever replacing dst: a hard link when both
// are on one filesystem, else a verified copy; src is removed only then.
func (r *rotator) move(ctx context.Context, src, dst string) error {
	if r.o.DryRun {
		return nil
	}
	info, err := os.Lstat(src)
	if err == nil {
		err = os.MkdirAll(filepath.Dir(dst), 0o700)
	}
	if err == nil {
		err = placeNoReplace(src, dst)
	}
	if errors.Is(err, syscall.EXDEV) {
		plain := func(w io.Writer, s io.Reader) error {
			_, err := io.CopyBuffer(w, s, make([]byte, 256<<10))
			return err
		}
		identity := func(f io.Reader) (io.Reader, error) { return f, nil }
		var tmp string
		if tmp, err = r.writeTemp(ctx, filepath.Dir(dst), src, info, plain, identity, nil); err == nil {
			err = r.publish(tmp, dst, src, info)
		}
	}
	if err != nil {
		return fmt.Errorf("archiving %s to %s: %w", src, dst, err)
	}
	return nil
}

// placeNoReplace gives src the name dst unless dst exists, both
// directories fsynced (durable.RenameNoReplace). Across filesystems it
// returns EXDEV and changes nothing.
func placeNoReplace(src, dst string) error {
	err := durable.RenameNoReplace(src, dst)
	if errors.Is(err, fs.ErrExist) {
		return skipf("%s already exists: not replaced", dst)
	}
	return err
}

// unchanged reports a file that is no longer the one described by info.
func unchanged(path string, info fs.FileInfo) error {
	now, err := os.Lstat(path)
	if err != nil {
		return err
	}
	if !os.SameFile(info, now) {
		return skipf("replaced during rotation: kept as it is")
	}
	return sameAs(now, info.Size(), info.ModTime())
}

func sameAs(now fs.FileInfo, size int64, mtime time.Time) error {
	if now.Size() != size || !now.ModTime().Equal(mtime) {
		return skipf("modified during rotation (now %d bytes, modified %s): kept as it is", now.Size(), now.ModTime().Format(time.RFC3339Nano))
	}
	return nil
}

func openGunzip(r io.Reader) (io.Reader, error) { return gzip.NewReader(r) }

// hashFile returns the length and sha256 of path's content as decoded.
func hashFile(ctx context.Context, path string, decode func(io.Reader) (io.Reader, error)) (int64, []byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, nil, err
	}
	defer f.Close()
	dec, err := decode(bufio.NewReaderSize(f, 256<<10))
	if err != nil {
		return 0, nil, err
	}
	h := sha256.New()
	n, err := io.CopyBuffer(h, &countingReader{ctx: ctx, r: dec}, make([]byte, 256<<10))
	return n, h.Sum(nil), err
}

func (r *rotator) progress(n int) {
	if r.o.Progress == nil || n == 0 {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.done += int64(n)
	r.o.Progress(min(r.done, r.total), r.total)
}

// countingReader stops a long copy when ctx is cancelled and counts bytes.
type countingReader struct {
	ctx      context.Context
	r        io.Reader
	n        int64
	progress func(int)
}

func (c *countingReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	n, err := c.r.Read(p)
	c.n += int64(n)
	if c.progress != nil {
		c.progress(n)
	}
	return n, err
}

// within reports whether path is inside dir (both as given, made absolute).
func within(dir, path string) bool {
	d, err1 := filepath.Abs(dir)
	p, err2 := filepath.Abs(path)
	if err1 != nil || err2 != nil {
		return false
	}
	rel, err := filepath.Rel(d, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// diskUsage is the total size of the regular files under dir (0 if it does
// not exist yet), or -1 when not measured: no dir, or cancelled. It is
// informational: unreadable entries are passed over (Discover reported them).
func diskUsage(ctx context.Context, dir string) int64 {
	if dir == "" {
		return -1
	}
	var total int64
	_ = filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			if info, err := d.Info(); err == nil {
				total += info.Size()
			}
		}
		return ctx.Err()
	})
	if ctx.Err() != nil {
		return -1
	}
	return total
}

// openWriters maps the files under dir that some process holds open for
// writing to one such process id, from /proc/<pid>/fd and fdinfo (Linux;
// elsewhere, or for other users' processes when not root, it finds nothing
// and the quiet period is the guard). It reads a few entries per open file
// on the host: milliseconds.
func openWriters(realDir string) map[string]int {
	procs, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	root := realDir + string(filepath.Separator)
	found := map[string]int{}
	for _, p := range procs {
		pid, err := strconv.Atoi(p.Name())
		if err != nil {
			continue
		}
		fdDir := filepath.Join("/proc", p.Name(), "fd")
		fds, err := os.ReadDir(fdDir)
		if err != nil {
			continue // gone, or not ours to see
		}
		for _, fd := range fds {
			target, err := os.Readlink(filepath.Join(fdDir, fd.Name()))
			if err != nil || !strings.HasPrefix(target, root) {
				continue
			}
			if writable(filepath.Join("/proc", p.Name(), "fdinfo", fd.Name())) {
				found[target] = pid
			}
		}
	}
	return found
}

// writable reads the open flags in a /proc fdinfo file: O_WRONLY (01) or
// O_RDWR (02) in Linux's octal encoding.
func writable(fdinfo string) bool {
	b, err := os.ReadFile(fdinfo)
	if err != nil {
		return false
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "flags:"); ok {
			flags, err := strconv.ParseUint(strings.TrimSpace(v), 8, 64)
			return err == nil && flags&3 != 0
		}
	}
	return false
}
