package sandbox

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestLogLineShapes(t *testing.T) {
	at := time.Date(2025, 1, 13, 2, 14, 7, 123456000, time.UTC)
	e := LogRecord{T: at, Level: "ERROR", Logger: "fossawork.api", Func: "get_work_orders", Line: 142,
		Msg: "Database locked while updating work order 9a3c810a-175f"}
	withExc := e
	withExc.Exc = "Traceback (most recent call last):\n  File \"x.py\", line 1, in f\nValueError: \"bad\""
	tests := []struct {
		name string
		got  string
		want string
	}{
		{"pipe", string(AppendPipeLine(nil, e)),
			"2025-01-13 02:14:07 | ERROR    | fossawork.api        | get_work_orders:142  | Database locked while updating work order 9a3c810a-175f\n"},
		{"pipe traceback", string(AppendPipeLine(nil, withExc)),
			"2025-01-13 02:14:07 | ERROR    | fossawork.api        | get_work_orders:142  | Database locked while updating work order 9a3c810a-175f\n" +
				"Traceback (most recent call last):\n  File \"x.py\", line 1, in f\nValueError: \"bad\"\n"},
		{"json", string(AppendJSONLine(nil, e)),
			`{"timestamp": "2025-01-13T02:14:07.123456", "level": "ERROR", "logger": "fossawork.api", ` +
				`"message": "Database locked while updating work order 9a3c810a-175f", "module": "api", ` +
				`"function": "get_work_orders", "line": 142, "thread": 140230514, "process": 4242, ` +
				`"pathname": "/opt/fossawork/backend/app/api.py", "exception": null}` + "\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got\n%s\nwant\n%s", tt.got, tt.want)
			}
		})
	}
	var decoded map[string]any
	if err := json.Unmarshal(AppendJSONLine(nil, withExc), &decoded); err != nil || decoded["exception"] != withExc.Exc {
		t.Errorf("traceback does not round-trip through JSON: %v %v", err, decoded["exception"])
	}
}

// maxFuzzLen bounds this package's fuzz inputs, as libFuzzer's -max_len
// does; Go's fuzzer has no such limit. This test binary links the whole
// demo installation (SQLite among it): 118,000 coverage counters, which
// the fuzzer walks after every exec. When the mutator has grown an input
// to kilobytes and it reaches length-dependent coverage, minimising it
// tries O(n²) cuts at that cost each, and both workers spend the rest of
// a 45 s run on it (bench/README.md, "Fuzzing"). 256 bytes hold every
// escape and every settings field several times over.
const maxFuzzLen = 256

// FuzzAppendJSONString: whatever a message holds, the line stays valid
// JSON and valid UTF-8 text round-trips.
func FuzzAppendJSONString(f *testing.F) {
	for _, s := range []string{"", "plain", "quote \" and \\ backslash", "tab\tnl\ncr\r", "\x00\x1f\x7f", "\xff\xfe", "héllo ✓", "<script>"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if len(s) > maxFuzzLen {
			return
		}
		b := AppendJSONString(nil, s)
		var back string
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatalf("invalid JSON %q for %q: %v", b, s, err)
		}
		if utf8.ValidString(s) && back != s {
			t.Fatalf("round trip %q -> %q", s, back)
		}
		if strings.ContainsRune(string(b), '\n') {
			t.Fatalf("raw newline in %q", b)
		}
	})
}
