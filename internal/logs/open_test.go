package logs

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/klauspost/compress/gzip"
)

func writeGzip(t *testing.T, path string, data []byte) {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestOpenGzipRoundTrip(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("testdata", "mixed.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	gz := filepath.Join(dir, "backend-api-2025-01-13.jsonl.gz")
	writeGzip(t, gz, src)
	plain := filepath.Join(dir, "backend-api-2025-01-14.jsonl")
	if err := os.WriteFile(plain, src, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{gz, plain} {
		rc, err := Open(p)
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(rc)
		if err != nil {
			t.Fatal(err)
		}
		if err := rc.Close(); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, src) {
			t.Fatalf("%s: round trip differs", p)
		}
	}
}

func TestOpenTruncatedGzip(t *testing.T) {
	// Random-ish content so the compressed stream is long enough to cut.
	var b strings.Builder
	for i := range 5000 {
		b.WriteString("2025-01-13 02:14:07 | INFO | a | f:1 | line ")
		b.WriteString(strings.Repeat(string(rune('a'+i%26)), i%50))
		b.WriteByte('\n')
	}
	dir := t.TempDir()
	whole := filepath.Join(dir, "whole.jsonl.gz")
	writeGzip(t, whole, []byte(b.String()))
	data, err := os.ReadFile(whole)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		keep int
	}{
		{"empty", 0},
		{"header cut", 5},
		{"body cut", len(data) / 2},
		{"trailer cut", len(data) - 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(dir, "cut-"+strings.ReplaceAll(tt.name, " ", "")+".jsonl.gz")
			if err := os.WriteFile(p, data[:tt.keep], 0o600); err != nil {
				t.Fatal(err)
			}
			rc, err := Open(p)
			if err == nil {
				r := NewReader(rc, ReaderOptions{})
				for err == nil {
					_, err = r.Next()
				}
				checkStats(t, r.Stats())
				rc.Close()
			}
			if err == nil || errors.Is(err, io.EOF) {
				t.Fatalf("truncated gzip read without error (%v)", err)
			}
			if !strings.Contains(err.Error(), p) {
				t.Fatalf("error %q does not name the file", err)
			}
			// The report shows the reason: say what it means for the file.
			if !strings.Contains(err.Error(), "truncated") {
				t.Errorf("error %q does not say the file is truncated", err)
			}
		})
	}
}

func TestOpenMissing(t *testing.T) {
	p := filepath.Join(t.TempDir(), "nope.jsonl")
	if _, err := Open(p); err == nil || !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), p) {
		t.Fatalf("Open(missing) = %v", err)
	}
}
