package patterns

import (
	"cmp"
	"fmt"
	"hash/fnv"
	"slices"
	"strings"
)

// group is one cluster of same-length shapes: its words, with a wildcard
// wherever the members differ.
type group struct {
	words   []string
	general bool // some word became a wildcard by merging
}

// result is a grouping of every shape, ready to answer Templates and Match.
type result struct {
	groups    []group
	templates []Template
	shapeTo   []int32 // shape → template
	shapeGrp  []int32 // shape → group
	groupTo   []int32 // group → template
	overflow  int     // template index of the overflow template, or -1
	// byLen lists the general groups by word count, for matching messages
	// whose exact shape is unknown.
	byLen map[int][]int32
}

// build clusters the shapes length by length; groups whose templates read
// the same (after folding adjacent wildcards) become one template, which
// merges a variable that spans a varying number of words.
//
// For compaction only the groups are needed (render false), which saves
// rendering and hashing every template.
func build(shapes []*shapeRec, examples int, render bool) *result {
	r := &result{shapeTo: make([]int32, len(shapes)), shapeGrp: make([]int32, len(shapes)), overflow: -1, byLen: make(map[int][]int32)}
	byLen := make(map[int][]int32)
	for i, s := range shapes {
		byLen[len(s.words)] = append(byLen[len(s.words)], int32(i))
	}
	lengths := make([]int, 0, len(byLen))
	for n := range byLen {
		lengths = append(lengths, n)
	}
	slices.Sort(lengths)
	byText := make(map[string]int32)
	for _, n := range lengths {
		ids := byLen[n]
		sub := make([]shape, len(ids))
		for k, id := range ids {
			sub[k] = shape{words: shapes[id].words, count: shapes[id].count}
		}
		assign := cluster(sub)
		first := len(r.groups)
		for k, g := range assign {
			r.addMember(first+g, shapes[ids[k]])
		}
		for k, g := range assign {
			r.shapeGrp[ids[k]] = int32(first + g)
		}
		if !render {
			continue
		}
		for g := first; g < len(r.groups); g++ {
			r.groupTo = append(r.groupTo, r.template(byText, r.groups[g].words))
			if r.groups[g].general {
				r.byLen[n] = append(r.byLen[n], int32(g))
			}
		}
		for k, g := range assign {
			s := shapes[ids[k]]
			t := &r.templates[r.groupTo[first+g]]
			r.shapeTo[ids[k]] = r.groupTo[first+g]
			t.Count += s.count
			for _, e := range s.examples {
				if len(t.Examples) < examples {
					t.Examples = append(t.Examples, e)
				}
			}
		}
	}
	return r
}

// addMember widens group g (created on first use) to cover shape s.
func (r *result) addMember(g int, s *shapeRec) {
	for len(r.groups) <= g {
		r.groups = append(r.groups, group{})
	}
	gr := &r.groups[g]
	if gr.words == nil {
		gr.words = slices.Clone(s.words)
		gr.general = s.general
		return
	}
	for p, w := range s.words {
		if gr.words[p] != w && gr.words[p] != Wildcard {
			gr.words[p], gr.general = Wildcard, true
		}
	}
}

// template returns the index of the template that words render to, adding
// it when new. Groups whose words differ only in words of masks and
// punctuation share a template (see skeleton): a parameter that is
// sometimes there and sometimes not (`bytes sent`, `bytes (<*>) sent`)
// changes the length of a message, not its event. The shared template reads
// as its longest variant, the one that shows the optional parts.
func (r *result) template(byText map[string]int32, words []string) int32 {
	text := renderWords(words)
	key := skeleton(text)
	if key == "" {
		// Nothing but parameters: nothing says two such lines are one
		// event.
		key = "\x00" + text
	}
	if i, ok := byText[key]; ok {
		if t := &r.templates[i]; longerText(text, t.Template) {
			t.Template = text
		}
		return i
	}
	i := int32(len(r.templates))
	r.templates = append(r.templates, Template{Template: text})
	byText[key] = i
	return i
}

// longerText orders the variants of one template: more words first, then
// by text, so the choice does not depend on the order lines came in.
func longerText(a, b string) bool {
	na, nb := strings.Count(a, " "), strings.Count(b, " ")
	if na != nb {
		return na > nb
	}
	return a < b
}

// skeleton is the text of a template without the words that are masks
// and punctuation only (`<*>`, `(<*>)`, `<*>,`): the words that say which
// event it is.
func skeleton(text string) string {
	var b strings.Builder
	b.Grow(len(text))
	for len(text) > 0 {
		w, rest, _ := strings.Cut(text, " ")
		if !maskOnly(w) {
			if b.Len() > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(w)
		}
		text = rest
	}
	return b.String()
}

// render joins words with single spaces, folding runs of wildcards.
func renderWords(words []string) string {
	var b strings.Builder
	for p, w := range words {
		if w == Wildcard && p > 0 && words[p-1] == Wildcard {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(w)
	}
	return b.String()
}

// addOverflow adds the overflow template for n evicted lines.
func (r *result) addOverflow(n int) {
	if n == 0 {
		return
	}
	for i := range r.templates {
		if r.templates[i].Template == OverflowTemplate {
			r.templates[i].Count += n
			r.overflow = i
			return
		}
	}
	r.overflow = len(r.templates)
	r.templates = append(r.templates, Template{Template: OverflowTemplate, Count: n})
}

// sort orders the templates most frequent first (ties by text, so output
// is deterministic) and gives each its ID.
func (r *result) sort() {
	perm := make([]int32, len(r.templates))
	for i := range perm {
		perm[i] = int32(i)
	}
	slices.SortFunc(perm, func(a, b int32) int {
		ta, tb := &r.templates[a], &r.templates[b]
		return cmp.Or(cmp.Compare(tb.Count, ta.Count), strings.Compare(ta.Template, tb.Template))
	})
	newPos := make([]int32, len(perm))
	sorted := make([]Template, len(perm))
	for to, from := range perm {
		newPos[from] = int32(to)
		sorted[to] = r.templates[from]
	}
	r.templates = sorted
	for i, t := range r.shapeTo {
		r.shapeTo[i] = newPos[t]
	}
	for i, t := range r.groupTo {
		r.groupTo[i] = newPos[t]
	}
	if r.overflow >= 0 {
		r.overflow = int(newPos[r.overflow])
	}
	seen := make(map[string]int, len(sorted))
	for i := range sorted {
		id := templateID(sorted[i].Template)
		if n := seen[id]; n > 0 {
			id = fmt.Sprintf("%s-%d", id, n+1)
		}
		seen[id]++
		sorted[i].ID = id
	}
}

// templateID is a short stable hash of a template's text.
func templateID(text string) string {
	h := fnv.New64a()
	h.Write([]byte(text))
	return fmt.Sprintf("%012x", h.Sum64()>>16)
}

// match returns the template of the most specific general group covering
// words.
func (r *result) match(words []string) (int32, bool) {
	best, bestLit := int32(-1), -1
	for _, g := range r.byLen[len(words)] {
		if lit, ok := covers(r.groups[g].words, words); ok && lit > bestLit {
			best, bestLit = g, lit
		}
	}
	if best < 0 {
		return 0, false
	}
	return r.groupTo[best], true
}
