package logs

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// writeMixedLog writes about size bytes of FossaWork-shaped log: two thirds
// JSON lines, one third pipe lines, a traceback after some errors, blank
// lines and the odd truncated line.
func writeMixedLog(tb testing.TB, path string, size int64) {
	tb.Helper()
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	w := bufio.NewWriter(f)
	rng := rand.New(rand.NewPCG(1, 2))
	levels := []string{"DEBUG", "INFO", "INFO", "INFO", "WARNING", "ERROR"}
	t0 := time.Date(2025, 1, 13, 0, 0, 0, 0, time.UTC)
	var n int64
	for i := 0; n < size; i++ {
		ts := t0.Add(time.Duration(i) * 250 * time.Millisecond)
		lvl := levels[rng.IntN(len(levels))]
		var k int
		switch r := rng.IntN(100); {
		case r < 66:
			k, _ = fmt.Fprintf(w, `{"timestamp": "%s", "level": "%s", "logger": "fossawork.api", "message": "GET /api/dispensers?work_order_id=%08x 200 %dms", "module": "workfossa", "function": "sync", "line": %d, "thread": 1403, "process": 4242, "pathname": "/backend/app/services/workfossa.py", "exception": null, "ip": "10.0.%d.%d"}`+"\n",
				ts.Format("2006-01-02T15:04:05.000000"), lvl, rng.Uint32(), rng.IntN(5000), rng.IntN(900), rng.IntN(255), rng.IntN(255))
		case r < 97:
			k, _ = fmt.Fprintf(w, "%s | %-8s | %-20s | %-15s:%-4d | Database locked while updating work order %08x-%04x\n",
				ts.Format("2006-01-02 15:04:05"), lvl, "fossawork.scheduler", "sync", rng.IntN(900), rng.Uint32(), rng.IntN(65535))
		case r < 99:
			k, _ = w.WriteString("Traceback (most recent call last):\n  File \"/backend/app/services/workfossa.py\", line 212, in sync\n    await page.goto(url)\nTimeoutError: Timeout 30000ms exceeded.\n\n")
		default:
			k, _ = w.WriteString(`{"timestamp": "2025-01-13T02:14:07", "level": "INFO", "mess` + "\n")
		}
		n += int64(k)
	}
	if err := w.Flush(); err != nil {
		tb.Fatal(err)
	}
	if err := f.Close(); err != nil {
		tb.Fatal(err)
	}
}

// BenchmarkReader reads a generated 50 MB mixed-shape file from disk
// through Open and Reader; MB/s is reported per iteration.
func BenchmarkReader(b *testing.B) {
	path := filepath.Join(b.TempDir(), "backend-general-2025-01-13.jsonl")
	writeMixedLog(b, path, 50<<20)
	info, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(info.Size())
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		rc, err := Open(path)
		if err != nil {
			b.Fatal(err)
		}
		r := NewReader(rc, ReaderOptions{Location: time.UTC})
		for {
			if _, err := r.Next(); err != nil {
				if !errors.Is(err, io.EOF) {
					b.Fatal(err)
				}
				break
			}
		}
		rc.Close()
	}
}

func BenchmarkParseLine(b *testing.B) {
	lines := map[string][]byte{
		"json": []byte(`{"timestamp": "2025-01-13T02:14:07.123456", "level": "INFO", "logger": "fossawork.api", "message": "GET /api/dispensers?work_order_id=a32e6908 200 1035ms", "module": "workfossa", "function": "sync", "line": 424, "thread": 1403, "process": 4242, "pathname": "/backend/app/services/workfossa.py", "exception": null}`),
		"pipe": []byte(`2025-01-13 02:14:07 | ERROR    | fossawork.api        | get_work_orders:142  | Database locked while updating work order eca06060-6516`),
	}
	for name, line := range lines {
		b.Run(name, func(b *testing.B) {
			p := newLineParser(time.UTC)
			b.SetBytes(int64(len(line)))
			b.ReportAllocs()
			for b.Loop() {
				var e Entry
				p.parse(line, &e)
			}
		})
	}
}
