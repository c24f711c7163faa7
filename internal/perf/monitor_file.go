package perf

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
)

// Rotation defaults of the metrics file: at one line a second (about 400
// bytes) 10 MiB is some seven hours; hourly it is years.
const (
	DefaultRotateBytes = 10 << 20
	DefaultRotateKeep  = 3
)

// Appender appends whole lines to a metrics file: opened O_APPEND for each
// line (a restart, or a rotation by someone else, never truncates or loses
// the file), fsynced before Append returns, a new file created 0600. When
// a line would take the file past MaxBytes the file is renamed to FILE.1
// (FILE.1 to FILE.2, ... up to Keep) first, so readers of FILE always find
// the newest samples.
type Appender struct {
	Path     string
	MaxBytes int64 // 0: never rotate
	Keep     int   // rotated files kept; at least 1 when rotating
}

// Append writes line (which ends with a newline) in one write.
func (a *Appender) Append(line []byte) error {
	if err := a.rotateIfFull(int64(len(line))); err != nil {
		return err
	}
	f, err := os.OpenFile(a.Path, os.O_RDWR|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("opening metrics file: %w (check that its directory exists and is writable, or name another with --out)", err)
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.Size() > 0 {
		// A line cut short by a crash (or a power loss before fsync)
		// must not swallow the next one: end it first.
		last := make([]byte, 1)
		if _, err := f.ReadAt(last, st.Size()-1); err == nil && last[0] != '\n' {
			line = append([]byte{'\n'}, line...)
		}
	}
	if _, err := f.Write(line); err != nil {
		return fmt.Errorf("appending to metrics file %s: %w", a.Path, err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("syncing metrics file %s: %w", a.Path, err)
	}
	return f.Close()
}

func (a *Appender) rotateIfFull(next int64) error {
	if a.MaxBytes <= 0 {
		return nil
	}
	st, err := os.Stat(a.Path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("metrics file: %w", err)
	}
	if st.Size() == 0 || st.Size()+next <= a.MaxBytes {
		return nil
	}
	keep := max(a.Keep, 1)
	for i := keep - 1; i >= 1; i-- {
		err := os.Rename(rotated(a.Path, i), rotated(a.Path, i+1))
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("rotating metrics file: %w", err)
		}
	}
	if err := os.Rename(a.Path, rotated(a.Path, 1)); err != nil {
		return fmt.Errorf("rotating metrics file: %w", err)
	}
	syncDir(filepath.Dir(a.Path))
	return nil
}

// rotated is the name of the i-th rotated file: FILE.i.
func rotated(path string, i int) string { return path + "." + strconv.Itoa(i) }

// syncDir makes renames in dir durable; failure only weakens durability.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		_ = d.Close()
	}
}
