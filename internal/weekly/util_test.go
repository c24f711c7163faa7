package weekly

import (
	"strings"
	"testing"

	"github.com/fossawork/fossamaint/internal/health"
)

func TestMetricUnitProblem(t *testing.T) {
	for _, tc := range []struct {
		name, unit, want string // want: a part of the problem, "" for none
	}{
		{"backup_seconds", "s", ""},
		{"latency_median_seconds:health", "s", ""},
		{"latency_median_ms:health", "ms", "not in the vocabulary"},
		{"load1", "", "not in the vocabulary"},
		{"load1", "load", ""},
		{"freelist_ratio", "%", "must have the unit \"ratio\""},
		{"freelist_percent", "%", ""},
		{"daily_backup_age_hours", "h", "not in the vocabulary"},
		{"daily_backup_age_seconds", "s", ""},
		{"size_before_bytes", "count", "must have the unit \"bytes\""},
		{"days_left:certs/a.crt", "days", ""},
	} {
		got := MetricUnitProblem(tc.name, tc.unit)
		if (tc.want == "") != (got == "") || !strings.Contains(got, tc.want) {
			t.Errorf("MetricUnitProblem(%q, %q) = %q, want %q", tc.name, tc.unit, got, tc.want)
		}
	}
}

func TestMessageHelpers(t *testing.T) {
	load := health.SystemSnapshot{Load1: 5.98, Load5: 5.16, Load15: 6.21, CPUs: 2, LoadPercent: 5.98 / 2 * 100}
	for _, tc := range []struct{ got, want string }{
		{signedPercent(78.66), "+79%"},
		{signedPercent(-38.7), "-39%"},
		{signedPercent(0), "0.0%"},
		{systemItemText(health.Item{Area: "disk", Name: "/srv", Detail: "96% used"}), "disk /srv: 96% used"},
		{systemItemText(health.Item{Area: "memory", Name: "memory", Detail: "91% used"}), "memory: 91% used"},
		{systemItemText(health.Item{Area: "load", Name: "load", Detail: health.LoadText(load)}),
			"load average 5.98 (1 min), 5.16 (5 min), 6.21 (15 min) on 2 CPUs: 299% of capacity"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}
