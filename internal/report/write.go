package report

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

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

// writeAtomic writes a report atomically, mode 0600 (reports hold
// findings): a crash leaves the old report or the new one.
func writeAtomic(target string, data []byte) error {
	return durable.WriteFile(target, data, 0o600, "report")
}
