package main

import (
	"time"

	"github.com/fossawork/fossamaint/internal/sandbox"
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

// record is e as the sandbox's line renderers take it: the demo and the
// benchmark write the upstream line shapes with one implementation.
func (e *entry) record() sandbox.LogRecord {
	r := sandbox.LogRecord{T: e.t, Level: e.level, Logger: e.logger, Func: e.fn, Line: e.line, Msg: e.msg, Exc: e.exc}
	for _, f := range e.fields {
		if f.num {
			r.Fields = append(r.Fields, sandbox.LogField{Key: f.key, Val: f.n})
		} else {
			r.Fields = append(r.Fields, sandbox.LogField{Key: f.key, Val: f.s})
		}
	}
	return r
}

// appendJSON renders e as the streaming handler does.
func appendJSON(b []byte, e *entry) []byte { return sandbox.AppendJSONLine(b, e.record()) }

// appendPipe renders e as the python-logging file formatter does.
func appendPipe(b []byte, e *entry) []byte { return sandbox.AppendPipeLine(b, e.record()) }

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

func appendKV(b []byte, k, v string) []byte {
	b = append(b, ", "...)
	b = sandbox.AppendJSONString(b, k)
	b = append(b, ": "...)
	return sandbox.AppendJSONString(b, v)
}
