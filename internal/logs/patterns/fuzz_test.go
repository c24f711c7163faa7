package patterns

import (
	"strings"
	"testing"
)

// maxFuzzBytes bounds the input of one FuzzMine run. Every behaviour it
// checks shows in a few lines, the caps of 128 words and 256 bytes a word
// included, and a bounded input keeps each run fast, and above all the
// minimising of each new input the fuzzer finds, which costs a run per pair
// of bytes. Huge messages are covered by TestTokenizeBoundsHugeMessages and
// TestLongLineIsCut.
const maxFuzzBytes = 512

func FuzzMine(f *testing.F) {
	for _, s := range []string{
		"Accepted password for alice from 10.0.0.1 port 22 ssh2\nFailed password for bob from 10.0.0.2 port 22 ssh2",
		"\n\n  \n",
		`say "unterminated quote and 'mixed' "quotes" here`,
		"key= =value ==x a=b=c :x x: ::: <*> <*><*> ((([[[",
		`tag="View Lock", ws=WorkSource{1} a=(b, c=[d`,
		"Sun Jul 24 02:38:22 2005 Mon May Jun\nMay I\nx Jul",
		"\xff\xfe\x00 invalid \xc3\x28 utf8",
		"0x 0xg -1 +2 1e9 1.2.3.4:5 fe80::1 /a ./b ../c ~/d C:\\e http://f",
		"a.exe - h.example.com:443 close, 1 bytes (1.2 KB) sent, lifetime <1 sec\nb.exe - h:80 close, 2 bytes sent, lifetime 00:01",
		"(<*> <*>): 1, 2, 3 (4 5) [6 7] '8 9' \"10 11\" 12 KB) s %",
		strings.Repeat("w ", maxWords+2),
		strings.Repeat("x", maxWordBytes+1) + "\nx",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, input string) {
		if len(input) > maxFuzzBytes {
			input = input[:maxFuzzBytes]
		}
		msgs := strings.Split(input, "\n")
		for _, cap := range []int{0, 16} {
			checkMiner(t, New(Options{MaxShapes: cap}), msgs)
		}
	})
}

// checkMiner adds msgs to m and checks that the templates count every line
// once, have distinct ids, and that Match gives each line one of them.
func checkMiner(t *testing.T, m *Miner, msgs []string) {
	t.Helper()
	for _, s := range msgs {
		m.Add(s)
	}
	ts := m.Templates()
	ids := make(map[string]bool, len(ts))
	total := 0
	for _, tpl := range ts {
		if ids[tpl.ID] {
			t.Fatalf("duplicate template id %s", tpl.ID)
		}
		ids[tpl.ID] = true
		total += tpl.Count
	}
	if total != len(msgs) {
		t.Fatalf("templates count %d lines, want %d", total, len(msgs))
	}
	for _, s := range msgs {
		tpl, ok := m.Match(s)
		if !ok || !ids[tpl.ID] {
			t.Fatalf("line %q has no template (ok=%v id=%q)", s, ok, tpl.ID)
		}
	}
}
