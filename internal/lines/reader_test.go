package lines

import (
	"bytes"
	"errors"
	"io"
	"runtime"
	"strings"
	"testing"
)

type got struct {
	line string
	cut  bool
}

func readAll(t *testing.T, r *Reader) ([]got, error) {
	t.Helper()
	var out []got
	for {
		line, cut, err := r.Next()
		if err != nil {
			return out, err
		}
		out = append(out, got{string(line), cut})
	}
}

func TestNext(t *testing.T) {
	long := strings.Repeat("x", BufferSize+100) // gathered past the read buffer
	tests := []struct {
		name string
		in   string
		max  int
		want []got
	}{
		{"empty", "", 10, nil},
		{"lines and ends", "a\r\nbb\n\nlast", 10, []got{{"a", false}, {"bb", false}, {"", false}, {"last", false}}},
		{"cut at the limit", "0123456789ab\nok\n", 4, []got{{"0123", true}, {"ok", false}}},
		{"exactly the limit", "0123\r\n", 4, []got{{"0123", false}}},
		{"longer than the buffer", long + "\nnext\n", 2 * BufferSize, []got{{long, false}, {"next", false}}},
		{"cut past the buffer", long + "\nnext", 10, []got{{long[:10], true}, {"next", false}}},
		// The metrics reader's cases, from before it read through here.
		{"plain", "a\nb\n", 10, []got{{"a", false}, {"b", false}}},
		{"crlf and blank", "a\r\n\r\nb\n", 10, []got{{"a", false}, {"", false}, {"b", false}}},
		{"one over max", "abcd\nabcde\n", 4, []got{{"abcd", false}, {"abcd", true}}},
		{"long over max", "q\n" + long + "\nz", 64 << 10, []got{{"q", false}, {long[:64<<10], true}, {"z", false}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := NewReader(strings.NewReader(tt.in), tt.max)
			lines, err := readAll(t, r)
			if !errors.Is(err, io.EOF) {
				t.Fatalf("err = %v, want io.EOF", err)
			}
			if len(lines) != len(tt.want) {
				t.Fatalf("got %d lines, want %d", len(lines), len(tt.want))
			}
			for i := range lines {
				if lines[i] != tt.want[i] {
					t.Errorf("line %d = %.20q cut %v, want %.20q cut %v", i+1, lines[i].line, lines[i].cut, tt.want[i].line, tt.want[i].cut)
				}
			}
			if r.Line() != len(tt.want) || r.Bytes() != int64(len(tt.in)) {
				t.Errorf("Line %d Bytes %d, want %d %d", r.Line(), r.Bytes(), len(tt.want), len(tt.in))
			}
		})
	}
}

type failAfter struct {
	data []byte
	err  error
}

func (f *failAfter) Read(p []byte) (int, error) {
	if len(f.data) == 0 {
		return 0, f.err
	}
	n := copy(p, f.data)
	f.data = f.data[n:]
	return n, nil
}

// TestReadError: the bytes before a failure come back as a line, then the
// error, and the error again on every later call.
func TestReadError(t *testing.T) {
	boom := errors.New("disk on fire")
	r := NewReader(&failAfter{data: []byte("a\npart"), err: boom}, 10)
	lines, err := readAll(t, r)
	if !errors.Is(err, boom) || len(lines) != 2 || lines[1].line != "part" {
		t.Fatalf("lines %v err %v", lines, err)
	}
	if _, _, err := r.Next(); !errors.Is(err, boom) {
		t.Fatalf("second call: %v", err)
	}
}

// TestBoundedMemory: an 8 MB line under a 1 MiB limit never costs more
// than a few limit-sized buffers (the growing line buffer, ~3 MiB in all,
// and this test's own 1 MiB copy of the line).
func TestBoundedMemory(t *testing.T) {
	in := bytes.Repeat([]byte("y"), 8<<20)
	in = append(in, "\nafter\n"...)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	r := NewReader(bytes.NewReader(in), 1<<20)
	lines, _ := readAll(t, r)
	runtime.ReadMemStats(&after)
	if len(lines) != 2 || !lines[0].cut || len(lines[0].line) != 1<<20 || lines[1].line != "after" {
		t.Fatalf("got %d lines", len(lines))
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 5<<20 {
		t.Fatalf("allocated %d bytes for an 8 MB line; want < 5 MiB", alloc)
	}
}

func FuzzNext(f *testing.F) {
	f.Add([]byte("a\r\nbb\n\nlast"), 3)
	f.Add([]byte("\n\n\r\r\n"), 1)
	f.Fuzz(func(t *testing.T, in []byte, max int) {
		if max <= 0 || max > 1<<16 {
			return
		}
		r := NewReader(bytes.NewReader(in), max)
		var joined int
		for {
			line, cut, err := r.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(line) > max || (cut && len(line) != max) {
				t.Fatalf("line of %d bytes, cut %v, max %d", len(line), cut, max)
			}
			joined += len(line)
		}
		if r.Bytes() != int64(len(in)) || joined > len(in) {
			t.Fatalf("Bytes %d of %d, lines hold %d", r.Bytes(), len(in), joined)
		}
	})
}
