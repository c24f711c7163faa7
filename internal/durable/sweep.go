package durable

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
)

// Dir is a directory where temporaries may be left.
type Dir struct {
	Path string
	// Recursive also looks in subdirectories (a log tree, daily sets).
	Recursive bool
	// Legacy, if set, recognises the temporary names of older releases,
	// which carry no owner pid. Sweep removes them only when the caller
	// holds the state-dir lock, so no run of ours can be writing them.
	Legacy func(name string) bool
}

// Swept is what a sweep found.
type Swept struct {
	// Removed are the temporaries deleted (or, in a dry run, that would be).
	Removed []string `json:"removed"`
	// Bytes is their total size.
	Bytes int64 `json:"bytes"`
	// InUse are temporaries whose process is still running: left alone.
	InUse []string `json:"in_use,omitempty"`
}

// SweepOptions tune Sweep.
type SweepOptions struct {
	// Alive reports whether a process runs; default ProcessAlive.
	Alive func(pid int) bool
	// DryRun lists without deleting.
	DryRun bool
}

// Sweep removes the temporaries that processes which are no longer
// running left in dirs: files and whole directories named by Name, and
// the legacy names each Dir recognises. Our own process's are kept.
// Missing directories are skipped; symbolic links are never followed.
// An entry that cannot be removed is an error naming it; the sweep goes
// on with the others.
func Sweep(ctx context.Context, dirs []Dir, o SweepOptions) (Swept, error) {
	if o.Alive == nil {
		o.Alive = ProcessAlive
	}
	var s Swept
	var errs []error
	seen := map[string]bool{}
	for _, d := range dirs {
		if d.Path == "" {
			continue
		}
		err := walk(ctx, d, func(path string, de fs.DirEntry) bool {
			if seen[path] {
				return true
			}
			dead, ours := verdict(de.Name(), d.Legacy, o.Alive)
			if !ours {
				return false
			}
			seen[path] = true
			if !dead {
				s.InUse = append(s.InUse, path)
				return true
			}
			size := sizeOf(path, de)
			if !o.DryRun {
				if err := os.RemoveAll(path); err != nil {
					errs = append(errs, fmt.Errorf("removing the leftover temporary %s: %w", path, err))
					return true
				}
			}
			s.Removed = append(s.Removed, path)
			s.Bytes += size
			return true
		})
		if err != nil {
			errs = append(errs, err)
		}
	}
	slices.Sort(s.Removed)
	slices.Sort(s.InUse)
	return s, errors.Join(errs...)
}

// verdict says whether name is a temporary of ours and whether its
// process is gone.
func verdict(name string, legacy func(string) bool, alive func(int) bool) (dead, ours bool) {
	if pid, _, ok := Owner(name); ok {
		return pid != os.Getpid() && !alive(pid), true
	}
	if legacy != nil && legacy(name) {
		return true, true
	}
	return false, false
}

// walk calls visit for every entry under d (once per directory level when
// not recursive). visit returns true when it consumed the entry, which is
// then not descended into.
func walk(ctx context.Context, d Dir, visit func(string, fs.DirEntry) bool) error {
	root := filepath.Clean(d.Path)
	err := filepath.WalkDir(root, func(path string, de fs.DirEntry, err error) error {
		if cerr := ctx.Err(); cerr != nil {
			return cerr
		}
		if err != nil {
			if path == root && errors.Is(err, fs.ErrNotExist) {
				return fs.SkipAll
			}
			// An unreadable subdirectory: skip it, sweep the rest.
			if de != nil && de.IsDir() && path != root {
				return fs.SkipDir
			}
			return fmt.Errorf("looking for leftover temporaries in %s: %w", path, err)
		}
		if path == root {
			return nil
		}
		if visit(path, de) {
			if de.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if de.IsDir() && !d.Recursive {
			return fs.SkipDir
		}
		return nil
	})
	return err
}

func sizeOf(path string, de fs.DirEntry) int64 {
	if !de.IsDir() {
		if fi, err := de.Info(); err == nil {
			return fi.Size()
		}
		return 0
	}
	var n int64
	_ = filepath.WalkDir(path, func(_ string, e fs.DirEntry, err error) error {
		if err == nil && !e.IsDir() {
			if fi, err := e.Info(); err == nil {
				n += fi.Size()
			}
		}
		return nil
	})
	return n
}
