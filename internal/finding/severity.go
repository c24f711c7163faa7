package finding

import (
	"cmp"
	"fmt"
)

// Severity grades a finding. The constants are ordered, least severe
// first, so comparing two severities compares how bad they are. The zero
// value is OK. It is an int, not a byte, so that go vet (stringintconv,
// which exempts bytes) flags a string(sev) that would yield one rune
// where String() was meant.
type Severity int

// Severities, least severe first. Their names are the JSON, YAML and text
// forms.
const (
	// OK: checked, nothing wrong (health items report it; findings rarely do).
	OK Severity = iota
	// Info: worth knowing, nothing to do.
	Info
	// Warning: needs attention, the run still succeeded.
	Warning
	// Critical: broken, or about to break; the step failed.
	Critical
)

var names = [...]string{OK: "ok", Info: "info", Warning: "warning", Critical: "critical"}

// Severities lists every severity, least severe first.
func Severities() []Severity { return []Severity{OK, Info, Warning, Critical} }

// Valid reports whether s is one of the four severities.
func (s Severity) Valid() bool { return int(s) < len(names) }

// String is the severity's name ("warning"); a value outside the
// vocabulary prints as Severity(n), never as a valid name.
func (s Severity) String() string {
	if !s.Valid() {
		return fmt.Sprintf("Severity(%d)", int(s))
	}
	return names[s]
}

// Rank orders severities: 0 for OK up to 3 for Critical.
func (s Severity) Rank() int { return int(s) }

// Compare returns -1, 0 or +1 as a is less severe than, as severe as, or
// more severe than b (the shape slices.SortFunc takes).
func Compare(a, b Severity) int { return cmp.Compare(a, b) }

// Worst returns the most severe of ss, OK when there are none.
func Worst(ss ...Severity) Severity {
	w := OK
	for _, s := range ss {
		w = max(w, s)
	}
	return w
}

// ParseSeverity reads a severity's name, exactly as String writes it.
// Anything else is an error: an unknown severity must not be guessed into
// one of the four.
func ParseSeverity(text string) (Severity, error) {
	for i, n := range names {
		if text == n {
			return Severity(i), nil
		}
	}
	return OK, fmt.Errorf("unknown severity %q: want ok, info, warning or critical", text)
}

// MarshalText writes the severity's name (JSON and YAML use it); a value
// outside the vocabulary is an error rather than a made-up name.
func (s Severity) MarshalText() ([]byte, error) {
	if !s.Valid() {
		return nil, fmt.Errorf("cannot encode severity %d: not ok, info, warning or critical", int(s))
	}
	return []byte(names[s]), nil
}

// UnmarshalText reads a severity's name and rejects any other text, so a
// report, journal or file with an unknown severity fails to load instead of
// being misread.
func (s *Severity) UnmarshalText(text []byte) error {
	v, err := ParseSeverity(string(text))
	if err != nil {
		return err
	}
	*s = v
	return nil
}
