package config

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// Duration is a time.Duration that also accepts whole days ("7d", "1d12h"),
// because retention is written in days.
type Duration time.Duration

// D returns the value as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// UnmarshalText parses "90d", "4h", "1d12h" or "30m".
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := ParseDuration(string(b))
	if err != nil {
		return err
	}
	*d = Duration(v)
	return nil
}

// MarshalText writes days when the value is a whole number of days.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

func (d Duration) String() string {
	v := time.Duration(d)
	const day = 24 * time.Hour
	if v != 0 && v%day == 0 {
		return strconv.FormatInt(int64(v/day), 10) + "d"
	}
	s := v.String()
	// time.Duration writes 4h0m0s and 1m30s; drop the zero units.
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// ParseDuration is time.ParseDuration with a leading "<n>d" days term.
func ParseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	orig := s
	var days time.Duration
	if i := strings.IndexByte(s, 'd'); i > 0 {
		n, err := strconv.Atoi(s[:i])
		if err != nil || n < 0 {
			return 0, fmt.Errorf("%q is not a duration (e.g. 30s, 4h, 7d, 1d12h)", orig)
		}
		days = time.Duration(n) * 24 * time.Hour
		s = s[i+1:]
		if s == "" {
			return days, nil
		}
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a duration (e.g. 30s, 4h, 7d, 1d12h)", orig)
	}
	return days + v, nil
}

// Mode is a file mode written in octal ("0600").
type Mode os.FileMode

// UnmarshalText parses an octal mode such as 0600 or 600.
func (m *Mode) UnmarshalText(b []byte) error {
	s := strings.TrimPrefix(strings.TrimPrefix(string(b), "0o"), "0")
	if s == "" {
		s = "0"
	}
	v, err := strconv.ParseUint(s, 8, 32)
	if err != nil || v > 0o7777 {
		return fmt.Errorf("%q is not a file mode: write it in octal, quoted (e.g. \"0600\")", string(b))
	}
	*m = Mode(v)
	return nil
}

// MarshalText writes the mode as four octal digits.
func (m Mode) MarshalText() ([]byte, error) { return []byte(m.String()), nil }

func (m Mode) String() string { return fmt.Sprintf("%04o", uint32(m)) }

// Perm returns the mode as os.FileMode.
func (m Mode) Perm() os.FileMode { return os.FileMode(m) }
