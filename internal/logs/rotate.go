package logs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/klauspost/compress/gzip"

	"github.com/fossawork/fossamaint/internal/durable"
	"github.com/fossawork/fossamaint/internal/human"
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
	// Files selects the log files under LogsDir (DefaultFileSet when nil).
	// Of those, only `.jsonl` files are compressed (the ones FossaWork
	// writes; other `.log` files are another rotator's) and only `.gz`
	// files are archived.
	Files *FileSet
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
	DryRun     bool `json:"dry_run"`
	Compressed int  `json:"compressed"`
	Archived   int  `json:"archived"`
	Deleted    int  `json:"deleted"`
	// Finished counts originals removed because an interrupted earlier
	// rotation had already put their content in place.
	Finished     int      `json:"finished_interrupted"`
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
	// copyAt is where an earlier, interrupted rotation already put this
	// file (its .gz, or its place in the archive): if that copy holds the
	// same content, only removing the original is left to do.
	copyAt string
}

// rotateOutcome is what one task did.
type rotateOutcome struct {
	compressed, archived, deleted, finished int
	before, after                           int64
	actions                                 []string
	skip                                    *Skip
	err                                     error
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
		res.Finished += out.finished
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

// archiveFiles is what rotation puts in the archive, in its layout
// (YYYYMM/name.jsonl.gz): other files there are not its to expire.
var archiveFiles = &FileSet{include: []string{"[0-9][0-9][0-9][0-9][0-9][0-9]/*.{jsonl,log}.gz"}}

// plan decides every file's fate, single-threaded, so that collisions
// (an existing .gz, two files bound for one archive name) are found the same
// way in a dry run and in a real one.
func (r *rotator) plan(ctx context.Context, res *RotateResult) (tasks, deletes []rotateTask, errs []error) {
	files, err := Discover(ctx, r.o.LogsDir, r.o.Files)
	if err != nil {
		errs = append(errs, err)
	}
	var archived []File
	if r.o.DeleteAfter > 0 {
		archived, err = Discover(ctx, r.o.ArchiveDir, archiveFiles)
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
		if t.compress || t.archiveTo != "" || t.copyAt != "" {
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
	t.compress = strings.HasSuffix(f.Path, ".jsonl") && r.o.CompressAfter > 0 && age > r.o.CompressAfter
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
			return rotateTask{file: f, copyAt: name}, nil
		}
	}
	if archive {
		month := f.ModTime.In(r.o.Now.Location()).Format("200601")
		dst := filepath.Join(r.o.ArchiveDir, month, filepath.Base(name))
		if _, err := os.Lstat(dst); !errors.Is(err, fs.ErrNotExist) || r.reserved[dst] {
			if !t.compress && !r.reserved[dst] {
				return rotateTask{file: f, copyAt: dst}, nil
			}
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
	if t.copyAt != "" {
		return r.finish(ctx, t, would)
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
		sizes := human.Bytes(t.file.Size)
		if !r.o.DryRun {
			sizes += " → " + human.Bytes(size)
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

// finish completes a rotation a crash interrupted after the copy was in
// place (the .gz written, or the archive linked) and before the original
// was removed: when the copy holds exactly the original's content, the
// original goes. A copy with other content is someone else's file, and
// both are left as they are.
func (r *rotator) finish(ctx context.Context, t rotateTask, would string) (out rotateOutcome) {
	src, dst := t.file.Path, t.copyAt
	decode := func(f io.Reader) (io.Reader, error) { return f, nil }
	if strings.HasSuffix(dst, ".gz") && !strings.HasSuffix(src, ".gz") {
		decode = openGunzip
	}
	sf, err1 := os.Lstat(src)
	df, err2 := os.Lstat(dst)
	same := err1 == nil && err2 == nil && os.SameFile(sf, df)
	if !same && err1 == nil && err2 == nil {
		n1, h1, err := hashFile(ctx, src, func(f io.Reader) (io.Reader, error) { return f, nil })
		n2, h2, err2 := hashFile(ctx, dst, decode)
		same = err == nil && err2 == nil && n1 == n2 && string(h1) == string(h2)
	}
	if !same {
		verb := "archived"
		if strings.HasSuffix(dst, ".gz") && !strings.HasSuffix(src, ".gz") {
			verb = "compressed"
		}
		out.err = skipf("not %s: %s already exists, with other content", verb, dst)
		return out
	}
	if !r.o.DryRun {
		if err := unchanged(src, sf); err != nil {
			out.err = err
			return out
		}
		if err := os.Remove(src); err != nil {
			out.err = fmt.Errorf("removing %s: %w", src, err)
			return out
		}
		if err := durable.SyncDir(filepath.Dir(src)); err != nil {
			out.err = err
			return out
		}
	}
	out.finished++
	out.actions = append(out.actions, fmt.Sprintf("%sremove %s: an interrupted rotation already put its content in %s", would, src, dst))
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
