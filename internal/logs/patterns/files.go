package patterns

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/fossawork/fossamaint/internal/lines"
	"github.com/fossawork/fossamaint/internal/logs"
)

// Format says how a file's lines carry their message.
type Format uint8

// Line formats.
const (
	// FormatAuto parses each line with logs.ParseLine and mines the message
	// of every entry it recognises (JSON, pipe, timestamped text), and the
	// whole line otherwise.
	FormatAuto Format = iota
	// FormatJSON mines the message of JSON-lines entries.
	FormatJSON
	// FormatPipe mines the message of Python-logging pipe entries.
	FormatPipe
	// FormatPlain mines every line as it is.
	FormatPlain
)

func (f Format) String() string {
	switch f {
	case FormatJSON:
		return "json"
	case FormatPipe:
		return "pipe"
	case FormatPlain:
		return "plain"
	}
	return "auto"
}

// ParseFormat reads a --format value.
func ParseFormat(s string) (Format, error) {
	switch s {
	case "", "auto":
		return FormatAuto, nil
	case "json":
		return FormatJSON, nil
	case "pipe":
		return FormatPipe, nil
	case "plain":
		return FormatPlain, nil
	}
	return 0, fmt.Errorf("unknown format %q (want auto, json, pipe or plain)", s)
}

// maxLineBytes bounds the part of a line that is mined; the rest is read and
// dropped, so a 16 MB line costs no more memory than this.
const maxLineBytes = 64 << 10

// Message returns the text of line to mine under format f. A line the
// format does not recognise (a traceback line, a blank line, a line of
// another shape) is mined whole, so that every line gets a template.
func Message(line []byte, f Format) string {
	if f == FormatPlain {
		return string(line)
	}
	e, kind := logs.ParseLine(line, time.UTC)
	if kind != logs.KindEntry || e.Message == "" {
		return string(line)
	}
	switch {
	case f == FormatAuto,
		f == FormatJSON && e.Shape == logs.ShapeJSON,
		f == FormatPipe && e.Shape == logs.ShapePipe:
		return e.Message
	}
	return string(line)
}

// scanLines calls fn with each line of r (without its end of line, cut to
// maxLineBytes) and its 1-based number.
func scanLines(ctx context.Context, r io.Reader, fn func(n int, line []byte) error) error {
	lr := lines.NewReader(r, maxLineBytes)
	for {
		if lr.Line()%4096 == 4095 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		line, _, err := lr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if err := fn(lr.Line(), line); err != nil {
			return err
		}
	}
}

// eachLine opens each file (gzip transparently) and calls fn per line.
func eachLine(ctx context.Context, paths []string, fn func(file string, n int, line []byte) error) error {
	for _, p := range paths {
		f, err := logs.Open(p)
		if err != nil {
			return err // names the file already
		}
		err = scanLines(ctx, f, func(n int, line []byte) error { return fn(p, n, line) })
		cerr := f.Close()
		if err != nil {
			return fmt.Errorf("reading %s: %w", p, err)
		}
		if cerr != nil {
			return fmt.Errorf("closing %s: %w", p, cerr)
		}
	}
	return nil
}

// AddFiles adds every line of the files to m and returns how many there
// were. Blank lines count and are grouped too.
func AddFiles(ctx context.Context, m *Miner, paths []string, f Format) (int, error) {
	total := 0
	err := eachLine(ctx, paths, func(_ string, _ int, line []byte) error {
		m.Add(Message(line, f))
		total++
		return nil
	})
	return total, err
}

// LineTemplate is the template of one input line.
type LineTemplate struct {
	File     string `json:"file,omitempty"`
	Line     int    `json:"line"`
	Pattern  string `json:"pattern"`
	Template string `json:"template"`
}

// WritePerLine reads the files again after AddFiles and writes one JSON
// object per line: {"line": N, "pattern": ID, "template": T}, with "file"
// as well when there is more than one file. It returns the templates
// counted from this pass, which are exactly the assignment it wrote.
func WritePerLine(ctx context.Context, w io.Writer, m *Miner, paths []string, f Format) ([]Template, error) {
	bw := bufio.NewWriterSize(w, 64<<10)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	counts := make(map[string]int)
	var order []Template
	err := eachLine(ctx, paths, func(file string, n int, line []byte) error {
		t, _ := m.Match(Message(line, f))
		if counts[t.ID] == 0 {
			order = append(order, t)
		}
		counts[t.ID]++
		lt := LineTemplate{Line: n, Pattern: t.ID, Template: t.Template}
		if len(paths) > 1 {
			lt.File = file
		}
		return enc.Encode(lt)
	})
	if err != nil {
		return nil, err
	}
	for i := range order {
		order[i].Count = counts[order[i].ID]
	}
	return order, bw.Flush()
}
