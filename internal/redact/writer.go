package redact

import (
	"bytes"
	"io"
	"sync"
)

// maxPending bounds the text a Writer holds while waiting for the end of a
// line; a longer line is redacted and passed on in pieces.
const maxPending = 1 << 20

// Writer redacts everything written through it before passing it on, so a
// command's whole output goes through the layer whatever printed it. It
// works a line at a time, holding a partial line until its newline comes
// (tab writers and buffered encoders write in pieces, and a label must
// meet its value): call Flush at the end. A block of complete lines that
// is one JSON document (an indented report), and any line that is one
// (JSON lines), is redacted as JSON so it stays valid; other lines as
// text. The Redactor can be replaced once the secrets are known (after the
// config is read); until then labelled secrets are removed.
type Writer struct {
	mu  sync.Mutex
	w   io.Writer
	r   *Redactor
	buf []byte
}

// NewWriter returns a Writer passing redacted text to w.
func NewWriter(w io.Writer, r *Redactor) *Writer {
	return &Writer{w: w, r: r}
}

// SetRedactor makes later output use r.
func (w *Writer) SetRedactor(r *Redactor) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.r = r
}

// Write takes p, passing on redacted every line it completes. It reports
// len(p) on success, as io.Writer requires, whatever length the redacted
// text has.
func (w *Writer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf = append(w.buf, p...)
	n := bytes.LastIndexByte(w.buf, '\n') + 1
	if n == 0 && len(w.buf) > maxPending {
		n = len(w.buf)
	}
	if n == 0 {
		return len(p), nil
	}
	err := w.emit(w.buf[:n])
	w.buf = append(w.buf[:0], w.buf[n:]...)
	if err != nil {
		return 0, err
	}
	return len(p), nil
}

// Flush passes on a partial last line.
func (w *Writer) Flush() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.buf) == 0 {
		return nil
	}
	err := w.emit(w.buf)
	w.buf = w.buf[:0]
	return err
}

func (w *Writer) emit(block []byte) error {
	if out, ok := w.r.JSON(block); ok {
		_, err := w.w.Write(out)
		return err
	}
	var out []byte
	for len(block) > 0 {
		line := block
		if i := bytes.IndexByte(block, '\n'); i >= 0 {
			line = block[:i+1]
		}
		block = block[len(line):]
		if red, ok := w.r.JSON(line); ok {
			out = append(out, red...)
		} else {
			out = append(out, w.r.String(string(line))...)
		}
	}
	_, err := w.w.Write(out)
	return err
}

// Underlying is the writer redacted text goes to (to ask whether it is a
// terminal, or to draw progress that holds nothing secret).
func (w *Writer) Underlying() io.Writer { return w.w }
