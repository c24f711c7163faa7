package updates

import (
	"testing"

	"github.com/fossawork/fossamaint/internal/finding"
)

func TestFindingSeverity(t *testing.T) {
	for level, want := range map[string]finding.Severity{
		"info": finding.Info, "low": finding.Info, "moderate": finding.Info,
		"high": finding.Warning, "critical": finding.Warning, "CRITICAL": finding.Warning,
		// A level npm may add later is not taken for harmless.
		"severe": finding.Warning, "": finding.Warning,
	} {
		if got := FindingSeverity(level); got != want {
			t.Errorf("FindingSeverity(%q) = %v, want %v", level, got, want)
		}
	}
}

// TestSeveritiesWorst: the audit's severity is what the weekly phase
// reports today: a warning for any high or critical, info for only lower
// levels, nothing for a clean audit.
func TestSeveritiesWorst(t *testing.T) {
	tests := []struct {
		c    Severities
		want finding.Severity
	}{
		{Severities{}, finding.OK},
		{Severities{Info: 1, Total: 1}, finding.Info},
		{Severities{Low: 2, Moderate: 3, Total: 5}, finding.Info},
		{Severities{Moderate: 3, High: 1, Total: 4}, finding.Warning},
		{Severities{Critical: 1, Total: 1}, finding.Warning},
	}
	for _, tt := range tests {
		if got := tt.c.Worst(); got != tt.want {
			t.Errorf("%+v.Worst() = %v, want %v", tt.c, got, tt.want)
		}
	}
}
