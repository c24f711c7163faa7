package health

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/fossawork/fossamaint/internal/finding"
)

func TestJSONUsesSnakeCaseAndMilliseconds(t *testing.T) {
	b, err := json.Marshal(Report{Items: []Item{{Area: "endpoint", Name: "health", OK: true, Severity: finding.OK}}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"items":[{"area":"endpoint"`) {
		t.Errorf("report JSON %s", b)
	}
	b, err = json.Marshal(Result{Name: "health", Status: 200, Healthy: true, Latency: 1500 * time.Microsecond})
	if err != nil {
		t.Fatal(err)
	}
	if got := string(b); !strings.Contains(got, `"latency_ms":1.5`) || strings.Contains(got, "Latency") {
		t.Errorf("result JSON %s", got)
	}
}
