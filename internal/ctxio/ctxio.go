// Package ctxio makes long reads cancellable: a reader that stops once its
// context is done. It is the one such helper of the project (logs, scans,
// hashing and file copies all use it), the cancellable sha256 of a file
// (HashFile), and a byte-counting writer (CountingWriter); it imports
// nothing of fossamaint.
package ctxio

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
)

// Reader returns r wrapped so that every Read first checks ctx: a copy or
// a parse loop over a large file stops within one buffer of a Ctrl-C.
func Reader(ctx context.Context, r io.Reader) io.Reader { return reader{ctx: ctx, r: r} }

type reader struct {
	ctx context.Context
	r   io.Reader
}

func (c reader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// CountingWriter passes writes to W and counts the bytes it accepted in N.
type CountingWriter struct {
	W io.Writer
	N int64
}

func (c *CountingWriter) Write(p []byte) (int, error) {
	n, err := c.W.Write(p)
	c.N += int64(n)
	return n, err
}

// HashFile streams the file at path through SHA-256, checking ctx between
// 1 MiB chunks so a multi-GB backup can be cancelled; it returns the hex
// digest and the bytes read.
func HashFile(ctx context.Context, path string) (sum string, size int64, err error) {
	f, err := os.Open(path)
	if err != nil {
		return "", 0, fmt.Errorf("hashing %s: %w", path, err)
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.CopyBuffer(h, Reader(ctx, f), make([]byte, 1<<20))
	if err != nil {
		return "", n, fmt.Errorf("hashing %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}
