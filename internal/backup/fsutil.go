package backup

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"

	"github.com/fossawork/fossamaint/internal/ctxio"
	"github.com/fossawork/fossamaint/internal/durable"
)

// hashFileSize is ctxio.HashFile: sha256 and size, cancellable.
func hashFileSize(ctx context.Context, path string) (string, int64, error) {
	return ctxio.HashFile(ctx, path)
}

// copyFileHashed copies src to a new file dst (mode 0600, never
// overwriting), fsyncs it, and returns the content's sha256 and size.
func copyFileHashed(ctx context.Context, src, dst string) (sum string, n int64, err error) {
	in, err := os.Open(src)
	if err != nil {
		return "", 0, fmt.Errorf("copying %s: %w", src, err)
	}
	defer in.Close()
	// Exclusive, and 0600 exactly: the umask may have narrowed it further,
	// and the copy must stay readable by its owner.
	out, err := durable.CreateExclusive(dst, 0o600)
	if err != nil {
		return "", 0, fmt.Errorf("copying %s: %w", src, err)
	}
	defer func() {
		if cerr := out.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("copying %s to %s: %w", src, dst, cerr)
		}
		if err != nil {
			os.Remove(dst)
		}
	}()
	h := sha256.New()
	n, err = io.CopyBuffer(io.MultiWriter(out, h), ctxio.Reader(ctx, in), make([]byte, 1<<20))
	if err != nil {
		return "", n, fmt.Errorf("copying %s to %s: %w", src, dst, err)
	}
	if err := out.Sync(); err != nil {
		return "", n, fmt.Errorf("syncing %s: %w", dst, err)
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}
