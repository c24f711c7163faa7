package sandbox

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// LogRecord is one upstream log record before it is rendered in one of the
// two upstream line shapes.
type LogRecord struct {
	T      time.Time
	Level  string
	Logger string
	Func   string
	Line   int
	Msg    string
	// Exc is a multi-line traceback or "".
	Exc string
	// Fields are request attributes (method, path, client_ip, ...) that
	// only the JSON shape carries.
	Fields []LogField
}

// LogField is one request attribute of a LogRecord.
type LogField struct {
	Key string
	Val any // string, int or float64
}

// AppendJSONLine renders e as the streaming handler does: Python's
// json.dumps separators (", " and ": "), local time without zone.
func AppendJSONLine(b []byte, e LogRecord) []byte {
	b = append(b, `{"timestamp": `...)
	b = AppendJSONString(b, e.T.Format("2006-01-02T15:04:05.000000"))
	b = appendKV(b, "level", e.Level)
	b = appendKV(b, "logger", e.Logger)
	b = appendKV(b, "message", e.Msg)
	module := e.Logger[strings.LastIndexByte(e.Logger, '.')+1:]
	b = appendKV(b, "module", module)
	b = appendKV(b, "function", e.Func)
	b = appendKV(b, "line", e.Line)
	b = appendKV(b, "thread", 140230514)
	b = appendKV(b, "process", 4242)
	b = appendKV(b, "pathname", "/opt/fossawork/backend/app/"+module+".py")
	if e.Exc == "" {
		b = append(b, `, "exception": null`...)
	} else {
		b = appendKV(b, "exception", e.Exc)
	}
	for _, f := range e.Fields {
		b = appendKV(b, f.Key, f.Val)
	}
	return append(b, "}\n"...)
}

// AppendPipeLine renders e as the python-logging file formatter does, with
// a traceback as continuation lines.
func AppendPipeLine(b []byte, e LogRecord) []byte {
	b = e.T.AppendFormat(b, "2006-01-02 15:04:05")
	b = append(b, " | "...)
	b = appendPadded(b, e.Level, 8)
	b = append(b, " | "...)
	b = appendPadded(b, e.Logger, 20)
	b = append(b, " | "...)
	b = appendPadded(b, e.Func, 15)
	b = append(b, ':')
	b = appendPadded(b, strconv.Itoa(e.Line), 4)
	b = append(b, " | "...)
	b = append(b, e.Msg...)
	b = append(b, '\n')
	if e.Exc != "" {
		b = append(b, e.Exc...)
		b = append(b, '\n')
	}
	return b
}

func appendPadded(b []byte, s string, w int) []byte {
	b = append(b, s...)
	for i := len(s); i < w; i++ {
		b = append(b, ' ')
	}
	return b
}

func appendKV(b []byte, k string, v any) []byte {
	b = append(b, ", "...)
	b = AppendJSONString(b, k)
	b = append(b, ": "...)
	switch x := v.(type) {
	case string:
		return AppendJSONString(b, x)
	case int:
		return strconv.AppendInt(b, int64(x), 10)
	case float64:
		return strconv.AppendFloat(b, x, 'f', -1, 64)
	case bool:
		return strconv.AppendBool(b, x)
	default:
		return append(b, "null"...)
	}
}

const hexDigits = "0123456789abcdef"

// AppendJSONString quotes s as JSON (strconv.Quote's \x escapes are not JSON).
func AppendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			b = append(b, c)
			i++
			continue
		}
		if c >= utf8.RuneSelf {
			r, n := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && n == 1 {
				b = append(b, `\ufffd`...)
			} else {
				b = append(b, s[i:i+n]...)
			}
			i += n
			continue
		}
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		default:
			b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		}
		i++
	}
	return append(b, '"')
}
