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

func fuzzSeeds(f *testing.F) {
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
	if b, err := os.ReadFile(filepath.Join("testdata", "mixed.jsonl")); err == nil {
		f.Add(b)
	}
}

func FuzzParseLine(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, line []byte) {
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
	fuzzSeeds(f)
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
