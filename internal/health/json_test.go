package health

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/fossawork/fossamaint/internal/finding"
)

func TestJSONUsesSnakeCaseAndSeconds(t *testing.T) {
	b, err := json.Marshal(Report{Items: []Item{{Area: "endpoint", Name: "health", OK: true, Severity: finding.OK}}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"items":[{"area":"endpoint"`) || strings.Contains(string(b), `"value"`) || strings.Contains(string(b), `"unit"`) {
		t.Errorf("report JSON %s: an item without a measurement has no value or unit", b)
	}
	ms := 0.0015
	b, _ = json.Marshal(Item{Area: "endpoint", Name: "health", OK: true, Value: &ms, Unit: "s"})
	if !strings.Contains(string(b), `"value":0.0015,"unit":"s"`) {
		t.Errorf("item JSON %s", b)
	}
	b, err = json.Marshal(Result{Name: "health", Status: 200, Healthy: true, Latency: 1500 * time.Microsecond})
	if err != nil {
		t.Fatal(err)
	}
	if got := string(b); !strings.Contains(got, `"latency_seconds":0.0015`) || strings.Contains(got, "Latency") {
		t.Errorf("result JSON %s", got)
	}
}
