package logs

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"
	"unicode/utf8"
)

// fuzzSeeds adds seed lines and the sample file testdata/mixed.jsonl:
// whole, or one seed a line when the target takes a single line.
func fuzzSeeds(f *testing.F, perLine bool) {
	seeds := []string{
		`{"timestamp": "2025-01-13T02:14:07.123456", "level": "ERROR", "logger": "fossawork.api", "message": "x", "exception": "a\nb"}`,
		`2025-01-13 02:14:07 | ERROR    | fossawork.api        | get_work_orders:142  | Database locked | x`,
		`2025-01-13 02:14:07,123 - n - WARN - m`,
		`INFO:     127.0.0.1:1 - "GET / HTTP/1.1" 200`,
		`[2025-01-13T02:14:07Z] [ERROR] boom`,
		"Traceback (most recent call last):\n  File \"x\"\n",
		`{"timestamp": 1e300, "level": -1e309, "status": "9e9", "duration_ms": "NaN"}`,
		`{"message": "\ud800\udc00 \u0000", "ip": {"a": [1, 2]}}`,
		"{\"a\xff\": 1",
		"\xff\xfe\r\n\r\n",
		"2025-01-13T02:14:07+99:99 x",
		"GET / 200 5ms",
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	b, err := os.ReadFile(filepath.Join("testdata", "mixed.jsonl"))
	if err != nil {
		f.Fatal(err)
	}
	if !perLine {
		f.Add(b)
		return
	}
	for line := range bytes.Lines(b) {
		f.Add(line)
	}
}

// maxLineFuzzLen bounds FuzzParseLine's input, as libFuzzer's -max_len
// does; Go's fuzzer has no such limit. Without one the mutator grows lines
// to kilobytes, and when such a line reaches coverage that depends on its
// length, minimising it tries O(n²) cuts: both workers spent the rest of
// a 45 s run on one (bench/README.md, "Fuzzing"). 1 KiB is twice
// maxPatternBytes, the longest message NormalizeMessage keeps.
const maxLineFuzzLen = 2 * maxPatternBytes

func FuzzParseLine(f *testing.F) {
	fuzzSeeds(f, true)
	f.Fuzz(func(t *testing.T, line []byte) {
		if len(line) > maxLineFuzzLen {
			return
		}
		e, kind := ParseLine(line, time.UTC)
		if kind > KindMalformed {
			t.Fatalf("kind %d", kind)
		}
		for _, s := range []string{e.Message, e.Logger, e.Exception, e.Path, e.User, e.ClientIP, e.Method, e.UserAgent} {
			if !utf8.ValidString(s) {
				t.Fatalf("invalid UTF-8 in entry %+v", e)
			}
		}
		if kind == KindEntry && e.Shape == ShapeUnknown {
			t.Fatalf("entry without shape: %+v", e)
		}
		NormalizeMessage(e.Message)
	})
}

func FuzzReader(f *testing.F) {
	fuzzSeeds(f, false)
	f.Fuzz(func(t *testing.T, data []byte) {
		r := NewReader(bytes.NewReader(data), ReaderOptions{Location: time.UTC, MaxLineBytes: 64, MaxExceptionBytes: 32})
		last := 0
		for {
			e, err := r.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatalf("Next: %v", err)
			}
			if e.Line <= last {
				t.Fatalf("entry line %d after %d", e.Line, last)
			}
			last = e.Line
			if len(e.Exception) > 32 && e.Shape != ShapeJSON {
				t.Fatalf("exception over bound: %d bytes", len(e.Exception))
			}
		}
		st := r.Stats()
		checkStats(t, st)
		if st.Bytes != int64(len(data)) {
			t.Fatalf("read %d of %d bytes", st.Bytes, len(data))
		}
		if last > st.Lines || len(st.MalformedLines) > MaxMalformedLines {
			t.Fatalf("stats %+v, last entry line %d", st, last)
		}
	})
}
