package logs

import (
	"io"
	"time"

	"github.com/fossawork/fossamaint/internal/lines"
)

// Reader defaults.
const (
	DefaultMaxLineBytes      = 16 << 20 // issue 4: lines up to 16 MB are read whole
	DefaultMaxExceptionBytes = 64 << 10
	// MaxMalformedLines is how many malformed line numbers Stats keeps as
	// evidence; the count itself is exact.
	MaxMalformedLines = 20
)

// ReaderOptions tune a Reader. The zero value is usable.
type ReaderOptions struct {
	// Location is where naive timestamps are read (time.Local when nil).
	Location *time.Location
	// MaxLineBytes bounds one line (DefaultMaxLineBytes when <= 0). Longer
	// lines are truncated to it (the rest is read and discarded, never held)
	// and counted in LongLines: a pipe-shaped line still yields its entry, a
	// cut JSON object is malformed.
	MaxLineBytes int
	// MaxExceptionBytes bounds the continuation lines joined onto one entry
	// (DefaultMaxExceptionBytes when <= 0).
	MaxExceptionBytes int
	// DetailFrom is the lowest level whose entries carry their text
	// (Message, Exception, request fields). Entries below it, including
	// those of unknown level, carry only Line, Time, Level, Logger and
	// Shape, and their continuation lines are counted but not joined: a
	// consumer that only counts most entries reads several times faster.
	// The zero value keeps everything.
	DetailFrom Level
}

// Stats counts the lines a Reader has consumed. Every line is exactly one of
// an entry's first line, a continuation, blank or malformed, so
// Lines == Entries + Continuations + Blank + Malformed.
type Stats struct {
	Lines         int
	Entries       int
	Continuations int
	Blank         int
	Malformed     int
	// MalformedLines holds the first MaxMalformedLines malformed line numbers.
	MalformedLines []int
	// LongLines counts the lines over MaxLineBytes, which were truncated.
	LongLines int
	// Bytes is the number of (decompressed) bytes consumed.
	Bytes int64
}

// Reader streams entries from line-oriented log text, joining continuation
// lines onto the entry above them. It holds at most one line (up to
// MaxLineBytes), one pending entry and its joined exception in memory.
type Reader struct {
	lr       *lines.Reader
	p        *lineParser
	maxExc   int
	stats    Stats
	pending  Entry
	has      bool   // pending holds an entry not yet returned
	light    bool   // pending is below DetailFrom: continuations are not joined
	exc      []byte // pending's exception once a continuation was joined
	excBuilt bool
	orphan   bool // the last non-blank line was malformed
	done     bool
	err      error
}

// NewReader returns a Reader over r.
func NewReader(r io.Reader, opts ReaderOptions) *Reader {
	if opts.MaxLineBytes <= 0 {
		opts.MaxLineBytes = DefaultMaxLineBytes
	}
	if opts.MaxExceptionBytes <= 0 {
		opts.MaxExceptionBytes = DefaultMaxExceptionBytes
	}
	p := newLineParser(opts.Location)
	p.detailFrom = opts.DetailFrom
	return &Reader{
		lr:     lines.NewReader(r, opts.MaxLineBytes),
		p:      p,
		maxExc: opts.MaxExceptionBytes,
	}
}

// Stats returns the counts so far; they are final once Next has returned an error.
func (r *Reader) Stats() Stats {
	s := r.stats
	s.Bytes = r.lr.Bytes()
	s.MalformedLines = append([]int(nil), r.stats.MalformedLines...)
	return s
}

// Next returns the next entry, io.EOF after the last one, or the underlying
// read error (after any entry that was complete before it).
func (r *Reader) Next() (Entry, error) {
	for {
		if r.done {
			if r.has {
				return r.emit(), nil
			}
			return Entry{}, r.err
		}
		line, tooLong, err := r.lr.Next()
		if err != nil {
			r.done, r.err = true, err
			continue
		}
		r.stats.Lines++
		if e, ok := r.consume(line, tooLong); ok {
			return e, nil
		}
	}
}

// consume classifies one line and returns an entry when the line completes one.
func (r *Reader) consume(line []byte, tooLong bool) (Entry, bool) {
	var e Entry
	if tooLong {
		// Parsed as far as the limit: a pipe-shaped line keeps its time,
		// level and the start of its message; a cut JSON object is
		// malformed.
		r.stats.LongLines++
	}
	kind := r.p.parse(line, &e)
	switch kind {
	case KindBlank:
		r.stats.Blank++
		return Entry{}, false
	case KindMalformed:
		r.stats.Malformed++
		if len(r.stats.MalformedLines) < MaxMalformedLines {
			r.stats.MalformedLines = append(r.stats.MalformedLines, r.stats.Lines)
		}
		// Lines after a broken record belong to it, not to the entry before.
		r.orphan = true
		if r.has {
			return r.emit(), true
		}
		return Entry{}, false
	case KindContinuation:
		if r.has || r.orphan {
			r.stats.Continuations++
			r.join(r.p)
			return Entry{}, false
		}
		// Nothing above to attach to (start of input): keep the text as
		// an untimed entry rather than lose it.
		e = Entry{Message: string(r.p.cleanLine()), Shape: ShapePlain}
	}
	r.stats.Entries++
	e.Line = r.stats.Lines
	r.orphan = false
	var prev Entry
	had := r.has
	if had {
		prev = r.emit()
	}
	r.pending, r.has = e, true
	r.light = e.Level < r.p.detailFrom
	return prev, had
}

// join appends the line p has just parsed, a continuation, to the pending
// entry's exception, up to maxExc; continuations of an entry below
// DetailFrom are not kept; lines after an orphaning malformed line are counted and dropped.
func (r *Reader) join(p *lineParser) {
	if !r.has || r.light || r.pending.ExceptionTruncated {
		return
	}
	line := p.cleanLine()
	if !r.excBuilt {
		r.exc = append(r.exc[:0], r.pending.Exception...)
		r.excBuilt = true
	}
	need := len(line)
	if len(r.exc) > 0 {
		need++
	}
	if len(r.exc)+need > r.maxExc {
		r.pending.ExceptionTruncated = true
		return
	}
	if len(r.exc) > 0 {
		r.exc = append(r.exc, '\n')
	}
	r.exc = append(r.exc, line...)
}

func (r *Reader) emit() Entry {
	e := r.pending
	if r.excBuilt {
		e.Exception = string(r.exc)
		r.excBuilt = false
		if cap(r.exc) > 4*r.maxExc {
			r.exc = nil
		}
	}
	r.pending, r.has = Entry{}, false
	return e
}
