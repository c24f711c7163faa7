package ctxio

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReaderStopsWhenCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	r := Reader(ctx, strings.NewReader("abcdef"))
	buf := make([]byte, 3)
	if n, err := r.Read(buf); n != 3 || err != nil {
		t.Fatalf("first read %d %v", n, err)
	}
	cancel()
	if _, err := r.Read(buf); !errors.Is(err, context.Canceled) {
		t.Fatalf("read after cancel: %v", err)
	}
	if b, err := io.ReadAll(Reader(context.Background(), strings.NewReader("xyz"))); err != nil || string(b) != "xyz" {
		t.Fatalf("plain read %q %v", b, err)
	}
}

func TestHashFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "f")
	data := bytes.Repeat([]byte("fossamaint"), 300_000) // 3 MB: several chunks
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	want := sha256.Sum256(data)
	sum, n, err := HashFile(context.Background(), p)
	if err != nil || sum != hex.EncodeToString(want[:]) || n != int64(len(data)) {
		t.Fatalf("HashFile = %s %d %v, want %x %d", sum, n, err, want, len(data))
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := HashFile(ctx, p); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: %v", err)
	}
	if _, _, err := HashFile(context.Background(), filepath.Join(p, "missing")); err == nil || !strings.Contains(err.Error(), "hashing") {
		t.Fatalf("missing file: %v", err)
	}
}
