package patterns

import (
	"slices"
	"strings"
)

// variableValues is the number of distinct words at one position of a group
// from which that position counts as a variable rather than as the word that
// tells two events apart. It is the algorithm's only threshold and applies
// to every log family alike.
const variableValues = 3

// shape is one distinct masked key with the number of lines that had it.
type shape struct {
	words []string
	count int
}

// cluster groups same-length shapes into templates, in three steps:
//
//  1. Per position, count how many lines carry each word.
//  2. Every shape keeps as its anchor the words that are at least as frequent
//     as its most common frequency: the words an event's lines all share
//     occur equally often, while variable values are rarer. Shapes with the
//     same anchor form a candidate group, so unrelated events of the same
//     length never meet.
//  3. Within a candidate group, the remaining positions are examined from the
//     fewest distinct words up: a position with few words splits the group
//     (`Accepted` vs `Failed`), one with many words or with masked values is
//     a variable, and so is every position with at least as many words.
//
// It returns, for each shape, the index of its group.
func cluster(shapes []shape) []int {
	if len(shapes) == 0 {
		return nil
	}
	n := len(shapes[0].words)
	freq := make([]map[string]int, n)
	for p := range freq {
		freq[p] = make(map[string]int, len(shapes))
	}
	for _, s := range shapes {
		for p, w := range s.words {
			freq[p][w] += s.count
		}
	}
	anchored := make(map[string][]int)
	var order []string
	for i, s := range shapes {
		k := anchorKey(s.words, freq)
		if _, ok := anchored[k]; !ok {
			order = append(order, k)
		}
		anchored[k] = append(anchored[k], i)
	}
	group := make([]int, len(shapes))
	next := 0
	for _, k := range order {
		members := anchored[k]
		free := freePositions(shapes, members)
		split(shapes, members, free, group, &next)
	}
	return group
}

// anchorKey is the shape's anchor: position and word of every word at least
// as frequent as the frequency most of its words share. Ties go to the
// higher frequency, so that a shape's own rare values never become its
// anchor.
func anchorKey(words []string, freq []map[string]int) string {
	counts := make(map[int]int, len(words))
	for p, w := range words {
		if w != Wildcard {
			counts[freq[p][w]]++
		}
	}
	best, bestN := 0, 0
	for f, c := range counts {
		if c > bestN || c == bestN && f > best {
			best, bestN = f, c
		}
	}
	var b strings.Builder
	for p, w := range words {
		if w != Wildcard && freq[p][w] == best {
			b.WriteString(w)
		}
		b.WriteByte(0)
	}
	return b.String()
}

// freePositions are the positions where the members do not all agree.
func freePositions(shapes []shape, members []int) []int {
	var free []int
	first := shapes[members[0]].words
	for p := range first {
		for _, m := range members[1:] {
			if shapes[m].words[p] != first[p] {
				free = append(free, p)
				break
			}
		}
	}
	return free
}

// split assigns group numbers to members, dividing them on the free
// position with the fewest distinct words while that position looks like a
// constant that tells events apart.
func split(shapes []shape, members, free []int, group []int, next *int) {
	type column struct {
		pos, values int
		masked      bool
		names       bool
	}
	var cols []column
	for _, p := range free {
		seen := make(map[string]struct{})
		for _, m := range members {
			seen[shapes[m].words[p]] = struct{}{}
		}
		if len(seen) > 1 {
			cols = append(cols, column{p, len(seen), maskedColumn(seen), p == 0 && dottedNames(seen)})
		}
	}
	if len(cols) == 0 {
		for _, m := range members {
			group[m] = *next
		}
		*next++
		return
	}
	// Messages start with their constant text far more often than with a
	// variable (Drain's first-token rule), so the first word splits unless
	// masked, or unless its words are all dotted names: a process, host or
	// component that logs the same event (`chrome.exe -`,
	// `com.example.sync.daily:`).
	cols = slices.DeleteFunc(cols, func(c column) bool {
		return c.masked || c.values >= variableValues && (c.pos > 0 || c.names)
	})
	if len(cols) == 0 {
		for _, m := range members {
			group[m] = *next
		}
		*next++
		return
	}
	c := slices.MinFunc(cols, func(a, b column) int {
		if a.values != b.values {
			return a.values - b.values
		}
		return a.pos - b.pos
	})
	byWord := make(map[string][]int)
	var words []string
	for _, m := range members {
		w := shapes[m].words[c.pos]
		if _, ok := byWord[w]; !ok {
			words = append(words, w)
		}
		byWord[w] = append(byWord[w], m)
	}
	rest := slices.DeleteFunc(slices.Clone(free), func(p int) bool { return p == c.pos })
	for _, w := range words {
		split(shapes, byWord[w], rest, group, next)
	}
}

// maskedColumn reports whether a position's words differ only in masked
// parts: one of them is a bare wildcard, or they all hold a mask and one is
// nothing but a mask and punctuation (`<*>,` next to `LOCAL(<*>),`: the
// position holds a parameter, whatever else some values carry), or they are
// the same once their wildcards are removed (`()` and `(<*>)`).
func maskedColumn(words map[string]struct{}) bool {
	var bare string
	first := true
	allMasked, someOnly := true, false
	for w := range words {
		if w == Wildcard {
			return true
		}
		allMasked = allMasked && strings.Contains(w, Wildcard)
		someOnly = someOnly || maskOnly(w)
	}
	if allMasked && someOnly {
		return true
	}
	for w := range words {
		b := strings.ReplaceAll(w, Wildcard, "")
		if !first && b != bare {
			return false
		}
		bare, first = b, false
	}
	return true
}

// dottedNames reports whether every word is a dotted name: letters or
// digits on both sides of a `.` (`chrome.exe`, `api.example.com`,
// `org.example.Sync`), whatever punctuation ends it, or a name already
// masked (a host with its port, a URL).
func dottedNames(words map[string]struct{}) bool {
	for w := range words {
		if !isDottedName(w) && !maskOnly(w) {
			return false
		}
	}
	return true
}

func isDottedName(w string) bool {
	for i := 1; i+1 < len(w); i++ {
		if w[i] == '.' && isAlnum(w[i-1]) && isAlnum(w[i+1]) {
			return true
		}
	}
	return false
}

func isAlnum(c byte) bool { return byteClass[c]&(classLetter|classDigit) != 0 }
