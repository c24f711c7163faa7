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

// skippedDirs hold files that are not application logs: the metrics samples
// (internal/perf reads those) and our own reports.
var skippedDirs = map[string]bool{"performance": true, "reports": true}

// logExts are the suffixes Discover takes, longest first.
var logExts = []string{".jsonl.gz", ".log.gz", ".jsonl", ".log"}

// Discover walks dir for log files (`<stream>-YYYY-MM-DD.jsonl[.gz]` and
// other `.jsonl`/`.log` files), skipping `performance/` and `reports/`
// directories and never following symlinks. The result is sorted by day,
// then path. An unreadable subdirectory does not stop the walk: the files
// found are returned together with an error naming each one.
func Discover(ctx context.Context, dir string) ([]File, error) {
	info, err := os.Lstat(dir)
	if err != nil {
		return nil, fmt.Errorf("discovering logs in %s: %w", dir, err)
	}
	root := dir
	if info.Mode()&fs.ModeSymlink != 0 {
		// The log root itself may be a symlink (logs/ -> /var/log/app);
		// the trailing separator makes the walk start inside its target.
		root = dir + string(filepath.Separator)
	}
	var files []File
	var errs []error
	walk := func(path string, d fs.DirEntry, err error) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("discovering logs: %w", err))
			if d != nil && d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			if path != root && skippedDirs[d.Name()] {
				return fs.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() {
			return nil // symlinks, sockets, devices
		}
		f, ok := classify(path, d.Name())
		if !ok {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			errs = append(errs, fmt.Errorf("discovering logs: stat %s: %w", path, err))
			return nil
		}
		f.Size, f.ModTime = info.Size(), info.ModTime()
		files = append(files, f)
		return nil
	}
	if err := filepath.WalkDir(root, walk); err != nil {
		return files, fmt.Errorf("discovering logs in %s: %w", dir, err)
	}
	sortFiles(files)
	return files, errors.Join(errs...)
}

// classify recognises a log file by name.
func classify(path, name string) (File, bool) {
	var ext string
	for _, e := range logExts {
		if strings.HasSuffix(name, e) && len(name) > len(e) {
			ext = e
			break
		}
	}
	if ext == "" {
		return File{}, false
	}
	f := File{Path: path, Stream: name[:len(name)-len(ext)], Compressed: strings.HasSuffix(ext, ".gz")}
	stem := f.Stream
	if len(stem) > 11 && stem[len(stem)-11] == '-' {
		if day, err := time.Parse("2006-01-02", stem[len(stem)-10:]); err == nil {
			f.Stream, f.Day = stem[:len(stem)-11], day
		}
	}
	return f, true
}

func sortFiles(files []File) {
	sort.Slice(files, func(i, j int) bool {
		if !files[i].Day.Equal(files[j].Day) {
			return files[i].Day.Before(files[j].Day)
		}
		return files[i].Path < files[j].Path
	})
}
