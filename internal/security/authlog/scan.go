package authlog

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"
	"unsafe"

	"github.com/fossawork/fossamaint/internal/lines"
	"github.com/fossawork/fossamaint/internal/logs"
)

// DefaultMaxLineBytes is the longest line Scan reads whole; longer lines
// are skipped to their end without being held in memory, and counted.
const DefaultMaxLineBytes = 8 << 20

// Options tune Scan. The zero value detects sources per line, has no
// reference year (year-less dates give HasTime false) and reads naive
// times in time.Local.
type Options struct {
	// Source restricts parsing to one log family; "" or SourceAuto
	// detects it per line.
	Source Source
	// Ref is the reference time for syslog dates without a year: usually
	// the scan's "now" or the file's modification time.
	Ref time.Time
	// Location is where dates without a zone are read (time.Local when nil).
	Location *time.Location
	// MaxLineBytes bounds one line (DefaultMaxLineBytes when <= 0).
	MaxLineBytes int
	// MaxSessions bounds the sshd connection table (DefaultMaxSessions
	// when <= 0).
	MaxSessions int
	// Since, when set, drops failures dated before it (a weekly review's
	// window); undated failures are kept.
	Since time.Time
}

// Stats counts what a scan read.
type Stats struct {
	Lines    int `json:"lines"`
	Failures int `json:"failures"`
	// Older counts failures dropped for being before Options.Since.
	Older int   `json:"older,omitempty"`
	Bytes int64 `json:"bytes"`
	// LongLines were over MaxLineBytes and skipped.
	LongLines int `json:"long_lines"`
}

// Scan streams r line by line and calls fn for every failure, in line
// order. It stops at fn's first error, at ctx's end or at a read error,
// returning what it counted so far with that error.
func Scan(ctx context.Context, r io.Reader, opts Options, fn func(Failure) error) (Stats, error) {
	if opts.MaxLineBytes <= 0 {
		opts.MaxLineBytes = DefaultMaxLineBytes
	}
	if opts.MaxSessions <= 0 {
		opts.MaxSessions = DefaultMaxSessions
	}
	p := newParser(opts.Ref, opts.Location, opts.Source, opts.MaxSessions)
	lr := lines.NewReader(r, opts.MaxLineBytes)
	var st Stats
	for {
		if st.Lines&1023 == 0 {
			if err := ctx.Err(); err != nil {
				return st, err
			}
		}
		line, tooLong, err := lr.Next()
		st.Bytes = lr.Bytes()
		if errors.Is(err, io.EOF) {
			return st, nil
		}
		if err != nil {
			return st, err
		}
		st.Lines++
		if ferr := p.consume(&st, line, tooLong, opts.Since, fn); ferr != nil {
			return st, ferr
		}
	}
}

// consume parses one line and hands a failure in the window to fn.
func (p *parser) consume(st *Stats, line []byte, tooLong bool, since time.Time, fn func(Failure) error) error {
	if tooLong {
		st.LongLines++
		return nil
	}
	f, ok := p.parse(st.Lines, aliasString(line))
	switch {
	case !ok:
		return nil
	case f.HasTime && f.Time.Before(since):
		st.Older++
		return nil
	}
	st.Failures++
	return fn(f)
}

// ScanFile scans one file (gzip-compressed when it ends in .gz).
func ScanFile(ctx context.Context, path string, opts Options, fn func(Failure) error) (Stats, error) {
	rc, err := logs.Open(path)
	if err != nil {
		return Stats{}, err
	}
	st, err := Scan(ctx, rc, opts, fn)
	if cerr := rc.Close(); err == nil && cerr != nil {
		err = cerr
	}
	if err != nil {
		return st, fmt.Errorf("scanning %s for failed logins: %w", path, err)
	}
	return st, nil
}

// FileResult is one file's outcome in SummarizeFiles.
type FileResult struct {
	Path  string
	Stats Stats
	// Err is set when the file could not be read (wholly or partly): a
	// finding for the review, not a reason to stop.
	Err error
}

// SummarizeFiles scans every file and summarises their failures by host.
// Unreadable files are reported in their FileResult; only ctx's end stops
// the scan early and is returned.
func SummarizeFiles(ctx context.Context, paths []string, opts Options) (Summary, []FileResult, error) {
	sum := NewSummarizer(0)
	results := make([]FileResult, 0, len(paths))
	for _, path := range paths {
		st, err := ScanFile(ctx, path, opts, func(f Failure) error {
			sum.Add(f)
			return nil
		})
		if cerr := ctx.Err(); cerr != nil {
			return sum.Summary(), results, cerr
		}
		results = append(results, FileResult{Path: path, Stats: st, Err: err})
	}
	return sum.Summary(), results, nil
}

// aliasString views a line as a string without copying it: the parser
// only keeps copies (strings.Clone) of what it stores or returns, so the
// read buffer may be reused once parse returns. It saves a copy of every
// line, most of which hold no failure.
func aliasString(b []byte) string {
	return unsafe.String(unsafe.SliceData(b), len(b))
}
