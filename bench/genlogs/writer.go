package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"time"
)

// gen writes one file: the stream's records in time order, the day's
// security events merged in, a few damaged lines.
type gen struct {
	rng       *rand.Rand
	pipeShare float64
	spec      fileSpec
	w         *bufio.Writer
	buf       []byte
	written   int64
	tr        truth
}

// Damage rates per record: rare, as in real files, but several per file.
const (
	pTruncated = 1.0 / 40000
	pGarbage   = 1.0 / 80000
	pBlank     = 1.0 / 20000
)

func writeFile(ctx context.Context, o options, spec fileSpec) (truth, error) {
	tmp := spec.path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return truth{}, fmt.Errorf("creating %s: %w", tmp, err)
	}
	g := &gen{
		rng:       rand.New(rand.NewPCG(spec.seed[0], spec.seed[1])),
		pipeShare: o.pipeShare,
		spec:      spec,
		w:         bufio.NewWriterSize(f, 1<<20),
		buf:       make([]byte, 0, 64<<10),
	}
	err = g.run(ctx, o)
	if ferr := g.w.Flush(); err == nil && ferr != nil {
		err = fmt.Errorf("writing %s: %w", tmp, ferr)
	}
	if cerr := f.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("closing %s: %w", tmp, cerr)
	}
	if err == nil {
		err = finish(tmp, spec)
	}
	if err != nil {
		_ = os.Remove(tmp)
		return truth{}, err
	}
	g.tr.Files, g.tr.Bytes = 1, g.written
	return g.tr, nil
}

// finish puts the file in place with the mtime of its day's end, as the
// upstream handler leaves it (files are never appended to after their day).
func finish(tmp string, spec fileSpec) error {
	end := spec.date.Add(24*time.Hour - time.Second)
	if err := os.Chtimes(tmp, end, end); err != nil {
		return fmt.Errorf("setting mtime of %s: %w", tmp, err)
	}
	if err := os.Rename(tmp, spec.path); err != nil {
		return fmt.Errorf("renaming %s: %w", tmp, err)
	}
	return nil
}

// run spreads the records over the day in proportion to the bytes
// written, so the budget is met whatever the line lengths.
func (g *gen) run(ctx context.Context, o options) error {
	s := g.spec.stream
	var events []entry
	if s.events != nil {
		events = s.events(o.seed, g.spec.day, g.spec.date)
	}
	long := s.prefix == "backend-general" && g.spec.day == 2 && g.spec.budget > 8<<20
	day := float64(24 * time.Hour)
	for n := 0; g.written < g.spec.budget; n++ {
		if n&4095 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		off := time.Duration(day * float64(g.written) / float64(g.spec.budget))
		t := g.spec.date.Add(off + time.Duration(g.rng.IntN(1000))*time.Microsecond)
		for len(events) > 0 && !events[0].t.After(t) {
			g.emit(&events[0])
			events = events[1:]
		}
		e := s.gen(g, t)
		g.emit(&e)
		g.damage(t)
		if long && off > 10*time.Hour {
			g.emitLong(t)
			long = false
		}
	}
	for i := range events {
		g.emit(&events[i])
	}
	if s.prefix == "backend-errors" && g.spec.day%3 == 1 {
		// A crash mid-write: the last line stops halfway, without newline.
		g.out(truncatedJSON(g.buf[:0], g.spec.date.Add(24*time.Hour-time.Millisecond)))
		g.tr.TruncatedJSON++
		g.tr.Lines++
	}
	return nil
}

// emit renders e in the JSON or pipe shape and counts it.
func (g *gen) emit(e *entry) {
	b := g.buf[:0]
	pipe := false
	switch {
	case e.alt:
		b = appendAltJSON(b, e)
	case g.rng.Float64() < g.pipeShare:
		b = appendPipe(b, e)
		pipe = true
	default:
		b = appendJSON(b, e)
	}
	g.out(b)
	g.tr.Lines += int64(bytes.Count(b, []byte{'\n'}))
	g.tr.Entries++
	if e.exc != "" {
		g.tr.Tracebacks++
	}
	if e.failedLogin {
		g.tr.FailedLogins++
	}
	if e.attack {
		g.tr.AttackReqs++
	}
	if e.level == "ERROR" || e.level == "CRITICAL" {
		g.tr.Errors++
		switch {
		case e.alt:
			g.tr.ErrorsAltJSON++
		case pipe:
			g.tr.ErrorsPipe++
		default:
			g.tr.ErrorsJSON++
		}
	}
}

func (g *gen) out(b []byte) {
	g.buf = b
	n, _ := g.w.Write(b) // the error sticks in the bufio.Writer; Flush reports it
	g.written += int64(n)
}

// damage now and then writes a line no reader can use.
func (g *gen) damage(t time.Time) {
	switch r := g.rng.Float64(); {
	case r < pTruncated:
		g.out(append(truncatedJSON(g.buf[:0], t), '\n'))
		g.tr.TruncatedJSON++
	case r < pTruncated+pGarbage:
		g.out([]byte("\xff\xfe\x00\x01garbled \xc3\x28 write\xa0\xa1\n"))
		g.tr.Garbage++
	case r < pTruncated+pGarbage+pBlank:
		g.out([]byte("\n"))
		g.tr.Blank++
	default:
		return
	}
	g.tr.Lines++
}

// truncatedJSON is a record cut before its level, so no reader could
// count it under any level.
func truncatedJSON(b []byte, t time.Time) []byte {
	b = append(b, `{"timestamp": "`...)
	b = t.AppendFormat(b, "2006-01-02T15:04:05.000000")
	return append(b, `", "lev`...)
}

// emitLong writes one DEBUG record with a scraped page of about 3 MiB in
// its message, as the scraper's debug logging does.
func (g *gen) emitLong(t time.Time) {
	row := `<tr><td class="disp">Wayne 300</td><td>1/2</td><td>Regular, Plus, Premium</td></tr>`
	page := "<html><body><table>" + strings.Repeat(row, (3<<20)/len(row)) + "</table></body></html>"
	e := entry{t: t, level: "DEBUG", logger: "fossawork.scraper", fn: "parse_visit", line: 311,
		msg: fmt.Sprintf("Scraped page content for visit %d: %s", 100000+g.rng.IntN(900000), page)}
	g.emit(&e)
	g.tr.LongLines++
}
