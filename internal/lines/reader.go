package lines

import (
	"bufio"
	"errors"
	"io"
)

// BufferSize is the read buffer; lines that fit in it are returned without
// a copy.
const BufferSize = 64 << 10

// Reader returns the lines of an io.Reader, each without its "\n" or
// "\r\n" and at most Max bytes long.
type Reader struct {
	br      *bufio.Reader
	max     int
	long    []byte // a line longer than the read buffer, gathered
	line    int
	bytes   int64
	pending error // the error that ended the last line, returned next
}

// NewReader returns a Reader of lines of at most max bytes (max > 0).
func NewReader(r io.Reader, max int) *Reader {
	return &Reader{br: bufio.NewReaderSize(r, BufferSize), max: max}
}

// Next returns the next line, valid until the following call. cut says the
// line was longer than the limit and line holds its first Max bytes. After
// the last line Next returns io.EOF; a read error is returned once the
// bytes read before it were returned as a line (a last line without a
// newline is a line).
func (r *Reader) Next() (line []byte, cut bool, err error) {
	if r.pending != nil {
		return nil, false, r.pending
	}
	b, err := r.br.ReadSlice('\n')
	r.bytes += int64(len(b))
	if errors.Is(err, bufio.ErrBufferFull) {
		b, cut, err = r.gather(b)
	}
	if err != nil {
		if len(b) == 0 && !cut {
			return nil, false, err
		}
		r.pending = err
	}
	r.line++
	b = TrimEOL(b)
	if len(b) > r.max {
		b, cut = b[:r.max], true
	}
	return b, cut, nil
}

// gather reads the rest of a line longer than the read buffer, keeping at
// most max+2 bytes (room for "\r\n").
func (r *Reader) gather(first []byte) (line []byte, cut bool, err error) {
	limit := r.max + 2
	r.long = appendBounded(r.long[:0], first[:min(len(first), limit)], limit)
	cut = len(first) > limit
	err = bufio.ErrBufferFull
	for errors.Is(err, bufio.ErrBufferFull) {
		var b []byte
		b, err = r.br.ReadSlice('\n')
		r.bytes += int64(len(b))
		if room := limit - len(r.long); room < len(b) {
			cut = true
			b = b[:max(room, 0)]
		}
		r.long = appendBounded(r.long, b, limit)
	}
	return r.long, cut, err
}

// Line is the 1-based number of the line Next returned last.
func (r *Reader) Line() int { return r.line }

// Bytes is how many bytes have been consumed, line ends included.
func (r *Reader) Bytes() int64 { return r.bytes }

// appendBounded appends like append but never grows dst's capacity past
// limit, so a line just under the limit costs one limit-sized buffer
// rather than append's overshoot.
func appendBounded(dst, b []byte, limit int) []byte {
	if need := len(dst) + len(b); need > cap(dst) {
		grown := make([]byte, len(dst), min(max(2*cap(dst), need), max(limit, need)))
		copy(grown, dst)
		dst = grown
	}
	return append(dst, b...)
}

// TrimEOL removes one "\n" or "\r\n" from the end of b.
func TrimEOL(b []byte) []byte {
	if n := len(b); n > 0 && b[n-1] == '\n' {
		b = b[:n-1]
	}
	if n := len(b); n > 0 && b[n-1] == '\r' {
		b = b[:n-1]
	}
	return b
}
