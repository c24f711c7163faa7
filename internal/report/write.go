package report

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"

	"github.com/fossawork/fossamaint/internal/durable"
	"github.com/fossawork/fossamaint/internal/runbook"
)

// Paths are the files Write produced.
type Paths struct {
	Markdown string
	JSON     string
	HTML     string
}

// Write renders run in every format and writes
// <dir>/maintenance-<YYYYMMDD-HHMMSS>.{md,json,html} (time of run.StartedAt
// in its own location), each atomically and mode 0600, creating dir 0750.
// All three are rendered before any is written, so a rendering error
// leaves no report at all; an existing report of the same run is replaced.
func Write(ctx context.Context, dir string, run *runbook.Run, opts Options) (Paths, error) {
	if run == nil {
		return Paths{}, errNilRun
	}
	if run.StartedAt.IsZero() {
		return Paths{}, errors.New("report: run has no start time to name the report files after")
	}
	base := filepath.Join(dir, "maintenance-"+run.StartedAt.Format("20060102-150405"))
	paths := Paths{Markdown: base + ".md", JSON: base + ".json", HTML: base + ".html"}
	targets := []string{paths.Markdown, paths.JSON, paths.HTML}

	r := newRedactor(opts.Secrets)
	bodies := make([][]byte, len(Formats))
	for i, f := range Formats {
		b, err := render(f, run, r)
		if err != nil {
			return Paths{}, err
		}
		bodies[i] = b
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return Paths{}, fmt.Errorf("creating report dir %s: %w", dir, err)
	}
	for i, target := range targets {
		if err := ctx.Err(); err != nil {
			return Paths{}, fmt.Errorf("writing reports to %s: %w", dir, err)
		}
		if err := writeAtomic(target, bodies[i]); err != nil {
			return Paths{}, err
		}
	}
	return paths, nil
}

// writeAtomic writes data to a temp file beside target, fsyncs it, renames
// it over target and fsyncs the directory: a crash leaves either the old
// report or the new one, never a torn file under the final name.
func writeAtomic(target string, data []byte) (err error) {
	dir := filepath.Dir(target)
	f, err := durable.CreateTemp(dir, "report")
	if err != nil {
		return fmt.Errorf("creating temp file for %s: %w", target, err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			_ = f.Close()
			_ = os.Remove(tmp)
		}
	}()
	// CreateTemp uses 0600 today; reports hold findings, so say it outright.
	if err = f.Chmod(0o600); err != nil {
		return fmt.Errorf("setting mode of %s: %w", tmp, err)
	}
	if _, err = f.Write(data); err != nil {
		return fmt.Errorf("writing %s: %w", tmp, err)
	}
	if err = f.Sync(); err != nil {
		return fmt.Errorf("syncing %s: %w", tmp, err)
	}
	if err = f.Close(); err != nil {
		return fmt.Errorf("closing %s: %w", tmp, err)
	}
	if err = os.Rename(tmp, target); err != nil {
		return fmt.Errorf("renaming %s to %s: %w", tmp, target, err)
	}
	return syncDir(dir)
}

// syncDir makes the rename durable. Windows cannot fsync a directory and
// makes renames durable itself, so it is skipped there.
func syncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("opening report dir %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("syncing report dir %s: %w", dir, err)
	}
	return nil
}
