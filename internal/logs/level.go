package logs

import (
	"fmt"
	"strings"
)

// Level is a log severity. The values are Python logging's level numbers, so
// a producer that writes `"level": 40` means the same as `"level": "ERROR"`,
// and levels compare in severity order.
type Level int8

// Levels, least severe first. LevelUnknown is the zero value: the line
// carried no level we recognise.
const (
	LevelUnknown  Level = 0
	LevelDebug    Level = 10
	LevelInfo     Level = 20
	LevelWarning  Level = 30
	LevelError    Level = 40
	LevelCritical Level = 50
)

// levelNames maps every spelling we accept, upper-cased, to its Level.
// Aliases come from syslog, Go, Java and Node loggers seen behind the same
// log shipper.
var levelNames = map[string]Level{
	"TRACE": LevelDebug, "DEBUG": LevelDebug, "DBG": LevelDebug,
	"INFO": LevelInfo, "INFORMATION": LevelInfo, "NOTICE": LevelInfo, "INF": LevelInfo,
	"WARNING": LevelWarning, "WARN": LevelWarning, "WRN": LevelWarning,
	"ERROR": LevelError, "ERR": LevelError, "SEVERE": LevelError,
	"CRITICAL": LevelCritical, "CRIT": LevelCritical, "FATAL": LevelCritical,
	"ALERT": LevelCritical, "EMERG": LevelCritical, "EMERGENCY": LevelCritical, "PANIC": LevelCritical,
}

// String returns the canonical upper-case name ("UNKNOWN" for the zero value).
func (l Level) String() string {
	switch l {
	case LevelDebug:
		return "DEBUG"
	case LevelInfo:
		return "INFO"
	case LevelWarning:
		return "WARNING"
	case LevelError:
		return "ERROR"
	case LevelCritical:
		return "CRITICAL"
	case LevelUnknown:
		return "UNKNOWN"
	}
	return fmt.Sprintf("LEVEL(%d)", int(l))
}

// MarshalText writes the canonical name, so levels read well in JSON reports.
func (l Level) MarshalText() ([]byte, error) { return []byte(l.String()), nil }

// UnmarshalText accepts any spelling ParseLevel accepts.
func (l *Level) UnmarshalText(b []byte) error {
	v, ok := ParseLevel(string(b))
	if !ok {
		return fmt.Errorf("unknown log level %q", b)
	}
	*l = v
	return nil
}

// ParseLevel reads a level name case-insensitively, accepting aliases such
// as WARN, FATAL, CRIT, ERR and NOTICE.
func ParseLevel(s string) (Level, bool) {
	return parseLevelBytes([]byte(strings.TrimSpace(s)))
}

// parseLevelBytes upper-cases into a stack buffer so the hot path does not
// allocate (the map lookup with string(b) does not copy).
func parseLevelBytes(b []byte) (Level, bool) {
	var buf [12]byte
	if len(b) == 0 || len(b) > len(buf) {
		return LevelUnknown, false
	}
	for i, c := range b {
		if 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		buf[i] = c
	}
	l, ok := levelNames[string(buf[:len(b)])]
	return l, ok
}

// levelFromNumber maps a numeric level (Python's 10..50, rounded down to the
// named level below it) to a Level.
func levelFromNumber(n float64) Level {
	switch {
	case n >= 50:
		return LevelCritical
	case n >= 40:
		return LevelError
	case n >= 30:
		return LevelWarning
	case n >= 20:
		return LevelInfo
	case n >= 1:
		return LevelDebug
	}
	return LevelUnknown
}
