package patterns

import (
	"strings"
	"unsafe"
)

// Wildcard stands for a variable part of a message in a template.
const Wildcard = "<*>"

// maxWords bounds the words a message contributes, so a pathological
// multi-megabyte message costs a bounded key; the rest of the message is
// folded into one trailing wildcard.
const maxWords = 128

// maxWordBytes bounds one word for the same reason.
const maxWordBytes = 256

// tokenizer turns a message into its masked key: the words of the message,
// separated by single spaces, with every variable-looking part replaced by
// Wildcard. It reuses its buffers, so it is not safe for concurrent use.
type tokenizer struct {
	key  []byte
	ends []int // end offset in key of each word
	word []byte
	// calendar is set when a word may be a month or weekday name.
	calendar bool
	words    []string
}

// tokenize fills t.key and t.ends for msg. Runs of words that are masks
// and punctuation only collapse into one, and so does a unit after a masked
// number (see foldIntoLast), so a variable that spans a variable number of
// words (a list, a size, a path with a space) does not change the message's
// shape.
func (t *tokenizer) tokenize(msg string) {
	t.key, t.ends, t.calendar = t.key[:0], t.ends[:0], false
	for i := 0; i < len(msg); {
		for i < len(msg) && isSpace(msg[i]) {
			i++
		}
		j, seen := i, uint8(0)
		for j < len(msg) {
			c := byteClass[msg[j]]
			if c&classSpace != 0 {
				break
			}
			seen |= c
			j++
		}
		if j == i {
			break
		}
		if len(t.ends) == maxWords-1 {
			t.appendWord(Wildcard)
			break
		}
		t.appendWord(t.maskNext(msg, i, &j, seen))
		i = j
	}
	if t.calendar {
		t.maskCalendar()
	}
}

// maskNext masks the word msg[i:*j], which has the byte classes seen, and
// may extend *j to the end of a quoted phrase. Words of letters only, and
// words without delimiters, take short paths: they are most words.
func (t *tokenizer) maskNext(msg string, i int, j *int, seen uint8) string {
	w := msg[i:*j]
	switch {
	case len(w) > maxWordBytes:
		return Wildcard
	case seen&(classDigit|classHard|classPathy) == 0:
		// No digit, delimiter or path: nothing to mask.
		return w
	case seen&(classHard|classPathy) == 0:
		t.word = maskPiece(t.word[:0], w)
		return unsafeString(t.word)
	}
	if seen&classQuote != 0 {
		*j = quotedSpanEnd(msg, i, *j)
		if w = msg[i:*j]; len(w) > maxWordBytes {
			return Wildcard
		}
	}
	t.word = maskWord(t.word[:0], w)
	return unsafeString(t.word)
}

// maskCalendar masks month and weekday names that stand next to a masked
// word: they are part of a timestamp (`Sun Jul <*>`), while the same word
// alone (`May I ...`) is text.
func (t *tokenizer) maskCalendar() {
	words := t.words[:0]
	start := 0
	for _, end := range t.ends {
		words = append(words, string(t.key[start:end]))
		start = end + 1
	}
	t.words = words
	changed := true
	for changed {
		changed = false
		for i, w := range words {
			if w != Wildcard && isCalendarWord(w) && (i > 0 && words[i-1] == Wildcard || i+1 < len(words) && words[i+1] == Wildcard) {
				words[i], changed = Wildcard, true
			}
		}
	}
	t.key, t.ends = t.key[:0], t.ends[:0]
	for _, w := range words {
		t.appendWord(w)
	}
}

func isCalendarWord(w string) bool {
	for len(w) > 0 && (w[len(w)-1] == ',' || w[len(w)-1] == '.') {
		w = w[:len(w)-1]
	}
	if len(w) < 3 || len(w) > 9 {
		return false
	}
	var b [9]byte
	for i := 0; i < len(w); i++ {
		b[i] = w[i] | 0x20
	}
	switch string(b[:len(w)]) {
	case "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
		"january", "february", "march", "april", "june", "july", "august", "september", "october", "november", "december",
		"mon", "tue", "tues", "wed", "thu", "thur", "thurs", "fri", "sat", "sun",
		"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday":
		return true
	}
	return false
}

func (t *tokenizer) appendWord(w string) {
	if t.foldIntoLast(w) {
		return
	}
	if len(t.ends) > 0 {
		t.key = append(t.key, ' ')
	}
	t.key = append(t.key, w...)
	t.ends = append(t.ends, len(t.key))
	if !t.calendar && len(w) >= 3 && isLetter(w[0]) && isCalendarWord(w) {
		t.calendar = true
	}
}

// wordList returns the words of the current key as strings that share one
// allocation.
func (t *tokenizer) wordList() []string {
	key := string(t.key)
	words := make([]string, len(t.ends))
	start := 0
	for i, end := range t.ends {
		words[i] = key[start:end]
		start = end + 1
	}
	return words
}

// maskWord appends w with its variable parts masked. A quoted word is
// masked whole, and so is the value of `key=value` with its quotes or
// brackets. Otherwise the word is cut at brackets, quotes, `,` and `;`, and
// each piece that carries a digit or names a path or URL is masked; masks
// joined only by number punctuation (IPs, times, dates, lists) fold into
// one.
func maskWord(dst []byte, w string) []byte {
	if lead, core, trail := trimWrap(w); core != "" && (isPathLike(core) || isQuoted(lead, trail) && strings.IndexByte(core, ' ') >= 0) {
		// A path or URL with its query, or a quoted phrase, is one value.
		dst = append(dst, lead...)
		dst = append(dst, Wildcard...)
		return append(dst, trail...)
	}
	start := len(dst)
	for i := 0; i < len(w); {
		if w[i] == '=' {
			// The value of key=value, quoted, bracketed or not, is one
			// variable (`tag="View Lock"`, `ws=WorkSource{10113}`).
			dst = append(dst, '=')
			if j := valueEnd(w, i+1); j > i+1 {
				dst = append(dst, Wildcard...)
				i = j
			} else {
				i++
			}
			continue
		}
		if isHardDelim(w[i]) {
			dst = append(dst, w[i])
			i++
			continue
		}
		j := i
		for j < len(w) && !isHardDelim(w[j]) {
			j++
		}
		dst = maskPiece(dst, w[i:j])
		i = j
	}
	return foldMasks(dst, start)
}

// valueEnd returns where the value of key=value that starts at w[i] ends:
// at a `,` or `;` outside brackets and quotes, at a closer the value did
// not open (`LOGIN(uid=0)`), or before the sentence punctuation that ends
// the word.
func valueEnd(w string, i int) int {
	var open [8]byte
	n := 0
	j := i
	for ; j < len(w); j++ {
		c := w[j]
		if n > 0 && c == open[n-1] {
			n--
			continue
		}
		if n == 0 && (c == ',' || c == ';' || c == ')' || c == ']' || c == '}') {
			break
		}
		if m := closerOf(c); m != 0 && n < len(open) {
			open[n] = m
			n++
		}
	}
	if j == len(w) {
		for j > i && (w[j-1] == '.' || w[j-1] == ':') {
			j--
		}
	}
	return j
}

func isHardDelim(c byte) bool { return byteClass[c]&classHard != 0 }

// maskPiece masks one piece of a word. Trailing `.` and `:` are sentence
// punctuation and stay.
func maskPiece(dst []byte, p string) []byte {
	end := len(p)
	for end > 0 && (p[end-1] == '.' || p[end-1] == ':') {
		end--
	}
	core, trail := p[:end], p[end:]
	switch {
	case core == "":
	case isPathLike(core), hasDigit(core) && keySplit(core) < 0:
		dst = append(dst, Wildcard...)
	case hasDigit(core) || isPathLike(core[keySplit(core)+1:]):
		// `key:value`: keep the key, mask the value.
		k := keySplit(core)
		dst = append(dst, core[:k+1]...)
		dst = append(dst, Wildcard...)
	default:
		dst = append(dst, core...)
	}
	return append(dst, trail...)
}

// trimWrap splits off the brackets, quotes and trailing punctuation that
// wrap a word, so `[10.0.0.1]` and `10.0.0.1,` mask like `10.0.0.1`.
func trimWrap(w string) (lead, core, trail string) {
	i := 0
	for i < len(w) && isOpener(w[i]) {
		i++
	}
	j := len(w)
	for j > i && isCloser(w[j-1]) {
		j--
	}
	return w[:i], w[i:j], w[j:]
}

func isOpener(c byte) bool { return byteClass[c]&classOpener != 0 }

func isCloser(c byte) bool { return byteClass[c]&classCloser != 0 }

func lastQuote(s string) byte {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == '"' || s[i] == '\'' {
			return s[i]
		}
	}
	return 0
}

func isQuoted(lead, trail string) bool {
	q := lastQuote(lead)
	return q != 0 && strings.IndexByte(trail, q) >= 0
}

// maxQuotedBytes bounds how far a quoted phrase is looked for.
const maxQuotedBytes = 512

// quotedSpanEnd extends the word msg[i:j] to the end of a quoted phrase that
// it opens, so `"no such file"` is one word and masks to one wildcard. The
// quote must close at the end of a word (`it's` does not close `'a`).
func quotedSpanEnd(msg string, i, j int) int {
	lead, core, trail := trimWrap(msg[i:j])
	q := lastQuote(lead)
	if q == 0 {
		// The quoted value of key="value".
		if k := strings.Index(core, "="); k >= 0 && k+1 < len(core) && (core[k+1] == '"' || core[k+1] == '\'') {
			q = core[k+1]
			if strings.IndexByte(core[k+2:], q) >= 0 {
				return j
			}
		}
	}
	if q == 0 || strings.IndexByte(trail, q) >= 0 {
		return j
	}
	for k := j; k < len(msg) && k-i < maxQuotedBytes; k++ {
		if msg[k] != q {
			continue
		}
		e := k + 1
		for e < len(msg) && isCloser(msg[e]) {
			e++
		}
		if e == len(msg) || isSpace(msg[e]) {
			return e
		}
	}
	return j
}

// isPathLike is true for absolute and home-relative paths and URLs: they
// name a resource that varies between events.
func isPathLike(s string) bool {
	if len(s) < 2 {
		return false
	}
	if s[0] == '/' || (s[0] == '~' && s[1] == '/') || (s[0] == '.' && (s[1] == '/' || len(s) > 2 && s[1] == '.' && s[2] == '/')) {
		return true
	}
	for i := 0; i+2 < len(s); i++ {
		if s[i] == ':' && s[i+1] == '/' && s[i+2] == '/' {
			return true
		}
	}
	return len(s) > 2 && isLetter(s[0]) && s[1] == ':' && s[2] == '\\'
}

// keySplit returns the index of the `:` that ends the identifier key (no
// digits) of a `key:value` piece, or -1. A dotted name before the colon is
// a host, file or class (`api.example.com:443`, `Foo.java:12`), and the
// whole piece is one value.
func keySplit(s string) int {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == ':' {
			if i == 0 || i == len(s)-1 {
				return -1
			}
			return i
		}
		if !isLetter(c) && c != '_' && c != '-' {
			return -1
		}
	}
	return -1
}

func hasDigit(s string) bool {
	for i := 0; i < len(s); i++ {
		if isDigit(s[i]) {
			return true
		}
	}
	return false
}

// foldMasks rewrites dst[start:] so that masks separated only by number
// punctuation become one mask: `<*>.<*>.<*>.<*>:<*>` is one IP and port.
func foldMasks(dst []byte, start int) []byte {
	out := start
	for i := start; i < len(dst); {
		if !hasMaskAt(dst, i) {
			dst[out] = dst[i]
			out++
			i++
			continue
		}
		j := i + len(Wildcard)
		for {
			k := j
			for k < len(dst) && isJoiner(dst[k]) {
				k++
			}
			if !hasMaskAt(dst, k) {
				break
			}
			j = k + len(Wildcard)
		}
		out += copy(dst[out:], Wildcard)
		i = j
	}
	return dst[:out]
}

func hasMaskAt(b []byte, i int) bool {
	return i+len(Wildcard) <= len(b) && string(b[i:i+len(Wildcard)]) == Wildcard
}

func isJoiner(c byte) bool {
	return c == '.' || c == ':' || c == '-' || c == '_' || c == '/' || c == ',' || c == '+' || c == '#'
}

func isSpace(c byte) bool  { return byteClass[c]&classSpace != 0 }
func isDigit(c byte) bool  { return byteClass[c]&classDigit != 0 }
func isLetter(c byte) bool { return byteClass[c]&classLetter != 0 }

// unsafeString views b as a string for the duration of a call that does not
// keep it.
func unsafeString(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }

// Byte classes, looked up in one table because tokenizing is the per-line
// cost of mining.
const (
	classSpace = 1 << iota
	classLetter
	classHard
	classOpener
	classCloser
	classQuote
	classPathy // may start or mark a path: / \ ~
	classDigit
)

var byteClass = func() (t [256]uint8) {
	for _, c := range []byte(" \t\n\r\v\f") {
		t[c] |= classSpace
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c] |= classLetter
		t[c-'a'+'A'] |= classLetter
	}
	for _, c := range []byte("()[]{}<>=,;\"'|") {
		t[c] |= classHard
	}
	for _, c := range []byte("([{<\"'") {
		t[c] |= classOpener
	}
	t['"'] |= classQuote
	t['\''] |= classQuote
	t['/'] |= classPathy
	t['\\'] |= classPathy
	t['~'] |= classPathy
	for c := '0'; c <= '9'; c++ {
		t[c] |= classDigit
	}
	for _, c := range []byte(")]}>\"',;.:") {
		t[c] |= classCloser
	}
	return t
}()
