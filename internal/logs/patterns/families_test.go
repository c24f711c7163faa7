package patterns

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// readFamily reads a hand-written fixture of "event<TAB>message" lines;
// lines starting with # are comments.
func readFamily(t *testing.T, path string) (msgs, events []string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		event, msg, ok := strings.Cut(line, "\t")
		if !ok {
			t.Fatalf("%s: line %q has no tab", path, line)
		}
		events = append(events, event)
		msgs = append(msgs, msg)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return msgs, events
}

// TestMineFamilies checks, for each family of messages that once split into
// many templates or merged distinct events, that mining groups the lines
// exactly as their events: one template per event, one event per template.
func TestMineFamilies(t *testing.T) {
	tests := []struct{ name, file string }{
		{"variable leading tokens", "leading.tsv"},
		{"parameters of several tokens or with punctuation", "params.tsv"},
		{"length varies with the parameters", "length.tsv"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msgs, events := readFamily(t, filepath.Join("testdata", "families", tt.file))
			ts, assign := Mine(msgs)
			tplOf := make(map[string]int)   // event → template
			eventOf := make(map[int]string) // template → event
			for i, a := range assign {
				e := events[i]
				if prev, ok := tplOf[e]; ok && prev != a {
					t.Errorf("event %s split: line %d %q is %q, earlier lines are %q", e, i+1, msgs[i], ts[a].Template, ts[prev].Template)
				}
				if prev, ok := eventOf[a]; ok && prev != e {
					t.Errorf("template %q merges events %s and %s (line %d %q)", ts[a].Template, prev, e, i+1, msgs[i])
				}
				tplOf[e], eventOf[a] = a, e
			}
		})
	}
}
