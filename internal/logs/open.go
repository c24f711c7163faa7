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
		return nil, fmt.Errorf("opening gzip log %s: %w", path, err)
	}
	return &namedReader{path: path, r: zr, closers: []io.Closer{zr, f}}, nil
}

// namedReader wraps read errors with the file's path so a failure deep in a
// summary still says which file it was.
type namedReader struct {
	path    string
	r       io.Reader
	closers []io.Closer
}

func (n *namedReader) Read(p []byte) (int, error) {
	k, err := n.r.Read(p)
	if err != nil && err != io.EOF {
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
