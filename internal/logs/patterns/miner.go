package patterns

import (
	"cmp"
	"slices"
	"strings"
	"sync"
)

// DefaultMaxShapes is the number of distinct masked messages a Miner keeps
// before it compacts them into templates.
const DefaultMaxShapes = 50000

// maxExampleBytes bounds each kept example message.
const maxExampleBytes = 512

// Options tune a Miner. The zero value is the default configuration; there
// is deliberately no knob for the grouping itself, which is the same for
// every log family.
type Options struct {
	// MaxShapes caps the distinct masked messages held in memory (default
	// DefaultMaxShapes). When it is reached the miner merges them into
	// templates and, if that is not enough, folds the least used into the
	// overflow template, so memory stays bounded whatever the input.
	MaxShapes int
	// Examples is the number of example messages kept per template
	// (default 1; negative keeps none).
	Examples int
}

func (o Options) withDefaults() Options {
	if o.MaxShapes <= 0 {
		o.MaxShapes = DefaultMaxShapes
	}
	if o.MaxShapes < 16 {
		o.MaxShapes = 16
	}
	if o.Examples == 0 {
		o.Examples = 1
	}
	if o.Examples < 0 {
		o.Examples = 0
	}
	return o
}

// Template is one group of messages: the text they share with every
// variable part replaced by Wildcard.
type Template struct {
	// ID is derived from Template alone, so it is stable across runs and
	// machines and can be compared with a previous run's.
	ID       string   `json:"id"`
	Template string   `json:"template"`
	Count    int      `json:"count"`
	Examples []string `json:"examples,omitempty"`
}

// OverflowTemplate collects the messages of shapes evicted to keep memory
// bounded.
const OverflowTemplate = Wildcard

// Miner groups messages into templates. Add every message first, then read
// Templates and assign each message with Match: grouping needs the whole
// input (a word is known to be variable only once it has been seen to vary),
// and Match is consistent with Templates for every message added.
//
// A Miner is safe for concurrent use; calls are serialised.
type Miner struct {
	mu       sync.Mutex
	opts     Options
	tok      tokenizer
	index    map[string]int32 // masked key → shape
	shapes   []*shapeRec
	general  map[int][]int32 // merged shapes by word count
	seq      uint64
	overflow int
	final    *result // nil when messages were added since it was built
}

// shapeRec is one distinct masked message, or after compaction one merged
// group of them.
type shapeRec struct {
	words    []string
	count    int
	last     uint64
	general  bool // holds wildcards from merging: lines may match it
	examples []string
}

// New returns a Miner; zero Options are the default.
func New(opts Options) *Miner {
	return &Miner{opts: opts.withDefaults(), index: make(map[string]int32)}
}

// Add records one message.
func (m *Miner) Add(msg string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.final = nil
	m.seq++
	m.tok.tokenize(msg)
	i, ok := m.index[string(m.tok.key)]
	if !ok {
		i = m.newShape(msg)
	}
	s := m.shapes[i]
	s.count++
	s.last = m.seq
	if len(s.examples) < m.opts.Examples {
		s.examples = append(s.examples, example(msg))
	}
}

// newShape finds or creates the shape for the key in m.tok.
func (m *Miner) newShape(msg string) int32 {
	words := m.tok.wordList()
	if i, ok := m.matchGeneral(words); ok {
		if len(m.index) < 2*m.opts.MaxShapes {
			m.index[strings.Join(words, " ")] = i
		}
		return i
	}
	if len(m.shapes) >= m.opts.MaxShapes {
		m.compact()
		if i, ok := m.matchGeneral(words); ok {
			return i
		}
	}
	i := int32(len(m.shapes))
	m.shapes = append(m.shapes, &shapeRec{words: words})
	m.index[string(m.tok.key)] = i
	return i
}

// matchGeneral finds a merged shape whose wildcards cover words.
func (m *Miner) matchGeneral(words []string) (int32, bool) {
	best, bestLit := int32(-1), -1
	for _, i := range m.general[len(words)] {
		if lit, ok := covers(m.shapes[i].words, words); ok && lit > bestLit {
			best, bestLit = i, lit
		}
	}
	return best, best >= 0
}

// covers reports whether template words t cover words w, and how many
// literal words they share.
func covers(t, w []string) (int, bool) {
	lit := 0
	for p := range t {
		switch {
		case t[p] == Wildcard:
		case t[p] == w[p]:
			lit++
		default:
			return 0, false
		}
	}
	return lit, true
}

func example(msg string) string {
	if len(msg) > maxExampleBytes {
		msg = strings.ToValidUTF8(msg[:maxExampleBytes], "")
	}
	return strings.Clone(msg)
}

// compact merges the shapes into their current templates and, when that
// leaves more than half the cap, folds the least used and least recently
// seen into the overflow count.
func (m *Miner) compact() {
	r := build(m.shapes, 0, false)
	merged := make([]*shapeRec, len(r.groups))
	for i, g := range r.groups {
		merged[i] = &shapeRec{words: g.words, general: g.general}
	}
	for i, s := range m.shapes {
		g := merged[r.shapeGrp[i]]
		g.count += s.count
		g.last = max(g.last, s.last)
		for _, e := range s.examples {
			if len(g.examples) < m.opts.Examples {
				g.examples = append(g.examples, e)
			}
		}
	}
	if limit := m.opts.MaxShapes / 2; len(merged) > limit {
		slices.SortFunc(merged, func(a, b *shapeRec) int {
			return cmp.Or(cmp.Compare(b.count, a.count), cmp.Compare(b.last, a.last))
		})
		for _, s := range merged[limit:] {
			m.overflow += s.count
		}
		clear(merged[limit:])
		merged = merged[:limit]
	}
	m.shapes = merged
	m.index = make(map[string]int32, len(merged))
	m.general = make(map[int][]int32)
	for i, s := range merged {
		m.index[strings.Join(s.words, " ")] = int32(i)
		if s.general {
			m.general[len(s.words)] = append(m.general[len(s.words)], int32(i))
		}
	}
}

// Templates returns the templates of every message added so far, most
// frequent first.
func (m *Miner) Templates() []Template {
	m.mu.Lock()
	defer m.mu.Unlock()
	r := m.result()
	out := make([]Template, len(r.templates))
	for i, t := range r.templates {
		t.Examples = slices.Clone(t.Examples)
		out[i] = t
	}
	return out
}

// Match returns the template a message belongs to, without examples. For
// every message that was added, it is the template Templates counted it in.
// A message never added gets the most specific template covering it, or
// false.
func (m *Miner) Match(msg string) (Template, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r := m.result()
	m.tok.tokenize(msg)
	if i, ok := m.index[string(m.tok.key)]; ok {
		return r.templates[r.shapeTo[i]].bare(), true
	}
	words := m.tok.wordList()
	if i, ok := r.match(words); ok {
		return r.templates[i].bare(), true
	}
	if r.overflow >= 0 {
		return r.templates[r.overflow].bare(), true
	}
	return Template{}, false
}

func (t Template) bare() Template {
	t.Examples = nil
	return t
}

func (m *Miner) result() *result {
	if m.final == nil {
		m.final = build(m.shapes, m.opts.Examples, true)
		m.final.addOverflow(m.overflow)
		m.final.sort()
	}
	return m.final
}

// Mine groups msgs with the default configuration and returns the templates
// and, for each message, the index in them of its template.
func Mine(msgs []string) ([]Template, []int) {
	m := New(Options{})
	for _, s := range msgs {
		m.Add(s)
	}
	ts := m.Templates()
	pos := make(map[string]int, len(ts))
	for i, t := range ts {
		pos[t.ID] = i
	}
	assign := make([]int, len(msgs))
	for i, s := range msgs {
		t, _ := m.Match(s)
		assign[i] = pos[t.ID]
	}
	return ts, assign
}
