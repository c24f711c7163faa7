package logs

import (
	"bytes"
	"strconv"
	"strings"
)

type jsonKey uint8

const (
	keyTime jsonKey = iota + 1
	keyLevel
	keyLogger
	keyMessage
	keyException
	keyIP
	keyUser
	keyPath
	keyMethod
	keyStatus
	keyUserAgent
	keyDuration

	numJSONKeys
)

// jsonKeyOf maps every key spelling the upstream producers use to its
// field. When a line carries two spellings of the same field, the first
// non-empty one wins.
func jsonKeyOf(k []byte) jsonKey {
	switch string(k) {
	case "timestamp", "time", "@timestamp":
		return keyTime
	case "level", "severity", "levelname":
		return keyLevel
	case "logger", "component", "name":
		return keyLogger
	case "message", "msg":
		return keyMessage
	case "exception":
		return keyException
	case "ip", "client_ip", "remote_addr":
		return keyIP
	case "user", "username":
		return keyUser
	case "endpoint", "path":
		return keyPath
	case "method":
		return keyMethod
	case "status_code", "status":
		return keyStatus
	case "user_agent":
		return keyUserAgent
	case "duration_ms":
		return keyDuration
	}
	return 0
}

// parseJSON fills e from one JSON object; false means the line is not one
// well-formed object (truncated, trailing garbage, not an object). Time and
// level are read as the members go by; the other fields are kept as ranges
// of the line and copied out only if the entry is at p.detailFrom or above.
func (p *lineParser) parseJSON(line []byte, e *Entry) bool {
	var fields [numJSONKeys]jsonMember
	s := objectScanner{b: line}
	var m jsonMember
	for s.next(&m) {
		key := m.key
		if m.keyEscaped {
			p.scratch = appendUnescaped(p.scratch[:0], key)
			key = p.scratch
		}
		if k := jsonKeyOf(key); k != 0 && fields[k].kind == 0 && p.takes(k, &m, e) {
			fields[k] = m
		}
	}
	if !s.valid() {
		*e = Entry{Shape: e.Shape}
		return false
	}
	if f := &fields[keyLogger]; f.kind == jsonString {
		e.Logger = p.intern(p.text(f))
	}
	if e.Level < p.detailFrom {
		return true
	}
	if f := &fields[keyMethod]; f.kind == jsonString {
		e.Method = p.intern(p.text(f))
	}
	if f, ok := p.number(&fields[keyStatus]); ok {
		e.StatusCode = int(f)
	}
	if f, ok := p.number(&fields[keyDuration]); ok {
		e.DurationMS = f
	}
	for k, dst := range [...]*string{keyMessage: &e.Message, keyException: &e.Exception, keyIP: &e.ClientIP,
		keyUser: &e.User, keyPath: &e.Path, keyUserAgent: &e.UserAgent} {
		if dst != nil && fields[k].kind != 0 {
			*dst = validString(p.text(&fields[k]))
		}
	}
	return true
}

// takes reports whether member m fills field k: null and "" never do, a
// time or level must parse (and is stored in e at once), a status must be
// an HTTP code, a duration a non-zero number, a logger or method a string.
// Anything else is kept as its JSON text, as written.
func (p *lineParser) takes(k jsonKey, m *jsonMember, e *Entry) bool {
	if m.kind == jsonNull || (m.kind == jsonString && len(m.raw) == 0) {
		return false
	}
	switch k {
	case keyTime:
		return p.jsonTime(m, e)
	case keyLevel:
		e.Level = jsonLevel(p, m)
		return e.Level != LevelUnknown
	case keyStatus:
		f, ok := p.number(m)
		return ok && f >= 100 && f < 1000
	case keyDuration:
		f, ok := p.number(m)
		return ok && f != 0
	case keyLogger, keyMethod:
		return m.kind == jsonString
	}
	return true
}

// text returns a member's text: a string's decoded content (in p.scratch
// when it had escapes, valid until the next call), or any other value's
// JSON text, so a structured exception or a numeric user id is kept.
func (p *lineParser) text(m *jsonMember) []byte {
	if m.kind == jsonString && m.escaped {
		p.scratch = appendUnescaped(p.scratch[:0], m.raw)
		return p.scratch
	}
	return m.raw
}

// jsonTime sets e's time from a string or epoch-number member and reports
// whether it could.
func (p *lineParser) jsonTime(m *jsonMember, e *Entry) bool {
	switch m.kind {
	case jsonString:
		b := bytes.TrimSpace(p.text(m))
		if t, n, ok := parseTimestamp(b, p.loc, &p.clock); ok && n == len(b) {
			e.Time, e.HasTime = t, true
		}
	case jsonNumber:
		if f, err := strconv.ParseFloat(string(m.raw), 64); err == nil {
			e.Time, e.HasTime = timeFromEpoch(f, p.loc)
		}
	}
	return e.HasTime
}

func jsonLevel(p *lineParser, m *jsonMember) Level {
	switch m.kind {
	case jsonString:
		l, _ := parseLevelBytes(bytes.TrimSpace(p.text(m)))
		return l
	case jsonNumber:
		if f, err := strconv.ParseFloat(string(m.raw), 64); err == nil {
			return levelFromNumber(f)
		}
	}
	return LevelUnknown
}

// number reads a member written either as a JSON number or as a string.
func (p *lineParser) number(m *jsonMember) (float64, bool) {
	var b []byte
	switch m.kind {
	case jsonNumber:
		b = m.raw
	case jsonString:
		b = bytes.TrimSpace(p.text(m))
	default:
		return 0, false
	}
	f, err := strconv.ParseFloat(string(b), 64)
	return f, err == nil
}

// parseRequestMessage reads request logs that carry their fields only in the
// message, as upstream's access logger writes them: `GET /api/x?y=1 200 1035ms`.
// The substrings share the message's memory, so this allocates nothing.
func parseRequestMessage(e *Entry) {
	m := e.Message
	if len(m) < 5 || m[0] < 'D' || m[0] > 'P' {
		return
	}
	sp := strings.IndexByte(m, ' ')
	if sp < 3 || sp+1 >= len(m) || m[sp+1] != '/' {
		return
	}
	switch m[:sp] {
	case "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS":
	default:
		return
	}
	e.Method = m[:sp]
	rest := m[sp+1:]
	end := strings.IndexByte(rest, ' ')
	if end < 0 {
		e.Path = rest
		return
	}
	e.Path = rest[:end]
	rest = strings.TrimLeft(rest[end+1:], " ")
	if len(rest) < 3 || (len(rest) > 3 && rest[3] != ' ') {
		return
	}
	code, ok := digitsString(rest[:3])
	if !ok || code < 100 {
		return
	}
	e.StatusCode = code
	tok := strings.TrimLeft(rest[3:], " ")
	if i := strings.IndexByte(tok, ' '); i >= 0 {
		tok = tok[:i]
	}
	if ms, ok := strings.CutSuffix(tok, "ms"); ok && e.DurationMS == 0 {
		if d, err := strconv.ParseFloat(ms, 64); err == nil {
			e.DurationMS = d
		}
	}
}

func digitsString(s string) (int, bool) {
	n := 0
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return 0, false
		}
		n = n*10 + int(s[i]-'0')
	}
	return n, true
}
