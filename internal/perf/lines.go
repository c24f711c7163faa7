package perf

import (
	"bufio"
	"bytes"
	"errors"
	"io"
)

// MaxLineBytes bounds one metrics line. Upstream lines are about 400 bytes; a
// longer line is a corrupt write (or a stray dump) and is skipped as
// malformed without ever being held whole in memory.
const MaxLineBytes = 1 << 20

const readBufferBytes = 64 << 10

// lineReader yields lines of at most max bytes from r, skipping (not
// buffering) longer ones. A default bufio.Scanner would instead stop the
// whole read at the first over-long line.
type lineReader struct {
	br   *bufio.Reader
	buf  []byte
	max  int
	line int // 1-based number of the line last returned
}

func newLineReader(r io.Reader, max int) *lineReader {
	return &lineReader{br: bufio.NewReaderSize(r, readBufferBytes), max: max}
}

// next returns the next line without its line ending; tooLong means the line
// exceeded the bound and its content is dropped. The slice is valid until the
// following call. io.EOF is returned only once no bytes are left.
func (lr *lineReader) next() (line []byte, tooLong bool, err error) {
	chunk, err := lr.br.ReadSlice('\n')
	if err == nil { // fast path: the whole line sits in the read buffer
		lr.line++
		if line = trimEOL(chunk); len(line) > lr.max {
			return nil, true, nil
		}
		return line, false, nil
	}
	lr.buf = lr.buf[:0]
	for {
		if !tooLong && len(lr.buf)+len(chunk) > lr.max+2 { // +2: room for "\r\n"
			tooLong, lr.buf = true, lr.buf[:0]
		}
		if !tooLong {
			lr.buf = append(lr.buf, chunk...)
		}
		if !errors.Is(err, bufio.ErrBufferFull) {
			break
		}
		chunk, err = lr.br.ReadSlice('\n')
	}
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, false, err
	}
	if errors.Is(err, io.EOF) && len(lr.buf) == 0 && !tooLong {
		return nil, false, io.EOF
	}
	lr.line++
	if line = trimEOL(lr.buf); tooLong || len(line) > lr.max {
		return nil, true, nil
	}
	return line, false, nil
}

func trimEOL(b []byte) []byte {
	b = bytes.TrimSuffix(b, []byte{'\n'})
	return bytes.TrimSuffix(b, []byte{'\r'})
}
