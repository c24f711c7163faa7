package sqlitedb

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"

	"github.com/fossawork/fossamaint/internal/ctxio"
	"github.com/fossawork/fossamaint/internal/durable"
)

// ErrNoSpace marks a write that failed because the filesystem (or a quota)
// is full, whether SQLite reported it (SQLITE_FULL) or the OS (ENOSPC).
var ErrNoSpace = errors.New("no space left on device")

// tempBeside creates an empty private (0600) file in dst's directory under
// a name no other process can predict, so a rename onto dst later stays on
// one filesystem and therefore atomic.
func tempBeside(dst, purpose string) (string, error) {
	dir := filepath.Dir(dst)
	f, err := durable.CreateTemp(dir, purpose)
	if err != nil {
		return "", fileError("preparing "+dst, err)
	}
	name := f.Name()
	if err := f.Close(); err != nil {
		os.Remove(name)
		return "", fileError("creating "+name, err)
	}
	return name, nil
}

// removeTemp deletes a temporary database and whatever SQLite left beside
// it; errors are ignored because the temp name is never a final name.
func removeTemp(name string) {
	for _, suffix := range []string{"", "-journal", "-wal", "-shm"} {
		os.Remove(name + suffix)
	}
}

// commitTemp makes tmp durable and atomically gives it the name dst
// (durable.Commit: fsync the file, rename, fsync the directory). It never
// leaves a partial file under dst.
func commitTemp(tmp, dst string) error {
	if err := durable.Commit(tmp, dst); err != nil {
		return fileError("committing "+dst, err)
	}
	return nil
}

// fileError names the operation and file and marks ENOSPC as ErrNoSpace,
// so every "disk full" reads the same whichever layer saw it first.
func fileError(op string, err error) error {
	if errors.Is(err, syscall.ENOSPC) {
		return fmt.Errorf("%s: %w: %w", op, ErrNoSpace, err)
	}
	return fmt.Errorf("%s: %w", op, err)
}

// copyFile copies from into a new private temp file beside to, fsyncs it,
// gives it mode perm and renames it to to, which must not exist yet. It is
// how a file moves across filesystems without ever being half-written
// under its final name.
func copyFile(ctx context.Context, from, to string, perm fs.FileMode) error {
	tmp, err := tempBeside(to, "copy")
	if err != nil {
		return err
	}
	if err := copyInto(ctx, from, tmp, perm); err != nil {
		os.Remove(tmp)
		return err
	}
	if _, err := os.Lstat(to); err == nil {
		os.Remove(tmp)
		return fmt.Errorf("copying %s to %s: %w", from, to, fs.ErrExist)
	}
	if err := commitTemp(tmp, to); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}

func copyInto(ctx context.Context, from, tmp string, perm fs.FileMode) error {
	in, err := os.Open(from)
	if err != nil {
		return fileError("opening "+from, err)
	}
	defer in.Close()
	out, err := os.OpenFile(tmp, os.O_WRONLY|os.O_TRUNC, 0)
	if err != nil {
		return fileError("opening "+tmp, err)
	}
	defer out.Close()
	if _, err := io.Copy(out, ctxio.Reader(ctx, in)); err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("copying %s to %s: %w", from, tmp, ctx.Err())
		}
		return fileError("copying "+from+" to "+tmp, err)
	}
	if err := out.Chmod(perm); err != nil {
		return fileError("setting the mode of "+tmp, err)
	}
	if err := out.Sync(); err != nil {
		return fileError("fsyncing "+tmp, err)
	}
	return out.Close()
}

// sameContent reports whether two files hold identical bytes; it is how a
// re-run recognises a rollback point it already wrote.
func sameContent(ctx context.Context, a, b string) (bool, error) {
	fa, err := os.Stat(a)
	if err != nil {
		return false, err
	}
	fb, err := os.Stat(b)
	if err != nil {
		return false, err
	}
	if os.SameFile(fa, fb) {
		return true, nil
	}
	if fa.Size() != fb.Size() {
		return false, nil
	}
	ra, err := os.Open(a)
	if err != nil {
		return false, err
	}
	defer ra.Close()
	rb, err := os.Open(b)
	if err != nil {
		return false, err
	}
	defer rb.Close()
	bufA, bufB := make([]byte, 1<<20), make([]byte, 1<<20)
	for {
		if err := ctx.Err(); err != nil {
			return false, err
		}
		na, errA := io.ReadFull(ra, bufA)
		nb, errB := io.ReadFull(rb, bufB)
		if na != nb || string(bufA[:na]) != string(bufB[:nb]) {
			return false, nil
		}
		if errA == io.EOF || errA == io.ErrUnexpectedEOF {
			return errB == errA, nil
		}
		if errA != nil {
			return false, errA
		}
		if errB != nil {
			return false, errB
		}
	}
}

// noSpace marks a durable-layer error caused by a full disk as ErrNoSpace;
// the fsyncs themselves are durable's.
func noSpace(err error) error {
	if errors.Is(err, syscall.ENOSPC) {
		return fmt.Errorf("%w: %w", ErrNoSpace, err)
	}
	return err
}
