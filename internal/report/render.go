package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"strings"

	"github.com/fossawork/fossamaint/internal/runbook"
)

// Options tune rendering.
type Options struct {
	// Secrets are values (from .env, config, tokens) that must never
	// appear in a report; each occurrence becomes [REDACTED]. Values
	// that are not redact.Plausible are ignored.
	Secrets []string
}

// Format names, as `fossamaint report --format` takes them.
const (
	FormatMarkdown = "md"
	FormatJSON     = "json"
	FormatHTML     = "html"
)

// Formats lists the valid format names in the order reports are written.
var Formats = []string{FormatMarkdown, FormatJSON, FormatHTML}

// Render writes run in format (md, json or html), redacted with opts.
func Render(w io.Writer, format string, run *runbook.Run, opts Options) error {
	b, err := render(format, run, newRedactor(opts.Secrets))
	if err != nil {
		return err
	}
	if _, err := w.Write(b); err != nil {
		return fmt.Errorf("writing %s report: %w", format, err)
	}
	return nil
}

// JSON writes the run as indented JSON; its struct tags are the schema,
// schema_version (runbook.SchemaVersion) its first key. Empty lists and
// maps are [] and {}, never null; durations are in seconds; every action
// is listed, however many.
func JSON(w io.Writer, run *runbook.Run) error {
	return Render(w, FormatJSON, run, Options{})
}

// Markdown writes the run following the seed's maintenance report template.
func Markdown(w io.Writer, run *runbook.Run) error {
	return Render(w, FormatMarkdown, run, Options{})
}

// HTML writes the run as a self-contained HTML page.
func HTML(w io.Writer, run *runbook.Run) error {
	return Render(w, FormatHTML, run, Options{})
}

var errNilRun = errors.New("report: no run to render")

// render produces one whole report in memory, so that a failure never
// leaves half a report behind and the last redaction pass sees it all.
func render(format string, run *runbook.Run, r *redactor) ([]byte, error) {
	if run == nil {
		return nil, errNilRun
	}
	clean := r.run(run)
	var b bytes.Buffer
	switch format {
	case FormatMarkdown:
		writeMarkdown(&b, buildView(clean))
	case FormatJSON:
		if err := writeJSON(&b, clean); err != nil {
			return nil, err
		}
	case FormatHTML:
		if err := writeHTML(&b, buildView(clean)); err != nil {
			return nil, fmt.Errorf("rendering html report: %w", err)
		}
	case formatHTMLBody:
		if err := writeHTMLBody(&b, buildView(clean)); err != nil {
			return nil, fmt.Errorf("rendering html report: %w", err)
		}
	default:
		return nil, fmt.Errorf("unknown report format %q (valid: %s)", format, strings.Join(Formats, ", "))
	}
	return r.output(b.Bytes()), nil
}

// writeJSON encodes a redacted copy of the run. JSON has no NaN or
// infinity, so such values are left out (metrics) or zeroed (durations)
// rather than failing the whole report; Markdown and HTML show them as n/a.
func writeJSON(b *bytes.Buffer, run *runbook.Run) error {
	maps.DeleteFunc(run.Metrics, func(_ string, v float64) bool { return !finite(v) })
	if !finite(run.DowntimeSeconds) {
		run.DowntimeSeconds = 0
	}
	for i := range run.Phases {
		for j := range run.Phases[i].Steps {
			s := &run.Phases[i].Steps[j]
			maps.DeleteFunc(s.Metrics, func(_ string, m runbook.Metric) bool { return !finite(m.Value) })
			for k := range s.Series {
				s.Series[k].Points = slices.DeleteFunc(s.Series[k].Points, func(p runbook.Point) bool { return !finite(p.Value) })
			}
			if !finite(s.DurationSeconds) {
				s.DurationSeconds = 0
			}
		}
	}
	enc := json.NewEncoder(b)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(run); err != nil {
		return fmt.Errorf("encoding json report: %w", err)
	}
	return nil
}

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }
