package logs

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/klauspost/compress/gzip"
)

// Open opens a log file for reading, decompressing `.gz` files. Read errors
// from the returned reader (a truncated or corrupt gzip stream) name the file.
func Open(path string) (io.ReadCloser, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("opening log %s: %w", path, err)
	}
	if !strings.HasSuffix(path, ".gz") {
		return &namedReader{path: path, r: f, closers: []io.Closer{f}}, nil
	}
	zr, err := gzip.NewReader(f)
	if err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("opening gzip log %s: %w", path, truncated(err))
	}
	return &namedReader{path: path, r: zr, gzip: true, closers: []io.Closer{zr, f}}, nil
}

// truncated says what an early end of gzip data means: the file was cut
// short (a copy, rotation or disk that ran out). A bare "EOF" or
// "unexpected EOF" in a report says nothing to an operator. io.EOF (an
// empty file) becomes io.ErrUnexpectedEOF, so no reader loop takes a
// damaged file for one that ended.
func truncated(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("truncated .gz, the file ends early (%w)", io.ErrUnexpectedEOF)
	}
	return err
}

// namedReader wraps read errors with the file's path so a failure deep in a
// summary still says which file it was.
type namedReader struct {
	path    string
	r       io.Reader
	gzip    bool
	closers []io.Closer
}

func (n *namedReader) Read(p []byte) (int, error) {
	k, err := n.r.Read(p)
	if err != nil && err != io.EOF {
		if n.gzip {
			err = truncated(err)
		}
		err = fmt.Errorf("reading log %s: %w", n.path, err)
	}
	return k, err
}

// Close closes the decompressor (which checks nothing further) and the file.
func (n *namedReader) Close() error {
	var errs []error
	for _, c := range n.closers {
		if err := c.Close(); err != nil {
			errs = append(errs, fmt.Errorf("closing log %s: %w", n.path, err))
		}
	}
	return errors.Join(errs...)
}

var _ io.ReadCloser = (*namedReader)(nil)
