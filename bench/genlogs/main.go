// Command genlogs writes a week of FossaWork V2 logs for bench/logs.sh.
//
//	genlogs -dir DIR [-size 1024] [-seed 1] [-start 2025-01-13] [-days 7] [-pipe-share 0.4]
//
// The layout is upstream's: DIR/backend/backend-general-YYYY-MM-DD.jsonl,
// backend-api-..., errors/backend-errors-..., automation/backend-automation-...,
// one file per stream and day, about -size MiB in all (weekends lighter).
// Every line is in one of the two upstream shapes, picked at random with
// -pipe-share for the python-logging pipe shape; a few automation lines
// come from a producer with the other key names (time, severity, msg,
// component). ERROR lines carry tracebacks (the JSON "exception" field, or
// continuation lines after a pipe line). A few lines are damaged the way
// real ones are: JSON cut mid-line, invalid UTF-8, blank lines, an errors
// file whose last line stops halfway, and one multi-MiB line.
//
// The api stream also holds what a security review must find, the same
// at every -size: brute-force bursts from three addresses (one IPv6), a
// distributed attack on "admin", a daily trickle of failed logins from
// the LAN, scanner sessions (sqlmap, nikto) with SQL injection, XSS, path
// traversal and code injection in request paths, some URL-encoded, plus
// rate-limit warnings, successful logins and 401s from /api/auth/validate
// that are not failures.
//
// Timestamps are naive local time, as upstream writes them: read them
// with TZ=UTC to get the -start day at midnight UTC. The output is the
// same for the same flags. DIR/truth.json, written last, holds what was
// generated (entries, errors by line shape, failed logins, damaged lines);
// its presence marks a complete set. Files are written under a temporary
// name and renamed, so an interrupted run leaves no half file in place.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"sync"
	"syscall"
	"time"
)

type options struct {
	dir       string
	sizeMiB   int
	seed      uint64
	start     time.Time
	days      int
	pipeShare float64
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	opts, err := parseFlags(os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "genlogs:", err)
		os.Exit(64)
	}
	t0 := time.Now()
	truth, err := generate(ctx, opts)
	if err != nil {
		fmt.Fprintln(os.Stderr, "genlogs:", err)
		os.Exit(1)
	}
	fmt.Fprintf(os.Stderr, "genlogs: %d files, %.1f MiB, %d lines in %.1fs under %s\n",
		truth.Files, float64(truth.Bytes)/(1<<20), truth.Lines, time.Since(t0).Seconds(), opts.dir)
}

func parseFlags(args []string) (options, error) {
	fs := flag.NewFlagSet("genlogs", flag.ContinueOnError)
	var o options
	var start string
	fs.StringVar(&o.dir, "dir", "", "output logs directory (created)")
	fs.IntVar(&o.sizeMiB, "size", 1024, "total size in MiB")
	fs.Uint64Var(&o.seed, "seed", 1, "random seed")
	fs.StringVar(&start, "start", "2025-01-13", "first day (YYYY-MM-DD)")
	fs.IntVar(&o.days, "days", 7, "number of days")
	fs.Float64Var(&o.pipeShare, "pipe-share", 0.4, "share of lines in the python-logging pipe shape")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if o.dir == "" {
		return o, errors.New("-dir is required")
	}
	if o.sizeMiB < 1 || o.days < 1 || o.pipeShare < 0 || o.pipeShare > 1 {
		return o, errors.New("-size and -days must be positive and -pipe-share in [0, 1]")
	}
	t, err := time.Parse(time.DateOnly, start)
	if err != nil {
		return o, fmt.Errorf("-start: %w", err)
	}
	o.start = t
	return o, nil
}

// fileSpec is one output file: a stream on a day with a byte budget.
type fileSpec struct {
	path   string
	stream *stream
	day    int
	date   time.Time
	budget int64
	seed   [2]uint64
}

// plan spreads the size over the streams and days: weekends get half a
// weekday's traffic, as a field-service backend sees.
func plan(o options) []fileSpec {
	weights := make([]float64, o.days)
	var sum float64
	for d := range weights {
		weights[d] = 1
		if wd := o.start.AddDate(0, 0, d).Weekday(); wd == time.Saturday || wd == time.Sunday {
			weights[d] = 0.5
		}
		sum += weights[d]
	}
	total := float64(o.sizeMiB) * (1 << 20)
	var specs []fileSpec
	for d := range o.days {
		date := o.start.AddDate(0, 0, d)
		for i := range streams {
			s := &streams[i]
			specs = append(specs, fileSpec{
				path:   filepath.Join(o.dir, s.dir, fmt.Sprintf("%s-%s.jsonl", s.prefix, date.Format(time.DateOnly))),
				stream: s, day: d, date: date,
				budget: int64(total * s.share * weights[d] / sum),
				seed:   [2]uint64{o.seed, uint64(d*len(streams) + i)},
			})
		}
	}
	return specs
}

// generate writes the files in parallel (each from its own seeded
// generator, so the output does not depend on scheduling), then truth.json.
func generate(ctx context.Context, o options) (truth, error) {
	for _, s := range streams {
		if err := os.MkdirAll(filepath.Join(o.dir, s.dir), 0o755); err != nil {
			return truth{}, fmt.Errorf("creating %s: %w", o.dir, err)
		}
	}
	if err := os.Remove(filepath.Join(o.dir, "truth.json")); err != nil && !errors.Is(err, os.ErrNotExist) {
		return truth{}, fmt.Errorf("removing the old truth.json: %w", err)
	}
	specs := plan(o)
	results := make([]truth, len(specs))
	errs := make([]error, len(specs))
	work := make(chan int)
	var wg sync.WaitGroup
	for range runtime.NumCPU() {
		wg.Go(func() {
			for i := range work {
				results[i], errs[i] = writeFile(ctx, o, specs[i])
			}
		})
	}
	for i := range specs {
		work <- i
	}
	close(work)
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return truth{}, err
	}
	var all truth
	for _, r := range results {
		all.add(r)
	}
	all.Start, all.Days, all.Seed, all.SizeMiB, all.PipeShare = o.start.Format(time.DateOnly), o.days, o.seed, o.sizeMiB, o.pipeShare
	return all, writeTruth(filepath.Join(o.dir, "truth.json"), all)
}

func writeTruth(path string, t truth) error {
	b, err := json.MarshalIndent(t, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding truth: %w", err)
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(b, '\n'), 0o600); err != nil {
		return fmt.Errorf("writing %s: %w", tmp, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("renaming %s: %w", tmp, err)
	}
	return nil
}

// truth is what was generated, for checking what the readers count.
type truth struct {
	Start     string  `json:"start"`
	Days      int     `json:"days"`
	Seed      uint64  `json:"seed"`
	SizeMiB   int     `json:"size_mib"`
	PipeShare float64 `json:"pipe_share"`
	Files     int     `json:"files"`
	Bytes     int64   `json:"bytes"`
	Lines     int64   `json:"lines"`
	// Entries are log records (a traceback's lines are part of one).
	Entries int64 `json:"entries"`
	// Errors are ERROR and CRITICAL entries by line shape: JSON with the
	// upstream keys, pipe, and JSON with the other producer's keys.
	Errors        int64 `json:"errors"`
	ErrorsJSON    int64 `json:"errors_json"`
	ErrorsPipe    int64 `json:"errors_pipe"`
	ErrorsAltJSON int64 `json:"errors_alt_json"`
	Tracebacks    int64 `json:"tracebacks"`
	FailedLogins  int64 `json:"failed_logins"`
	AttackReqs    int64 `json:"attack_requests"`
	// Damaged lines: JSON cut mid-line (including a file's truncated
	// last line), invalid UTF-8 garbage, blank lines.
	TruncatedJSON int64 `json:"truncated_json_lines"`
	Garbage       int64 `json:"garbage_lines"`
	Blank         int64 `json:"blank_lines"`
	LongLines     int64 `json:"long_lines"`
}

func (t *truth) add(o truth) {
	t.Files += o.Files
	t.Bytes += o.Bytes
	t.Lines += o.Lines
	t.Entries += o.Entries
	t.Errors += o.Errors
	t.ErrorsJSON += o.ErrorsJSON
	t.ErrorsPipe += o.ErrorsPipe
	t.ErrorsAltJSON += o.ErrorsAltJSON
	t.Tracebacks += o.Tracebacks
	t.FailedLogins += o.FailedLogins
	t.AttackReqs += o.AttackReqs
	t.TruncatedJSON += o.TruncatedJSON
	t.Garbage += o.Garbage
	t.Blank += o.Blank
	t.LongLines += o.LongLines
}
