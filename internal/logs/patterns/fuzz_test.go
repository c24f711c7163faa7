package patterns

import (
	"strings"
	"testing"
)

func FuzzMine(f *testing.F) {
	for _, s := range []string{
		"Accepted password for alice from 10.0.0.1 port 22 ssh2\nFailed password for bob from 10.0.0.2 port 22 ssh2",
		"\n\n  \n",
		`say "unterminated quote and 'mixed' "quotes" here`,
		"key= =value ==x a=b=c :x x: ::: <*> <*><*> ((([[[",
		"Sun Jul 24 02:38:22 2005 Mon May Jun\nMay I\nx Jul",
		"\xff\xfe\x00 invalid \xc3\x28 utf8",
		"0x 0xg -1 +2 1e9 1.2.3.4:5 fe80::1 /a ./b ../c ~/d C:\\e http://f",
		strings.Repeat("w ", 300) + "\n" + strings.Repeat("x", 5000),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, input string) {
		msgs := strings.Split(input, "\n")
		for _, cap := range []int{0, 16} {
			m := New(Options{MaxShapes: cap})
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
	})
}
