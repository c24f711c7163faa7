package redact

import (
	"io"
	"sync"
)

// Writer redacts everything written through it before passing it on, so a
// command's whole output goes through the layer whatever printed it. Each
// Write is redacted on its own: fmt's Fprint family, encoders and
// renderers write a value at once, so a labelled secret and its label
// arrive together. The Redactor can be replaced once the secrets are
// known (after the config is read); until then labelled secrets are
// removed.
type Writer struct {
	mu sync.Mutex
	w  io.Writer
	r  *Redactor
}

// NewWriter returns a Writer passing redacted text to w.
func NewWriter(w io.Writer, r *Redactor) *Writer {
	return &Writer{w: w, r: r}
}

// SetRedactor makes later writes use r.
func (w *Writer) SetRedactor(r *Redactor) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.r = r
}

// Write redacts p and writes the result. It reports len(p) on success, as
// io.Writer requires, whatever length the redacted text has.
func (w *Writer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if _, err := io.WriteString(w.w, w.r.String(string(p))); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Underlying is the writer redacted text goes to (to ask whether it is a
// terminal).
func (w *Writer) Underlying() io.Writer { return w.w }
