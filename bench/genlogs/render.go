package main

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// entry is one log record before it is rendered in a line shape.
type entry struct {
	t      time.Time
	level  string
	logger string
	fn     string
	line   int
	msg    string
	// exc is a multi-line traceback or "".
	exc string
	// fields are request attributes only the JSON shapes carry.
	fields []field
	// alt: the record comes from the producer that writes time, severity,
	// msg and component instead of the upstream keys.
	alt bool
	// What the truth counts.
	failedLogin, attack bool
}

type field struct {
	key string
	s   string
	n   float64
	num bool
}

func str(k, v string) field         { return field{key: k, s: v} }
func num(k string, v float64) field { return field{key: k, n: v, num: true} }

// appendJSON renders e as the streaming handler does: Python json.dumps
// separators (", " and ": "), naive local time with microseconds.
func appendJSON(b []byte, e *entry) []byte {
	b = append(b, `{"timestamp": "`...)
	b = e.t.AppendFormat(b, "2006-01-02T15:04:05.000000")
	b = append(b, '"')
	b = appendKV(b, "level", e.level)
	b = appendKV(b, "logger", e.logger)
	b = appendKV(b, "message", e.msg)
	module := e.logger[strings.LastIndexByte(e.logger, '.')+1:]
	b = appendKV(b, "module", module)
	b = appendKV(b, "function", e.fn)
	b = append(b, `, "line": `...)
	b = strconv.AppendInt(b, int64(e.line), 10)
	b = append(b, `, "thread": 140230514, "process": 4242, "pathname": "/opt/fossawork/backend/app/`...)
	b = append(b, module...)
	b = append(b, `.py"`...)
	if e.exc == "" {
		b = append(b, `, "exception": null`...)
	} else {
		b = appendKV(b, "exception", e.exc)
	}
	for _, f := range e.fields {
		if f.num {
			b = append(b, ", "...)
			b = appendJSONString(b, f.key)
			b = append(b, ": "...)
			b = strconv.AppendFloat(b, f.n, 'f', -1, 64)
		} else {
			b = appendKV(b, f.key, f.s)
		}
	}
	return append(b, "}\n"...)
}

// appendAltJSON renders e with the other producer's key names.
func appendAltJSON(b []byte, e *entry) []byte {
	b = append(b, `{"time": "`...)
	b = e.t.AppendFormat(b, "2006-01-02T15:04:05.000")
	b = append(b, '"')
	b = appendKV(b, "severity", e.level)
	b = appendKV(b, "component", e.logger)
	b = appendKV(b, "msg", e.msg)
	return append(b, "}\n"...)
}

// appendPipe renders e as the python-logging file formatter does:
// asctime | levelname:8 | name:20 | funcName:15:lineno:4 | message, with a
// traceback as continuation lines.
func appendPipe(b []byte, e *entry) []byte {
	b = e.t.AppendFormat(b, "2006-01-02 15:04:05")
	b = append(b, " | "...)
	b = appendPadded(b, e.level, 8)
	b = append(b, " | "...)
	b = appendPadded(b, e.logger, 20)
	b = append(b, " | "...)
	b = appendPadded(b, e.fn, 15)
	b = append(b, ':')
	n := len(b)
	b = strconv.AppendInt(b, int64(e.line), 10)
	for i := len(b) - n; i < 4; i++ {
		b = append(b, ' ')
	}
	b = append(b, " | "...)
	b = append(b, e.msg...)
	b = append(b, '\n')
	if e.exc != "" {
		b = append(b, e.exc...)
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

func appendKV(b []byte, k, v string) []byte {
	b = append(b, ", "...)
	b = appendJSONString(b, k)
	b = append(b, ": "...)
	return appendJSONString(b, v)
}

const hexDigits = "0123456789abcdef"

// appendJSONString quotes s as JSON does (strconv.Quote's \x escapes are
// not JSON); non-ASCII is kept as UTF-8, as json.dumps(ensure_ascii=False).
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			continue
		}
		if c >= utf8.RuneSelf {
			continue // generated text is valid UTF-8
		}
		b = append(b, s[start:i]...)
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\n':
			b = append(b, '\\', 'n')
		case '\t':
			b = append(b, '\\', 't')
		default:
			b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		}
		start = i + 1
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
