package logs

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/")

// readAll drains a Reader, failing the test on anything but io.EOF.
func readAll(t testing.TB, r io.Reader, opts ReaderOptions) ([]Entry, Stats) {
	t.Helper()
	rd := NewReader(r, opts)
	var out []Entry
	for {
		e, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("Next: %v", err)
		}
		out = append(out, e)
	}
	st := rd.Stats()
	checkStats(t, st)
	return out, st
}

func checkStats(t testing.TB, st Stats) {
	t.Helper()
	if sum := st.Entries + st.Continuations + st.Blank + st.Malformed; sum != st.Lines {
		t.Fatalf("stats do not add up: %+v (sum %d)", st, sum)
	}
}

// TestReaderGolden reads testdata/mixed.jsonl (every shape, a traceback,
// CRLF, blank lines, garbage, a truncated JSON line mid-file and as the
// last line) and compares the entries with testdata/mixed.golden.json.
func TestReaderGolden(t *testing.T) {
	f, err := os.Open(filepath.Join("testdata", "mixed.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	entries, st := readAll(t, f, ReaderOptions{Location: time.UTC})
	got, err := json.MarshalIndent(struct {
		Entries []Entry
		Stats   Stats
	}{entries, st}, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "mixed.golden.json")
	if *update {
		if err := os.WriteFile(golden, append(got, '\n'), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to create)", err)
	}
	if !bytes.Equal(bytes.TrimSpace(want), got) {
		t.Errorf("entries differ from %s (run with -update after checking):\n%s", golden, got)
	}
}

func TestReaderCases(t *testing.T) {
	tb := "Traceback (most recent call last):\n  File \"a.py\", line 1, in f\nValueError: x"
	tests := []struct {
		name   string
		in     string
		msgs   []string // Message of each entry
		excs   []string // Exception of each entry
		lines  []int
		stats  Stats
		malLns []int
	}{
		{"traceback joined", "2025-01-13 02:14:07 | ERROR | a | f:1 | boom\n" + tb + "\n2025-01-13 02:14:08 | INFO | a | f:1 | next\n",
			[]string{"boom", "next"}, []string{tb, ""}, []int{1, 5}, Stats{Lines: 5, Entries: 2, Continuations: 3}, nil},
		{"json exception plus continuation", `{"message": "m", "exception": "E1"}` + "\n  more\n",
			[]string{"m"}, []string{"E1\n  more"}, []int{1}, Stats{Lines: 2, Entries: 1, Continuations: 1}, nil},
		{"blank inside traceback", "2025-01-13 02:14:07 ERROR a\nTraceback:\n\n  x\n",
			[]string{"a"}, []string{"Traceback:\n  x"}, []int{1}, Stats{Lines: 4, Entries: 1, Continuations: 2, Blank: 1}, nil},
		{"truncated last line json", "2025-01-13 02:14:07 INFO a\n{\"message\": \"cut",
			[]string{"a"}, []string{""}, []int{1}, Stats{Lines: 2, Entries: 1, Malformed: 1}, []int{2}},
		{"truncated last line text", "2025-01-13 02:14:07 INFO a\n2025-01-13 02:14:08 INFO b wi",
			[]string{"a", "b wi"}, []string{"", ""}, []int{1, 2}, Stats{Lines: 2, Entries: 2}, nil},
		{"crlf", "2025-01-13 02:14:07 ERROR a\r\n  tb\r\n\r\n",
			[]string{"a"}, []string{"  tb"}, []int{1}, Stats{Lines: 3, Entries: 1, Continuations: 1, Blank: 1}, nil},
		{"garbage does not poison next", "\xff\xfe\xfd\n{\"message\": \"ok\"}\n",
			[]string{"ok"}, []string{""}, []int{2}, Stats{Lines: 2, Entries: 1, Malformed: 1}, []int{1}},
		{"continuation after malformed is dropped", "2025-01-13 02:14:07 INFO a\n{\"message\n  tb of the broken line\n",
			[]string{"a"}, []string{""}, []int{1}, Stats{Lines: 3, Entries: 1, Continuations: 1, Malformed: 1}, []int{2}},
		{"orphan text at start kept", "some text\n  indented\n",
			[]string{"some text"}, []string{"  indented"}, []int{1}, Stats{Lines: 2, Entries: 1, Continuations: 1}, nil},
		{"empty", "", nil, nil, nil, Stats{}, nil},
		{"only blanks", "\n\n \n", nil, nil, nil, Stats{Lines: 3, Blank: 3}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			entries, st := readAll(t, strings.NewReader(tt.in), ReaderOptions{Location: time.UTC})
			if len(entries) != len(tt.msgs) {
				t.Fatalf("got %d entries %+v, want %d", len(entries), entries, len(tt.msgs))
			}
			for i, e := range entries {
				if e.Message != tt.msgs[i] || e.Exception != tt.excs[i] || e.Line != tt.lines[i] {
					t.Errorf("entry %d = line %d %q / %q, want line %d %q / %q", i, e.Line, e.Message, e.Exception, tt.lines[i], tt.msgs[i], tt.excs[i])
				}
			}
			tt.stats.MalformedLines = tt.malLns
			st.Bytes = 0
			if !equalStats(st, tt.stats) {
				t.Errorf("stats = %+v, want %+v", st, tt.stats)
			}
		})
	}
}

func equalStats(a, b Stats) bool {
	return slices.Equal(a.MalformedLines, b.MalformedLines) &&
		a.Lines == b.Lines && a.Entries == b.Entries && a.Continuations == b.Continuations &&
		a.Blank == b.Blank && a.Malformed == b.Malformed && a.LongLines == b.LongLines && a.Bytes == b.Bytes
}

func TestReaderExceptionBound(t *testing.T) {
	var b strings.Builder
	b.WriteString("2025-01-13 02:14:07 ERROR a\n")
	for range 1000 {
		b.WriteString("  File \"x.py\", line 1, in f\n")
	}
	entries, st := readAll(t, strings.NewReader(b.String()), ReaderOptions{MaxExceptionBytes: 1024})
	if len(entries) != 1 || !entries[0].ExceptionTruncated || len(entries[0].Exception) > 1024 {
		t.Fatalf("exception not bounded: %d bytes, truncated=%v", len(entries[0].Exception), entries[0].ExceptionTruncated)
	}
	if st.Continuations != 1000 {
		t.Fatalf("continuations = %d, want 1000", st.Continuations)
	}
}

func TestReaderMalformedEvidenceBounded(t *testing.T) {
	in := strings.Repeat("{broken\n", 50)
	_, st := readAll(t, strings.NewReader(in), ReaderOptions{})
	if st.Malformed != 50 || len(st.MalformedLines) != MaxMalformedLines || st.MalformedLines[19] != 20 {
		t.Fatalf("stats = %+v", st)
	}
}

// hugeLine streams `{"message": "xxxx...` of n bytes, then a newline and a
// good line, without ever holding the big line in memory itself.
type hugeLine struct {
	n, off int
	tail   string
}

func (h *hugeLine) Read(p []byte) (int, error) {
	if h.off >= h.n+len(h.tail) {
		return 0, io.EOF
	}
	k := 0
	for k < len(p) && h.off < h.n {
		if h.off == 0 {
			k += copy(p[k:], `{"message": "`)
			h.off += len(`{"message": "`)
			continue
		}
		c := min(len(p)-k, h.n-h.off)
		for i := range c {
			p[k+i] = 'x'
		}
		k += c
		h.off += c
	}
	if k < len(p) && h.off >= h.n {
		c := copy(p[k:], h.tail[h.off-h.n:])
		k += c
		h.off += c
	}
	return k, nil
}

// TestReaderLongLineBoundedMemory feeds one 8 MB line between two good ones:
// it is counted as malformed, the next line is read, and the reader
// allocates far less than the line's size.
func TestReaderLongLineBoundedMemory(t *testing.T) {
	const size = 8 << 20
	src := &hugeLine{n: size, tail: "\"}\n2025-01-13 02:14:07 INFO after\n"}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	entries, st := readAll(t, src, ReaderOptions{MaxLineBytes: 1 << 20})
	runtime.ReadMemStats(&after)
	if len(entries) != 1 || entries[0].Message != "after" || entries[0].Line != 2 {
		t.Fatalf("entries = %+v", entries)
	}
	if st.Malformed != 1 || st.LongLines != 1 || st.MalformedLines[0] != 1 || st.Bytes != int64(size+len(src.tail)) {
		t.Fatalf("stats = %+v", st)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 4<<20 {
		t.Fatalf("reading an 8 MB line allocated %d bytes; want < 4 MiB (line limit 1 MiB)", alloc)
	}
}

// TestReaderLongLineWithinLimit proves several-MB lines parse when the
// limit allows them.
func TestReaderLongLineWithinLimit(t *testing.T) {
	src := &hugeLine{n: 3 << 20, tail: "\"}\n"}
	entries, st := readAll(t, src, ReaderOptions{MaxLineBytes: 4 << 20})
	if len(entries) != 1 || len(entries[0].Message) != 3<<20-len(`{"message": "`) || st.Malformed != 0 {
		t.Fatalf("got %d entries, stats %+v", len(entries), st)
	}
}

func TestReaderReadError(t *testing.T) {
	boom := errors.New("disk on fire")
	r := NewReader(io.MultiReader(strings.NewReader("2025-01-13 02:14:07 INFO a\n2025-01-13 02:14:08 INFO b\n"), errReader{boom}), ReaderOptions{})
	var msgs []string
	var err error
	for {
		var e Entry
		if e, err = r.Next(); err != nil {
			break
		}
		msgs = append(msgs, e.Message)
	}
	if !errors.Is(err, boom) || strings.Join(msgs, ",") != "a,b" {
		t.Fatalf("got %v, %v", msgs, err)
	}
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

// TestReaderTruncatesLongPipeLine: a 20 MB pipe-shaped line (a huge
// message) is truncated to the limit and still gives its entry.
func TestReaderTruncatesLongPipeLine(t *testing.T) {
	head := "2025-01-13 02:14:07 | ERROR    | fossawork.api        | get_work_orders:142  | payload "
	var b strings.Builder
	b.WriteString(head)
	b.WriteString(strings.Repeat("x", 20<<20))
	b.WriteString("\n2025-01-13 02:14:08 | INFO     | fossawork.api        | get_work_orders:143  | after\n")
	// The default limit is issue 4's 16 MB.
	r := NewReader(strings.NewReader(b.String()), ReaderOptions{Location: time.UTC})
	e, err := r.Next()
	if err != nil || e.Level != LevelError || !strings.HasPrefix(e.Message, "payload xxx") || len(e.Message) > 16<<20 {
		t.Fatalf("truncated entry: level %v len %d err %v", e.Level, len(e.Message), err)
	}
	e, err = r.Next()
	if err != nil || e.Message != "after" {
		t.Fatalf("next entry %q %v", e.Message, err)
	}
	if st := r.Stats(); st.LongLines != 1 || st.Malformed != 0 || st.Entries != 2 {
		t.Fatalf("stats %+v", st)
	}
}
