package logs

import (
	"bytes"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/fossawork/fossamaint/internal/lines"
)

// lineParser holds the per-goroutine state of parsing: a scratch buffer for
// unescaping and a small intern table, so logger names repeated on every
// line are not copied again each time.
type lineParser struct {
	loc *time.Location
	// detailFrom is ReaderOptions.DetailFrom: entries below it carry only
	// their time, level and logger.
	detailFrom Level
	clock      hourClock
	// scratch holds the last unescaped JSON string.
	scratch  []byte
	interned map[string]string
	// line is the line being parsed (without its end of line); it aliases
	// the caller's buffer and is valid until the next parse. cleaned tells
	// whether invalid UTF-8 in it has been replaced yet: that is done only
	// when the whole line is kept (cleanLine), since fields copied out are
	// checked one by one (validString).
	line    []byte
	cleaned bool
}

var utf8BOM = []byte("\uFEFF")

// maxInterned bounds the intern table; past it strings are just copied.
const maxInterned = 512

func newLineParser(loc *time.Location) *lineParser {
	if loc == nil {
		loc = time.Local
	}
	return &lineParser{loc: loc, interned: make(map[string]string)}
}

var parserPool = sync.Pool{New: func() any { return newLineParser(nil) }}

// ParseLine classifies and parses one line (a trailing "\n" or "\r\n" is
// ignored). Naive timestamps are taken in loc (time.Local when nil). Alone it
// cannot know whether a line follows an entry, so every text line without a
// timestamp or leading level is KindContinuation, returned with the line's
// text in Message; a Reader joins such lines to the entry above. ParseLine is
// safe for concurrent use.
func ParseLine(line []byte, loc *time.Location) (Entry, Kind) {
	p := parserPool.Get().(*lineParser)
	p.loc = loc
	if loc == nil {
		p.loc = time.Local
	}
	var e Entry
	k := p.parse(line, &e)
	if k == KindContinuation {
		e.Message = string(p.cleanLine())
		e.Shape = ShapePlain
	}
	p.line = nil
	if cap(p.scratch) > 64<<10 {
		p.scratch = nil // a 16 MB string must not live on in the pool
	}
	parserPool.Put(p)
	return e, k
}

// parse fills e and returns the line's kind. e must be zero on entry.
func (p *lineParser) parse(line []byte, e *Entry) Kind {
	// Windows tools start files with a byte-order mark; it is not content.
	line = bytes.TrimPrefix(lines.TrimEOL(line), utf8BOM)
	p.line, p.cleaned = line, false
	if isBlank(line) {
		return KindBlank
	}
	switch c := line[0]; {
	case c == '{':
		e.Shape = ShapeJSON
		if !p.parseJSON(line, e) {
			return KindMalformed
		}
	case c == ' ' || c == '\t':
		return KindContinuation
	case (isDigit(c) || c == '[') && p.parseTimestamped(line, e):
	case p.parseLevelPrefixed(line, e):
	case !utf8.Valid(line):
		// Binary garbage is not a traceback line: it must not be glued
		// onto the entry above.
		return KindMalformed
	default:
		return KindContinuation
	}
	if e.Level < p.detailFrom {
		*e = Entry{Time: e.Time, HasTime: e.HasTime, Level: e.Level, Logger: e.Logger, Shape: e.Shape}
		return KindEntry
	}
	if e.Method == "" && e.Path == "" {
		parseRequestMessage(e)
	}
	return KindEntry
}

// parseTimestamped handles lines led by a timestamp (optionally in
// brackets): the pipe shape and plain text.
func (p *lineParser) parseTimestamped(b []byte, e *Entry) bool {
	bracket := b[0] == '['
	if bracket {
		b = b[1:]
	}
	t, n, ok := parseTimestamp(b, p.loc, &p.clock)
	if !ok {
		return false
	}
	rest := b[n:]
	if bracket {
		if len(rest) == 0 || rest[0] != ']' {
			return false
		}
		rest = rest[1:]
	}
	if len(rest) > 0 && isAlnum(rest[0]) {
		return false
	}
	e.Time, e.HasTime = t, true
	rest = bytes.TrimLeft(rest, " \t")
	if len(rest) > 0 && rest[0] == '|' {
		e.Shape = ShapePipe
		p.parsePipe(rest[1:], e)
		return true
	}
	e.Shape = ShapePlain
	p.parsePlain(rest, e)
	return true
}

// parsePipe reads `level | logger | func:line | message` (what follows the
// timestamp's pipe). The message is everything after the fourth pipe, so a
// message containing " | " stays whole; shorter variants
// (`level | message`, `level | logger | message`) are accepted too.
func (p *lineParser) parsePipe(r []byte, e *Entry) {
	level, rest, ok := cutPipe(r)
	if !ok {
		e.Message = validString(bytes.TrimSpace(r))
		return
	}
	e.Level, _ = parseLevelBytes(level)
	logger, afterLogger, ok := cutPipe(rest)
	if !ok || bytes.IndexByte(logger, ' ') >= 0 {
		// A logger name has no spaces: this is the message, pipes and all.
		e.Message = validString(bytes.TrimSpace(rest))
		return
	}
	e.Logger = p.intern(logger)
	if e.Level < p.detailFrom {
		return
	}
	fn, msg, ok := cutPipe(afterLogger)
	if ok && looksLikeFuncLine(fn) {
		e.Message = validString(bytes.TrimSpace(msg))
		return
	}
	e.Message = validString(bytes.TrimSpace(afterLogger))
}

// parsePlain reads what follows a timestamp in non-pipe text:
// `LEVEL msg`, `[LEVEL] msg`, `LEVEL: msg`, or Python's basicConfig
// `name - LEVEL - msg`.
func (p *lineParser) parsePlain(r []byte, e *Entry) {
	r = bytes.TrimLeft(r, " \t-:")
	if lvl, n := leadingLevel(r, false); n > 0 {
		e.Level = lvl
		e.Message = validString(bytes.TrimSpace(bytes.TrimLeft(r[n:], " \t-:")))
		return
	}
	if i := bytes.Index(r, []byte(" - ")); i > 0 && bytes.IndexByte(r[:i], ' ') < 0 {
		rest := r[i+3:]
		if lvl, n := leadingLevel(rest, false); n > 0 {
			e.Logger = p.intern(r[:i])
			e.Level = lvl
			e.Message = validString(bytes.TrimSpace(bytes.TrimLeft(rest[n:], " \t-:")))
			return
		}
	}
	e.Message = validString(bytes.TrimSpace(r))
}

// parseLevelPrefixed reads untimed lines that still announce themselves as
// entries: uvicorn's `INFO:     127.0.0.1:5000 - "GET / HTTP/1.1" 200`,
// Python's BASIC_FORMAT `ERROR:root:message`, and `[ERROR] message`. Only
// upper-case levels count, so a traceback's `Error: ...` stays a continuation.
func (p *lineParser) parseLevelPrefixed(b []byte, e *Entry) bool {
	lvl, n := leadingLevel(b, true)
	if n == 0 {
		return false
	}
	e.Shape = ShapePlain
	e.Level = lvl
	rest := b[n:]
	if len(rest) > 0 && rest[0] != ' ' {
		if i := bytes.IndexByte(rest, ':'); i > 0 && bytes.IndexByte(rest[:i], ' ') < 0 {
			e.Logger = p.intern(rest[:i])
			rest = rest[i+1:]
		}
	}
	e.Message = validString(bytes.TrimSpace(rest))
	return true
}

// leadingLevel finds a level word at the start of b, optionally in brackets,
// and returns how many bytes it (and its ']' or ':') spans. Strict mode
// wants upper case and a ':' or ']' after the word.
func leadingLevel(b []byte, strict bool) (Level, int) {
	i := 0
	bracket := len(b) > 0 && b[0] == '['
	if bracket {
		i = 1
	}
	start := i
	for i < len(b) && isLetter(b[i]) {
		if strict && b[i] >= 'a' {
			return LevelUnknown, 0
		}
		i++
	}
	lvl, ok := parseLevelBytes(b[start:i])
	if !ok {
		return LevelUnknown, 0
	}
	switch {
	case bracket && i < len(b) && b[i] == ']':
		return lvl, i + 1
	case bracket:
		return LevelUnknown, 0
	case i < len(b) && b[i] == ':':
		return lvl, i + 1
	case !strict && (i == len(b) || b[i] == ' ' || b[i] == '\t'):
		return lvl, i
	}
	return LevelUnknown, 0
}

// cutPipe splits at the next '|', trimming spaces from the field.
func cutPipe(b []byte) (field, rest []byte, ok bool) {
	i := bytes.IndexByte(b, '|')
	if i < 0 {
		return nil, b, false
	}
	return bytes.TrimSpace(b[:i]), b[i+1:], true
}

// looksLikeFuncLine recognises the `funcName:lineno` column, whose name may
// be padded before the colon (`sync           :104`).
func looksLikeFuncLine(f []byte) bool {
	i := bytes.LastIndexByte(f, ':')
	if i <= 0 {
		return false
	}
	num := bytes.TrimSpace(f[i+1:])
	name := bytes.TrimSpace(f[:i])
	_, ok := digits(num)
	return ok && len(num) > 0 && len(name) > 0 && bytes.IndexByte(name, ' ') < 0
}

// cleanLine returns the line being parsed with invalid UTF-8 replaced by
// U+FFFD, valid until the next parse.
func (p *lineParser) cleanLine() []byte {
	if !p.cleaned {
		if !utf8.Valid(p.line) {
			p.line = bytes.ToValidUTF8(p.line, replacementChar)
		}
		p.cleaned = true
	}
	return p.line
}

var replacementChar = []byte("\uFFFD")

// validString copies b, replacing invalid UTF-8 by U+FFFD.
func validString(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	return string(bytes.ToValidUTF8(b, replacementChar))
}

// intern returns b as a valid UTF-8 string, from the table when it is
// there (the table is keyed by the raw bytes).
func (p *lineParser) intern(b []byte) string {
	if s, ok := p.interned[string(b)]; ok {
		return s
	}
	s := validString(b)
	if len(p.interned) < maxInterned && len(b) <= 128 {
		p.interned[string(b)] = s
	}
	return s
}

func isBlank(b []byte) bool {
	for _, c := range b {
		if c != ' ' && c != '\t' && c != '\r' && c != '\v' && c != '\f' {
			return false
		}
	}
	return true
}

func isLetter(c byte) bool { return ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') }

func isAlnum(c byte) bool { return isLetter(c) || isDigit(c) }
