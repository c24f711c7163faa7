package weekly

import "strings"

// MetricUnits is the vocabulary of the units a step's metrics carry (see
// the package doc): every metric names one, never "".
var MetricUnits = []string{"s", "bytes", "%", "ratio", "count", "rows", "files", "pages", "days", "load", "bool", "req/s"}

// unitSuffixes are the name endings that promise a unit: a metric named
// "x_seconds" holds seconds, "x_bytes" bytes, "x_percent" a percentage
// (0–100) and "x_ratio" a fraction (0–1).
var unitSuffixes = map[string]string{"_seconds": "s", "_bytes": "bytes", "_percent": "%", "_ratio": "ratio", "_days": "days"}

// MetricUnitProblem says what is wrong with a metric's name and unit, or
// "" when they agree with the vocabulary. A name may carry a ":subject"
// ("latency_seconds:health"); the part before the colon is checked.
func MetricUnitProblem(name, unit string) string {
	known := false
	for _, u := range MetricUnits {
		known = known || u == unit
	}
	if !known {
		return "unit " + quote(unit) + " is not in the vocabulary " + strings.Join(MetricUnits, ", ")
	}
	base, _, _ := strings.Cut(name, ":")
	for suffix, want := range unitSuffixes {
		if strings.HasSuffix(base, suffix) && unit != want {
			return "a name ending in " + suffix + " must have the unit " + quote(want) + ", not " + quote(unit)
		}
	}
	return ""
}

func quote(s string) string { return `"` + s + `"` }
