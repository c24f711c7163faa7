package logs

import (
	"encoding/binary"
	"unicode/utf16"
	"unicode/utf8"
)

// A one-pass validating scanner for the flat JSON objects log handlers
// write. It replaces a general JSON parser on the hot path: that built a
// value tree and copied the line for every entry, which was half of
// `logs analyze`'s time. The scanner checks the whole line against RFC 8259
// (what encoding/json.Valid accepts; the fuzz test holds the two to each
// other) but only hands back the top-level members as byte ranges of the
// line, so nothing is copied or unescaped unless the caller keeps it.

// jsonKind is the type of a top-level member's value.
type jsonKind uint8

const (
	jsonString jsonKind = iota + 1
	jsonNumber
	jsonTrue
	jsonFalse
	jsonNull
	jsonObject
	jsonArray
)

// jsonMember is one top-level member. For a string, raw is the text
// between the quotes, still escaped when escaped is set; for any other
// kind, raw is the value's JSON text.
type jsonMember struct {
	key        []byte
	keyEscaped bool
	kind       jsonKind
	raw        []byte
	escaped    bool
}

// maxJSONDepth bounds nesting as encoding/json does, so a line of ten
// million '[' is an error rather than a deep recursion.
const maxJSONDepth = 10000

// objectScanner walks one JSON object member by member:
//
//	s := objectScanner{b: line}
//	for s.next(&m) { ... }
//	if !s.valid() { ... }
type objectScanner struct {
	b       []byte
	i       int
	started bool
	done    bool
	bad     bool
}

// next stores the next member in m and reports whether there was one.
// After it returns false, valid tells whether the whole input was one
// well-formed object (with nothing but whitespace after it).
func (s *objectScanner) next(m *jsonMember) bool {
	if s.done {
		return false
	}
	s.skipWS()
	if !s.started {
		s.started = true
		if !s.eat('{') {
			return s.fail()
		}
		s.skipWS()
		if s.eat('}') {
			return s.finish()
		}
	} else {
		switch {
		case s.eat(','):
			s.skipWS()
		case s.eat('}'):
			return s.finish()
		default:
			return s.fail()
		}
	}
	if s.i >= len(s.b) || s.b[s.i] != '"' {
		return s.fail()
	}
	key, esc, ok := s.str()
	if !ok {
		return s.fail()
	}
	s.skipWS()
	if !s.eat(':') {
		return s.fail()
	}
	s.skipWS()
	*m = jsonMember{key: key, keyEscaped: esc}
	if !s.value(m) {
		return s.fail()
	}
	return true
}

// valid reports whether the input was a well-formed object; meaningful
// once next has returned false.
func (s *objectScanner) valid() bool { return s.done && !s.bad }

func (s *objectScanner) fail() bool {
	s.done, s.bad = true, true
	return false
}

func (s *objectScanner) finish() bool {
	s.skipWS()
	s.done = true
	s.bad = s.i != len(s.b)
	return false
}

func (s *objectScanner) eat(c byte) bool {
	if s.i < len(s.b) && s.b[s.i] == c {
		s.i++
		return true
	}
	return false
}

func (s *objectScanner) skipWS() {
	for s.i < len(s.b) && isJSONSpace(s.b[s.i]) {
		s.i++
	}
}

func isJSONSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// value reads the value at s.i into m.
func (s *objectScanner) value(m *jsonMember) bool {
	if s.i >= len(s.b) {
		return false
	}
	start := s.i
	switch c := s.b[s.i]; {
	case c == '"':
		raw, esc, ok := s.str()
		m.kind, m.raw, m.escaped = jsonString, raw, esc
		return ok
	case c == '{' || c == '[':
		m.kind = jsonObject
		if c == '[' {
			m.kind = jsonArray
		}
		if !s.skipNested(1) {
			return false
		}
	case c == '-' || isDigit(c):
		m.kind = jsonNumber
		if !s.number() {
			return false
		}
	case c == 't':
		m.kind = jsonTrue
		if !s.literal("true") {
			return false
		}
	case c == 'f':
		m.kind = jsonFalse
		if !s.literal("false") {
			return false
		}
	case c == 'n':
		m.kind = jsonNull
		if !s.literal("null") {
			return false
		}
	default:
		return false
	}
	m.raw = s.b[start:s.i]
	return true
}

func (s *objectScanner) literal(word string) bool {
	if len(s.b)-s.i < len(word) || string(s.b[s.i:s.i+len(word)]) != word {
		return false
	}
	s.i += len(word)
	return true
}

// plainStringByte marks the bytes a JSON string holds as they are: not a
// quote, a backslash or a control character.
var plainStringByte = func() (t [256]bool) {
	for c := 0x20; c < 256; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// str reads a string starting at its opening quote and returns its content
// between the quotes, still escaped, and whether it contains escapes.
func (s *objectScanner) str() (raw []byte, escaped, ok bool) {
	s.i++ // the opening quote
	start := s.i
	b := s.b
	for {
		i := s.i
		// Eight bytes at a time while none is special, then byte by byte.
		for i+8 <= len(b) && !hasSpecialStringByte(binary.LittleEndian.Uint64(b[i:])) {
			i += 8
		}
		for i < len(b) && plainStringByte[b[i]] {
			i++
		}
		s.i = i
		if i >= len(b) {
			return nil, false, false
		}
		switch b[i] {
		case '"':
			s.i++
			return b[start:i], escaped, true
		case '\\':
			escaped = true
			if !s.escape() {
				return nil, false, false
			}
		default: // a control character
			return nil, false, false
		}
	}
}

// hasSpecialStringByte reports whether any of the eight bytes in x is a
// quote, a backslash or a control character (the classic SWAR tests for a
// zero byte and for a byte below n; both are exact for existence).
func hasSpecialStringByte(x uint64) bool {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	quote := x ^ (ones * '"')
	slash := x ^ (ones * '\\')
	return ((x-ones*0x20)&^x|(quote-ones)&^quote|(slash-ones)&^slash)&highs != 0
}

// escape checks the escape sequence at s.i (a backslash) and steps over it.
func (s *objectScanner) escape() bool {
	if s.i+1 >= len(s.b) {
		return false
	}
	switch s.b[s.i+1] {
	case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		s.i += 2
		return true
	case 'u':
		if s.i+6 > len(s.b) {
			return false
		}
		for _, c := range s.b[s.i+2 : s.i+6] {
			if hexValue(c) < 0 {
				return false
			}
		}
		s.i += 6
		return true
	}
	return false
}

// number reads -?(0|[1-9]d*)(.d+)?([eE][+-]?d+)?
func (s *objectScanner) number() bool {
	b := s.b
	s.eat('-')
	switch {
	case s.i < len(b) && b[s.i] == '0':
		s.i++
	case s.i < len(b) && '1' <= b[s.i] && b[s.i] <= '9':
		s.digits()
	default:
		return false
	}
	if s.eat('.') && s.digits() == 0 {
		return false
	}
	if s.i < len(b) && (b[s.i] == 'e' || b[s.i] == 'E') {
		s.i++
		if !s.eat('+') {
			s.eat('-')
		}
		if s.digits() == 0 {
			return false
		}
	}
	return true
}

func (s *objectScanner) digits() int {
	start := s.i
	for s.i < len(s.b) && isDigit(s.b[s.i]) {
		s.i++
	}
	return s.i - start
}

// skipNested steps over the object or array at s.i, checking it; depth
// counts the containers around it, the top-level object included.
func (s *objectScanner) skipNested(depth int) bool {
	if depth+1 > maxJSONDepth {
		return false
	}
	open := s.b[s.i]
	closing := byte('}')
	if open == '[' {
		closing = ']'
	}
	s.i++
	s.skipWS()
	if s.eat(closing) {
		return true
	}
	for {
		if open == '{' {
			if s.i >= len(s.b) || s.b[s.i] != '"' {
				return false
			}
			if _, _, ok := s.str(); !ok {
				return false
			}
			s.skipWS()
			if !s.eat(':') {
				return false
			}
			s.skipWS()
		}
		if s.i >= len(s.b) {
			return false
		}
		if c := s.b[s.i]; c == '{' || c == '[' {
			if !s.skipNested(depth + 1) {
				return false
			}
		} else {
			var m jsonMember
			if !s.value(&m) {
				return false
			}
		}
		s.skipWS()
		if s.eat(closing) {
			return true
		}
		if !s.eat(',') {
			return false
		}
		s.skipWS()
	}
}

func hexValue(c byte) rune {
	switch {
	case '0' <= c && c <= '9':
		return rune(c - '0')
	case 'a' <= c && c <= 'f':
		return rune(c - 'a' + 10)
	case 'A' <= c && c <= 'F':
		return rune(c - 'A' + 10)
	}
	return -1
}

// appendUnescaped appends the decoded form of a string's raw content, which
// str has already checked. Like encoding/json, a lone or mismatched UTF-16
// surrogate becomes U+FFFD; unlike it, invalid UTF-8 bytes are kept
// (validString replaces them when a field is copied out).
func appendUnescaped(dst, raw []byte) []byte {
	for i := 0; i < len(raw); {
		c := raw[i]
		if c != '\\' {
			j := i + 1
			for j < len(raw) && raw[j] != '\\' {
				j++
			}
			dst = append(dst, raw[i:j]...)
			i = j
			continue
		}
		switch e := raw[i+1]; e {
		case 'b':
			dst = append(dst, '\b')
		case 'f':
			dst = append(dst, '\f')
		case 'n':
			dst = append(dst, '\n')
		case 'r':
			dst = append(dst, '\r')
		case 't':
			dst = append(dst, '\t')
		case 'u':
			r := hex4(raw[i+2:])
			i += 6
			if utf16.IsSurrogate(r) {
				r2 := rune(-1)
				if i+6 <= len(raw) && raw[i] == '\\' && raw[i+1] == 'u' {
					r2 = hex4(raw[i+2:])
				}
				if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
					i += 6
					r = dec
				} else {
					r = utf8.RuneError
				}
			}
			dst = utf8.AppendRune(dst, r)
			continue
		default: // '"', '\\', '/'
			dst = append(dst, e)
		}
		i += 2
	}
	return dst
}

func hex4(b []byte) rune {
	return hexValue(b[0])<<12 | hexValue(b[1])<<8 | hexValue(b[2])<<4 | hexValue(b[3])
}
