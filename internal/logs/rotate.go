package logs

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
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/dustin/go-humanize"
	"github.com/klauspost/compress/gzip"
)

// DefaultQuietPeriod is how recently a file may have been modified and still
// be left alone: a writer that paused is probably not done with it.
const DefaultQuietPeriod = time.Hour

// RotateOptions says where logs live and how old a file (by its own
// modification time) must be before it is compressed, archived or deleted.
// A zero or negative age disables that stage; an empty ArchiveDir disables
// archiving and deletion.
type RotateOptions struct {
	LogsDir, ArchiveDir string
	// Now is the instant ages are measured from; its Location names the
	// month an archived file is filed under.
	Now                                      time.Time
	CompressAfter, ArchiveAfter, DeleteAfter time.Duration
	// QuietPeriod (default DefaultQuietPeriod): files modified within it of
	// Now are skipped even when old enough otherwise. It is measured from
	// Now, so a Now ahead of the real clock weakens it; the open-file check
	// and the unchanged-since checks do not depend on the clock.
	QuietPeriod time.Duration
	// DryRun decides everything and changes nothing.
	DryRun bool
	// Progress, when set, receives bytes compressed so far and the total;
	// calls are serialised.
	Progress func(done, total int64)
	// Workers bounds the files processed at once (default GOMAXPROCS).
	Workers int

	// hook lets tests act at a precise point: "start" of a file's work,
	// "written" when a temp file is complete and not yet verified.
	hook func(event, original, temp string)
}

// Skip is a file that was due for rotation and left as it was, and why.
type Skip struct {
	Path   string `json:"path"`
	Reason string `json:"reason"`
}

// RotateResult counts what was done as it was done (or, in a dry run, what
// would be done). BytesBefore and BytesAfter are the sizes of the files
// compressed and of their .gz (unknown, so 0, in a dry run). LogsBytes and
// ArchiveBytes are the sizes of all files under each directory afterwards
// (-1: not measured, when cancelled or without an ArchiveDir).
type RotateResult struct {
	DryRun       bool     `json:"dry_run"`
	Compressed   int      `json:"compressed"`
	Archived     int      `json:"archived"`
	Deleted      int      `json:"deleted"`
	BytesBefore  int64    `json:"bytes_before"`
	BytesAfter   int64    `json:"bytes_after"`
	Skipped      []Skip   `json:"skipped"`
	Actions      []string `json:"actions"`
	LogsBytes    int64    `json:"logs_bytes"`
	ArchiveBytes int64    `json:"archive_bytes"`
}

// skipError is a reason not to touch a file that is not a failure: a name
// collision, a file that changed while it was being compressed.
type skipError struct{ reason string }

func (e *skipError) Error() string { return e.reason }

func skipf(format string, a ...any) error { return &skipError{fmt.Sprintf(format, a...)} }

// rotateTask is everything decided about one file before anything is done.
type rotateTask struct {
	file      File
	compress  bool   // write file.Path+".gz", then remove file.Path
	archiveTo string // move the (compressed) file here
	delete    bool   // an archived file past DeleteAfter
}

// rotateOutcome is what one task did.
type rotateOutcome struct {
	compressed, archived, deleted int
	before, after                 int64
	actions                       []string
	skip                          *Skip
	err                           error
}

type rotator struct {
	o        RotateOptions
	mu       sync.Mutex // serialises Progress
	done     int64
	total    int64
	reserved map[string]bool // destinations claimed by this run's plan
	realRoot string          // LogsDir with symlinks resolved, as /proc shows it
	writers  map[string]int  // resolved path → a process writing to it
}

// Rotate compresses old logs in place, moves old compressed logs into
// <ArchiveDir>/YYYYMM/ of their own modification month and deletes archives
// past DeleteAfter (only files already archived before this run: a wrong
// clock cannot compress, archive and delete a log in one go).
//
// An original is removed only after its .gz was written to a temp name,
// fsynced, re-read and found equal (length and sha256) to what was read,
// and the original was found unchanged since (same file, size, mtime); the
// .gz then takes the original's mode and mtime and its final name by a
// hard link, which never replaces an existing file. Files still open for
// writing are found through /proc on Linux; elsewhere the quiet period and
// the unchanged-since check are the guard.
//
// Per-file failures are listed in Skipped and joined into the error; the
// result is complete either way. A cancelled run stops between files and
// inside copies, leaving no partial file under a final name.
func Rotate(ctx context.Context, o RotateOptions) (RotateResult, error) {
	res := RotateResult{DryRun: o.DryRun, Skipped: []Skip{}, Actions: []string{}}
	if o.LogsDir == "" || o.Now.IsZero() {
		return res, errors.New("rotating logs: LogsDir and Now are required")
	}
	if o.QuietPeriod <= 0 {
		o.QuietPeriod = DefaultQuietPeriod
	}
	if o.Workers <= 0 {
		o.Workers = runtime.GOMAXPROCS(0)
	}
	if o.ArchiveDir == "" {
		o.ArchiveAfter, o.DeleteAfter = 0, 0
	}
	r := &rotator{o: o, reserved: map[string]bool{}}
	tasks, deletes, errs := r.plan(ctx, &res)
	if err := ctx.Err(); err != nil {
		return res, fmt.Errorf("rotating logs in %s: %w", o.LogsDir, err)
	}
	// Deletions come after every move: removing an emptied month directory
	// must not race a move into it.
	for _, out := range append(r.run(ctx, tasks), r.run(ctx, deletes)...) {
		res.Compressed += out.compressed
		res.Archived += out.archived
		res.Deleted += out.deleted
		res.BytesBefore += out.before
		res.BytesAfter += out.after
		res.Actions = append(res.Actions, out.actions...)
		if out.skip != nil {
			res.Skipped = append(res.Skipped, *out.skip)
		}
		if out.err != nil {
			errs = append(errs, out.err)
		}
	}
	res.LogsBytes, res.ArchiveBytes = diskUsage(ctx, o.LogsDir), diskUsage(ctx, o.ArchiveDir)
	if err := ctx.Err(); err != nil {
		errs = append(errs, fmt.Errorf("rotating logs in %s: %w", o.LogsDir, err))
	}
	return res, errors.Join(errs...)
}

// plan decides every file's fate, single-threaded, so that collisions
// (an existing .gz, two files bound for one archive name) are found the same
// way in a dry run and in a real one.
func (r *rotator) plan(ctx context.Context, res *RotateResult) (tasks, deletes []rotateTask, errs []error) {
	files, err := Discover(ctx, r.o.LogsDir)
	if err != nil {
		errs = append(errs, err)
	}
	var archived []File
	if r.o.DeleteAfter > 0 {
		archived, err = Discover(ctx, r.o.ArchiveDir)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	r.realRoot = r.o.LogsDir
	if abs, err := filepath.Abs(r.o.LogsDir); err == nil {
		if target, err := filepath.EvalSymlinks(abs); err == nil {
			r.realRoot = target
		}
	}
	r.writers = openWriters(r.realRoot)
	for _, f := range files {
		if r.o.ArchiveDir != "" && within(r.o.ArchiveDir, f.Path) {
			continue // the archive lives inside the log tree
		}
		t, skip := r.decide(f)
		if skip != nil {
			res.Skipped = append(res.Skipped, *skip)
		}
		if t.compress || t.archiveTo != "" {
			tasks = append(tasks, t)
			if t.compress {
				r.total += f.Size
			}
		}
	}
	for _, f := range archived {
		if f.Compressed && r.o.Now.Sub(f.ModTime) > r.o.DeleteAfter {
			deletes = append(deletes, rotateTask{file: f, delete: true})
		}
	}
	return tasks, deletes, errs
}

// decide returns what to do with one file of the log tree, or why not.
func (r *rotator) decide(f File) (rotateTask, *Skip) {
	t := rotateTask{file: f}
	age := r.o.Now.Sub(f.ModTime)
	t.compress = !f.Compressed && r.o.CompressAfter > 0 && age > r.o.CompressAfter
	archive := r.o.ArchiveAfter > 0 && age > r.o.ArchiveAfter && (f.Compressed || t.compress)
	if !t.compress && !archive {
		return t, nil
	}
	skip := func(format string, a ...any) (rotateTask, *Skip) {
		return rotateTask{}, &Skip{Path: f.Path, Reason: fmt.Sprintf(format, a...)}
	}
	if age < r.o.QuietPeriod {
		return skip("modified %s, within the quiet period of %s", f.ModTime.Format(time.RFC3339), r.o.QuietPeriod)
	}
	rel, _ := filepath.Rel(r.o.LogsDir, f.Path) // Discover's paths start with LogsDir
	if pid := r.writers[filepath.Join(r.realRoot, rel)]; pid > 0 {
		return skip("open for writing by process %d", pid)
	}
	name := f.Path
	if t.compress {
		name += ".gz"
		if _, err := os.Lstat(name); !errors.Is(err, fs.ErrNotExist) {
			return skip("not compressed: %s already exists", name)
		}
	}
	if archive {
		month := f.ModTime.In(r.o.Now.Location()).Format("200601")
		dst := filepath.Join(r.o.ArchiveDir, month, filepath.Base(name))
		if _, err := os.Lstat(dst); !errors.Is(err, fs.ErrNotExist) || r.reserved[dst] {
			if !t.compress {
				return skip("not archived: %s already exists", dst)
			}
			// Still worth compressing in place; say why it stays.
			return t, &Skip{Path: f.Path, Reason: fmt.Sprintf("compressed but not archived: %s already exists", dst)}
		}
		r.reserved[dst] = true
		t.archiveTo = dst
	}
	return t, nil
}

// run carries out the tasks on a bounded pool; outcomes keep plan order.
func (r *rotator) run(ctx context.Context, tasks []rotateTask) []rotateOutcome {
	outs := make([]rotateOutcome, len(tasks))
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(r.o.Workers, max(len(tasks), 1)) {
		wg.Go(func() {
			for i := range next {
				outs[i] = r.do(ctx, tasks[i])
			}
		})
	}
	for i := range tasks {
		if ctx.Err() != nil {
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
	return outs
}

// do runs one file's stages; a stage that fails or is skipped ends it.
func (r *rotator) do(ctx context.Context, t rotateTask) (out rotateOutcome) {
	would := ""
	if r.o.DryRun {
		would = "would "
	}
	path := t.file.Path
	defer func() {
		var se *skipError
		switch {
		case out.err == nil:
		case errors.As(out.err, &se):
			out.skip, out.err = &Skip{Path: path, Reason: se.reason}, nil
		default:
			out.skip = &Skip{Path: path, Reason: out.err.Error()}
		}
	}()
	if ctx.Err() != nil {
		return rotateOutcome{err: fmt.Errorf("%s: %w", path, ctx.Err())}
	}
	if r.o.hook != nil {
		r.o.hook("start", path, "")
	}
	if t.delete {
		if !r.o.DryRun {
			if err := os.Remove(path); err != nil {
				return rotateOutcome{err: fmt.Errorf("deleting archive %s: %w", path, err)}
			}
			if dir := filepath.Dir(path); dir != filepath.Clean(r.o.ArchiveDir) {
				_ = os.Remove(dir) // an emptied month; one still holding files stays
			}
		}
		out.deleted++
		out.actions = append(out.actions, fmt.Sprintf("%sdelete %s (modified %s)", would, path, t.file.ModTime.Format("2006-01-02")))
		return out
	}
	if t.compress {
		gz, size, err := r.compress(ctx, t.file)
		if err != nil {
			out.err = err
			return out
		}
		out.compressed++
		out.before += t.file.Size
		out.after += size
		sizes := humanize.IBytes(uint64(t.file.Size))
		if !r.o.DryRun {
			sizes += " → " + humanize.IBytes(uint64(size))
		}
		out.actions = append(out.actions, fmt.Sprintf("%scompress %s → %s (%s)", would, path, filepath.Base(gz), sizes))
		path = gz
	}
	if t.archiveTo != "" {
		if err := r.move(ctx, path, t.archiveTo); err != nil {
			out.err = err
			return out
		}
		out.archived++
		out.actions = append(out.actions, fmt.Sprintf("%sarchive %s → %s", would, path, t.archiveTo))
	}
	return out
}

// compress writes f.Path+".gz" and removes f.Path, or leaves f.Path as it
// was and nothing under the .gz name. It returns the .gz's path and size.
func (r *rotator) compress(ctx context.Context, f File) (string, int64, error) {
	final := f.Path + ".gz"
	if r.o.DryRun {
		return final, 0, nil
	}
	info, err := os.Lstat(f.Path)
	if err == nil {
		err = sameAs(info, f.Size, f.ModTime) // as decided on
	}
	if err != nil {
		return "", 0, fmt.Errorf("compressing %s: %w", f.Path, err)
	}
	tmp, err := r.writeTemp(ctx, filepath.Dir(f.Path), f.Path, info, func(w io.Writer, src io.Reader) error {
		zw, err := gzip.NewWriterLevel(w, gzip.DefaultCompression)
		if err != nil {
			return err
		}
		zw.Name, zw.ModTime = filepath.Base(f.Path), info.ModTime()
		if _, err := io.CopyBuffer(zw, src, make([]byte, 256<<10)); err != nil {
			return err
		}
		return zw.Close()
	}, openGunzip, r.progress)
	if err != nil {
		return "", 0, fmt.Errorf("compressing %s: %w", f.Path, err)
	}
	if err := r.publish(tmp, final, f.Path, info); err != nil {
		return "", 0, fmt.Errorf("compressing %s: %w", f.Path, err)
	}
	st, err := os.Stat(final)
	if err != nil {
		return final, 0, fmt.Errorf("compressed %s: %w", f.Path, err)
	}
	return final, st.Size(), nil
}

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
	out, err := os.CreateTemp(dir, "."+filepath.Base(src)+".*.tmp")
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
		return errors.Join(err, os.Remove(final), syncDir(filepath.Dir(final)))
	}
	if err := os.Remove(orig); err != nil {
		return fmt.Errorf("removing %s: %w", orig, err)
	}
	return syncDir(filepath.Dir(orig))
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

// placeNoReplace gives src the name dst unless dst exists, then fsyncs
// both directories. A hard link is atomic about that; on a filesystem
// without links it checks, then renames. Across filesystems it returns
// EXDEV and changes nothing.
func placeNoReplace(src, dst string) error {
	err := os.Link(src, dst)
	if err != nil && !errors.Is(err, fs.ErrExist) && !errors.Is(err, syscall.EXDEV) {
		if _, serr := os.Lstat(dst); !errors.Is(serr, fs.ErrNotExist) {
			return skipf("%s already exists: not replaced", dst)
		}
		err = os.Rename(src, dst)
	}
	if errors.Is(err, fs.ErrExist) {
		return skipf("%s already exists: not replaced", dst)
	}
	if err != nil {
		return err
	}
	if err := syncDir(filepath.Dir(dst)); err != nil {
		return err
	}
	if err := os.Remove(src); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return syncDir(filepath.Dir(src))
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

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && runtime.GOOS != "windows" {
		return fmt.Errorf("syncing directory %s: %w", dir, err)
	}
	return nil
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
