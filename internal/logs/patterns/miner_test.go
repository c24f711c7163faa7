package patterns

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
)

// groupsOf mines msgs and returns, per template text, the indexes of the
// messages assigned to it.
func groupsOf(t *testing.T, msgs []string) map[string][]int {
	t.Helper()
	ts, assign := Mine(msgs)
	got := make(map[string][]int)
	for i, a := range assign {
		got[ts[a].Template] = append(got[ts[a].Template], i)
	}
	return got
}

func TestMineGroups(t *testing.T) {
	tests := []struct {
		name string
		msgs []string
		want map[string][]int
	}{
		{
			name: "user names vary, the verb tells events apart",
			msgs: []string{
				"Accepted password for alice from 10.0.0.1 port 5122 ssh2",
				"Failed password for bob from 10.0.0.2 port 5123 ssh2",
				"Failed password for carol from 10.0.0.3 port 5124 ssh2",
				"Failed password for dave from 10.0.0.4 port 5125 ssh2",
				"Accepted password for erin from 10.0.0.5 port 5126 ssh2",
				"Accepted password for frank from 10.0.0.6 port 5127 ssh2",
			},
			want: map[string][]int{
				"Accepted password for <*> from <*> port <*>": {0, 4, 5},
				"Failed password for <*> from <*> port <*>":   {1, 2, 3},
			},
		},
		{
			name: "two values are two events",
			msgs: []string{
				"session opened for user root",
				"session closed for user root",
				"session opened for user root",
			},
			want: map[string][]int{
				"session opened for user root": {0, 2},
				"session closed for user root": {1},
			},
		},
		{
			name: "unrelated events of the same length stay apart",
			msgs: []string{
				"Database locked while updating order 17",
				"Scheduler finished sync run in 4s",
				"Database locked while updating order 18",
				"Scheduler finished sync run in 9s",
			},
			want: map[string][]int{
				"Database locked while updating order <*>": {0, 2},
				"Scheduler finished sync run in <*>":       {1, 3},
			},
		},
		{
			name: "a list of any length is one variable",
			msgs: []string{
				"ask 10.0.0.1:50010 to delete blk_1",
				"ask 10.0.0.2:50010 to delete blk_2 blk_3 blk_4",
				"ask 10.0.0.3:50010 to delete blk_5 blk_6",
			},
			want: map[string][]int{"ask <*> to delete <*>": {0, 1, 2}},
		},
		{
			name: "a column of masked and unmasked words is a variable",
			msgs: []string{
				"connection from 1.2.3.4 (host-1-2-3-4.example.net) closed",
				"connection from 5.6.7.8 () closed",
				"connection from 9.9.9.9 (mail.example.org) closed",
			},
			want: map[string][]int{"connection from <*> closed": {0, 1, 2}},
		},
		{
			name: "blank lines group together",
			msgs: []string{"", "x 1", "  ", "x 2"},
			want: map[string][]int{"": {0, 2}, "x <*>": {1, 3}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := groupsOf(t, tt.msgs)
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("groups:\n got %v\nwant %v", got, tt.want)
			}
		})
	}
}

func TestMatchAgreesWithTemplates(t *testing.T) {
	msgs := syntheticLog(20000, 3)
	m := New(Options{Examples: 2})
	for _, s := range msgs {
		m.Add(s)
	}
	ts := m.Templates()
	want := make(map[string]int)
	total := 0
	for _, tpl := range ts {
		want[tpl.ID] = tpl.Count
		total += tpl.Count
		if len(tpl.Examples) == 0 || len(tpl.Examples) > 2 {
			t.Errorf("template %q has %d examples", tpl.Template, len(tpl.Examples))
		}
	}
	if total != len(msgs) {
		t.Fatalf("templates count %d lines, want %d", total, len(msgs))
	}
	got := make(map[string]int)
	for _, s := range msgs {
		tpl, ok := m.Match(s)
		if !ok {
			t.Fatalf("no template for %q", s)
		}
		got[tpl.ID]++
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("Match counts %v, Templates counts %v", got, want)
	}
	if n := len(ts); n != 6 {
		for _, tpl := range ts {
			t.Log(tpl.Count, tpl.Template)
		}
		t.Errorf("%d templates from 6 event shapes", n)
	}
	if _, ok := New(Options{}).Match("never seen"); ok {
		t.Error("an empty miner matched a message")
	}
}

func TestTemplateIDsStable(t *testing.T) {
	a, _ := Mine([]string{"disk 1 full", "disk 2 full", "fan stopped"})
	b, _ := Mine([]string{"fan stopped", "disk 3 full"})
	ids := func(ts []Template) map[string]string {
		m := make(map[string]string)
		for _, t := range ts {
			m[t.Template] = t.ID
		}
		return m
	}
	if fmt.Sprint(ids(a)) != fmt.Sprint(ids(b)) {
		t.Errorf("ids differ between runs: %v vs %v", ids(a), ids(b))
	}
}

func TestMinerConcurrentUse(t *testing.T) {
	msgs := syntheticLog(4000, 5)
	m := New(Options{})
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := w; i < len(msgs); i += 4 {
				m.Add(msgs[i])
				if i%500 == 0 {
					m.Templates()
				}
			}
		})
	}
	wg.Wait()
	total := 0
	for _, tpl := range m.Templates() {
		total += tpl.Count
	}
	if total != len(msgs) {
		t.Fatalf("counted %d lines, want %d", total, len(msgs))
	}
}

// randomMessage is a message of random words, so no two share a template.
func randomMessage(r *rand.Rand, b *strings.Builder) string {
	b.Reset()
	n := 3 + r.IntN(6)
	for i := range n {
		if i > 0 {
			b.WriteByte(' ')
		}
		for range 3 + r.IntN(6) {
			b.WriteByte(byte('a' + r.IntN(26)))
		}
	}
	return b.String()
}

func TestMemoryBoundedByShapeCap(t *testing.T) {
	const limit = 4096
	lines := 1_000_000
	if testing.Short() {
		lines = 200_000
	}
	m := New(Options{MaxShapes: limit})
	r := rand.New(rand.NewPCG(1, 2))
	var b strings.Builder
	var peakShapes, peakIndex int
	var ms runtime.MemStats
	var heapMid uint64
	for i := range lines {
		m.Add(randomMessage(r, &b))
		if i%50000 == 0 {
			peakShapes = max(peakShapes, len(m.shapes))
			peakIndex = max(peakIndex, len(m.index))
		}
		if i == lines/4 {
			runtime.GC()
			runtime.ReadMemStats(&ms)
			heapMid = ms.HeapAlloc
		}
	}
	if peakShapes > limit || peakIndex > 2*limit {
		t.Fatalf("shapes peaked at %d, index at %d; cap %d", peakShapes, peakIndex, limit)
	}
	runtime.GC()
	runtime.ReadMemStats(&ms)
	// Memory at the end is that of a quarter of the way through, give or
	// take the garbage collector: it does not grow with the input.
	if ms.HeapAlloc > 2*heapMid+8<<20 {
		t.Errorf("heap grew from %d to %d bytes", heapMid, ms.HeapAlloc)
	}
	ts := m.Templates()
	total := 0
	for _, tpl := range ts {
		total += tpl.Count
	}
	if total != lines {
		t.Errorf("templates count %d lines, want %d", total, lines)
	}
	if !slices.ContainsFunc(ts, func(t Template) bool { return t.Template == OverflowTemplate }) {
		t.Error("no overflow template although shapes were evicted")
	}
}
