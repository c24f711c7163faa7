package patterns

import "strings"

// foldIntoLast joins w to the last word of the key instead of adding it,
// when the two are one parameter written as several words, and reports
// whether it did:
//
//   - a unit after a masked number (`1.2 KB`, `<1 sec`, `50 %`): sizes and
//     durations are one value whatever their unit;
//   - a word of masks and punctuation only that continues such a word: a
//     list (`<*>,` `<*>,` `<*>`), or the rest of a bracket or quote the last
//     word opened (`(<*>` `<*>):` of a path with a space). The parameter
//     spans a varying number of words. A value followed by another in
//     brackets (`<*> (<*>)`) stays two words: they are two parameters.
//
// The joined word keeps the text before the first mask of the last word and
// after the last mask of w, so `(1.2 KB)` reads `(<*>)`.
func (t *tokenizer) foldIntoLast(w string) bool {
	if len(t.ends) == 0 || w == "" {
		return false
	}
	// This runs for every word, and most words are neither a unit after a
	// mask nor a mask: rule them out from their first byte and the end of
	// the key before looking further.
	unit, only := 0, false
	if c := w[0]; byteClass[c]&(classLetter|classDigit) == 0 {
		only = maskOnly(w)
	}
	if len(w) <= maxUnitBytes && endsWithMask(t.key) {
		unit = unitEnd(w)
	}
	if unit == 0 && !only {
		return false
	}
	start := 0
	if n := len(t.ends); n > 1 {
		start = t.ends[n-2] + 1
	}
	last := unsafeString(t.key[start:])
	first := strings.Index(last, Wildcard)
	var trail string
	switch {
	case first < 0:
		return false
	case unit > 0 && strings.HasSuffix(last, Wildcard):
		trail = w[unit:]
	case only && maskOnly(last) && (continues(last, w) || opensMore(last)):
		trail = w[strings.LastIndex(w, Wildcard)+len(Wildcard):]
	default:
		return false
	}
	t.key = append(t.key[:start+first], Wildcard...)
	t.key = append(t.key, trail...)
	t.ends[len(t.ends)-1] = len(t.key)
	return true
}

// endsWithMask reports whether b ends with Wildcard, without a call to
// compare three bytes.
func endsWithMask(b []byte) bool {
	n := len(b)
	return n >= 3 && b[n-1] == '>' && b[n-2] == '*' && b[n-3] == '<'
}

// continues reports whether w, a word of masks, goes on from last: last
// ends with a mask or a list separator and w starts with a mask.
func continues(last, w string) bool {
	if !strings.HasPrefix(w, Wildcard) {
		return false
	}
	c := last[len(last)-1]
	return c == ',' || c == ';' || strings.HasSuffix(last, Wildcard)
}

// opensMore reports whether w leaves a bracket or quote open.
func opensMore(w string) bool {
	var open [8]byte
	return len(openers(w, &open)) > 0
}

// openers returns the closers still owed at the end of w, innermost last.
func openers(w string, open *[8]byte) []byte {
	n := 0
	for i := 0; i < len(w); i++ {
		c := w[i]
		switch {
		case n > 0 && c == open[n-1]:
			n--
		case closerOf(c) != 0 && n < len(open):
			open[n] = closerOf(c)
			n++
		}
	}
	return open[:n]
}

// maskOnly reports whether w has a mask and no letter or digit outside its
// masks: `<*>`, `(<*>)`, `<*>,`, `'<*>'`.
func maskOnly(w string) bool {
	found := false
	for i := 0; i < len(w); i++ {
		if strings.HasPrefix(w[i:], Wildcard) {
			found = true
			i += len(Wildcard) - 1
			continue
		}
		if byteClass[w[i]]&(classLetter|classDigit) != 0 || w[i] >= 0x80 {
			return false
		}
	}
	return found
}

// maxUnitBytes is the longest unit with its punctuation (`secs),`).
const maxUnitBytes = 8

// unitEnd returns where w ends when it is a unit of size or duration
// followed by closing punctuation, or 0. Units are the short forms only: a
// unit spelled out (`bytes`, `seconds`) is text of the message as often as
// not.
func unitEnd(w string) int {
	end := len(w)
	for end > 0 && isCloser(w[end-1]) {
		end--
	}
	switch w[:end] {
	case "B", "KB", "kB", "MB", "GB", "TB", "PB", "KiB", "MiB", "GiB", "TiB",
		"ns", "us", "µs", "ms", "s", "sec", "secs", "min", "mins", "h", "hr", "hrs", "%":
		return end
	}
	return 0
}

// closerOf returns the byte that closes c, or 0 when c opens nothing.
// Angle brackets are left out: `<` is as often "less than" (`<1 sec`).
func closerOf(c byte) byte {
	switch c {
	case '(':
		return ')'
	case '[':
		return ']'
	case '{':
		return '}'
	case '"', '\'':
		return c
	}
	return 0
}
