package logs

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// File is one log file found by Discover.
type File struct {
	Path string
	// Stream is the name before the date (`backend-api`), or the name
	// without its extensions when the name carries no date.
	Stream string
	// Day is the calendar date in the name, as midnight UTC (zero if none).
	// Read its year, month and day; Summarize places them in its Location.
	Day        time.Time
	Size       int64
	ModTime    time.Time
	Compressed bool
}

// logExts are the suffixes taken off a name for its stream, longest first.
var logExts = []string{".jsonl.gz", ".log.gz", ".jsonl", ".log", ".gz"}

// Discover walks dir for the log files in set (DefaultFileSet when nil),
// never following symlinks. The result is sorted by day, then path. An
// unreadable subdirectory does not stop the walk: the files found are
// returned together with an error naming each one.
func Discover(ctx context.Context, dir string, set *FileSet) ([]File, error) {
	files, unreadable, err := DiscoverReadable(ctx, dir, set)
	if err != nil {
		return files, err
	}
	errs := make([]error, len(unreadable))
	for i, u := range unreadable {
		errs[i] = fmt.Errorf("discovering logs: %w", u.Err)
	}
	return files, errors.Join(errs...)
}

// DiscoverReadable is Discover for readers that degrade: each subdirectory
// or file the walk could not read comes back as a FileError beside the
// files found, and err is only for what stops everything (ctx, or a log
// root that does not exist or cannot be listed).
func DiscoverReadable(ctx context.Context, dir string, set *FileSet) (files []File, unreadable []FileError, err error) {
	if set == nil {
		set = DefaultFileSet()
	}
	info, err := os.Lstat(dir)
	if err != nil {
		return nil, nil, fmt.Errorf("discovering logs in %s: %w", dir, err)
	}
	root := dir
	if info.Mode()&fs.ModeSymlink != 0 {
		// The log root itself may be a symlink (logs/ -> /var/log/app);
		// the trailing separator makes the walk start inside its target.
		root = dir + string(filepath.Separator)
	}
	walk := func(path string, d fs.DirEntry, err error) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err != nil {
			if path == root {
				return err // nothing at all can be read
			}
			unreadable = append(unreadable, FileError{Path: path, Err: err})
			if d != nil && d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		f, ok, err := discovered(root, path, d, set)
		if err != nil {
			unreadable = append(unreadable, FileError{Path: path, Err: err})
		} else if ok {
			files = append(files, f)
		}
		if !ok && d.IsDir() && path != root && set.excludesDir(rel(root, path)) {
			return fs.SkipDir
		}
		return nil
	}
	if err := filepath.WalkDir(root, walk); err != nil {
		return files, unreadable, fmt.Errorf("discovering logs in %s: %w", dir, err)
	}
	sortFiles(files)
	return files, unreadable, nil
}

// discovered returns the log file at path when it is a regular file the
// set includes; symlinks, sockets, devices and other files are not.
func discovered(root, path string, d fs.DirEntry, set *FileSet) (File, bool, error) {
	if d.IsDir() || !d.Type().IsRegular() || !set.Includes(rel(root, path)) {
		return File{}, false, nil
	}
	f := classify(path, d.Name())
	info, err := d.Info()
	if err != nil {
		return File{}, false, fmt.Errorf("stat %s: %w", path, err)
	}
	f.Size, f.ModTime = info.Size(), info.ModTime()
	return f, true, nil
}

// rel is path relative to the walk's root; path is always inside it.
func rel(root, path string) string {
	r, err := filepath.Rel(root, path)
	if err != nil {
		return path
	}
	return r
}

// classify reads a log file's stream, day and compression from its name.
func classify(path, name string) File {
	ext := ""
	for _, e := range logExts {
		if strings.HasSuffix(name, e) && len(name) > len(e) {
			ext = e
			break
		}
	}
	f := File{Path: path, Stream: name[:len(name)-len(ext)], Compressed: strings.HasSuffix(name, ".gz")}
	stem := f.Stream
	if len(stem) > 11 && stem[len(stem)-11] == '-' {
		if day, err := time.Parse("2006-01-02", stem[len(stem)-10:]); err == nil {
			f.Stream, f.Day = stem[:len(stem)-11], day
		}
	}
	return f
}

func sortFiles(files []File) {
	sort.Slice(files, func(i, j int) bool {
		if !files[i].Day.Equal(files[j].Day) {
			return files[i].Day.Before(files[j].Day)
		}
		return files[i].Path < files[j].Path
	})
}
