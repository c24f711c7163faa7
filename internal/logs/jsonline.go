package logs

import (
	"bytes"
	"strconv"
	"strings"

	"github.com/valyala/fastjson"
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
)

// jsonKeys lists every key spelling the upstream producers use. When a line
// carries two spellings of the same field, the first non-empty one wins.
var jsonKeys = map[string]jsonKey{
	"timestamp": keyTime, "time": keyTime, "@timestamp": keyTime,
	"level": keyLevel, "severity": keyLevel, "levelname": keyLevel,
	"logger": keyLogger, "component": keyLogger, "name": keyLogger,
	"message": keyMessage, "msg": keyMessage,
	"exception": keyException,
	"ip":        keyIP, "client_ip": keyIP, "remote_addr": keyIP,
	"user": keyUser, "username": keyUser,
	"endpoint": keyPath, "path": keyPath,
	"method":      keyMethod,
	"status_code": keyStatus, "status": keyStatus,
	"user_agent":  keyUserAgent,
	"duration_ms": keyDuration,
}

// parseJSON fills e from one JSON object; false means the line does not
// parse (truncated, trailing garbage) or is not an object.
func (p *lineParser) parseJSON(line []byte, e *Entry) bool {
	v, err := p.json.ParseBytes(line)
	if err != nil {
		return false
	}
	o, err := v.Object()
	if err != nil {
		return false
	}
	o.Visit(func(k []byte, v *fastjson.Value) {
		if key, ok := jsonKeys[string(k)]; ok {
			p.jsonField(key, v, e)
		}
	})
	return true
}

func (p *lineParser) jsonField(key jsonKey, v *fastjson.Value, e *Entry) {
	switch key {
	case keyTime:
		p.jsonTime(v, e)
	case keyLevel:
		if e.Level == LevelUnknown {
			e.Level = jsonLevel(v)
		}
	case keyLogger:
		if e.Logger == "" && v.Type() == fastjson.TypeString {
			e.Logger = p.intern(v.GetStringBytes())
		}
	case keyMethod:
		if e.Method == "" && v.Type() == fastjson.TypeString {
			e.Method = p.intern(v.GetStringBytes())
		}
	case keyStatus:
		if e.StatusCode == 0 {
			if f, ok := jsonNumber(v); ok && f >= 100 && f < 1000 {
				e.StatusCode = int(f)
			}
		}
	case keyDuration:
		if f, ok := jsonNumber(v); ok && e.DurationMS == 0 {
			e.DurationMS = f
		}
	default:
		setFirst(stringField(key, e), v)
	}
}

// stringField returns the Entry field a plain string key fills.
func stringField(key jsonKey, e *Entry) *string {
	switch key {
	case keyMessage:
		return &e.Message
	case keyException:
		return &e.Exception
	case keyIP:
		return &e.ClientIP
	case keyUser:
		return &e.User
	case keyPath:
		return &e.Path
	case keyUserAgent:
		return &e.UserAgent
	}
	return nil
}

// setFirst copies v's text into *dst unless dst is already set. Non-string
// values (a structured exception, a numeric user id) keep their JSON text.
func setFirst(dst *string, v *fastjson.Value) {
	if dst == nil || *dst != "" {
		return
	}
	switch v.Type() {
	case fastjson.TypeNull:
	case fastjson.TypeString:
		*dst = string(v.GetStringBytes())
	default:
		*dst = v.String()
	}
}

func (p *lineParser) jsonTime(v *fastjson.Value, e *Entry) {
	if e.HasTime {
		return
	}
	switch v.Type() {
	case fastjson.TypeString:
		b := bytes.TrimSpace(v.GetStringBytes())
		if t, n, ok := parseTimestamp(b, p.loc); ok && n == len(b) {
			e.Time, e.HasTime = t, true
		}
	case fastjson.TypeNumber:
		e.Time, e.HasTime = timeFromEpoch(v.GetFloat64(), p.loc)
	}
}

func jsonLevel(v *fastjson.Value) Level {
	switch v.Type() {
	case fastjson.TypeString:
		l, _ := parseLevelBytes(bytes.TrimSpace(v.GetStringBytes()))
		return l
	case fastjson.TypeNumber:
		return levelFromNumber(v.GetFloat64())
	}
	return LevelUnknown
}

// jsonNumber reads a number written either as a JSON number or as a string.
func jsonNumber(v *fastjson.Value) (float64, bool) {
	switch v.Type() {
	case fastjson.TypeNumber:
		f, err := v.Float64()
		return f, err == nil
	case fastjson.TypeString:
		f, err := strconv.ParseFloat(strings.TrimSpace(string(v.GetStringBytes())), 64)
		return f, err == nil
	}
	return 0, false
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
