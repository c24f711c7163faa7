package logs

import "time"

// Shape is the textual form a log entry arrived in.
type Shape uint8

// Line shapes. ShapeUnknown is the zero value.
const (
	ShapeUnknown Shape = iota
	// ShapeJSON is one JSON object per line (the streaming handler).
	ShapeJSON
	// ShapePipe is Python logging text: `asctime | level | logger | func:line | message`.
	ShapePipe
	// ShapePlain is any other text line: a leading timestamp, or a leading
	// upper-case level (`INFO:     ...`), or text with nothing to attach to.
	ShapePlain
)

func (s Shape) String() string {
	switch s {
	case ShapeJSON:
		return "json"
	case ShapePipe:
		return "pipe"
	case ShapePlain:
		return "plain"
	}
	return "unknown"
}

// MarshalText writes the shape's name, so reports read "json", not 1.
func (s Shape) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// Kind tells what ParseLine made of one line.
type Kind uint8

// Line kinds.
const (
	// KindBlank is an empty or whitespace-only line.
	KindBlank Kind = iota
	// KindEntry starts a new entry.
	KindEntry
	// KindContinuation belongs to the entry above it: traceback lines, lines
	// starting with whitespace, and text lines without a timestamp.
	KindContinuation
	// KindMalformed is a line that cannot be trusted: JSON that does not
	// parse (typically truncated), invalid UTF-8 garbage, or a line longer
	// than the reader's limit.
	KindMalformed
)

func (k Kind) String() string {
	switch k {
	case KindBlank:
		return "blank"
	case KindEntry:
		return "entry"
	case KindContinuation:
		return "continuation"
	case KindMalformed:
		return "malformed"
	}
	return "unknown"
}

// Entry is one log record. Request-log keys are typed fields rather than a
// map because the summary reads them for every line.
type Entry struct {
	// Line is the 1-based line number of the entry's first line (0 when the
	// entry came from ParseLine rather than a Reader).
	Line int
	// Time is in the reader's Location; HasTime is false when the entry
	// carried no parseable timestamp.
	Time    time.Time
	HasTime bool
	Level   Level
	Logger  string
	Message string
	// Exception is the entry's own exception text followed by any
	// continuation lines, joined with "\n".
	Exception string
	// ExceptionTruncated is set when continuation lines were dropped because
	// Exception reached ReaderOptions.MaxExceptionBytes.
	ExceptionTruncated bool

	ClientIP   string
	User       string
	Path       string
	Method     string
	UserAgent  string
	StatusCode int
	DurationMS float64

	Shape Shape
}
