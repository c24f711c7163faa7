package runbook

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestFindingSeverityIsClosed: a run read back (report latest, rollback)
// with a severity outside the vocabulary is an error. It used to load,
// and the unknown value then sorted as critical in the recommendations.
func TestFindingSeverityIsClosed(t *testing.T) {
	tests := []struct {
		json    string
		want    Severity
		wantErr bool
	}{
		{`{"severity":"warning","message":"m"}`, Warning, false},
		{`{"severity":"critical","message":"m"}`, Critical, false},
		{`{"severity":"info","message":"m"}`, Info, false},
		{`{"severity":"bogus","message":"m"}`, Info, true},
		{`{"severity":"Warning","message":"m"}`, Info, true},
	}
	for _, tt := range tests {
		var f Finding
		err := json.Unmarshal([]byte(tt.json), &f)
		if (err != nil) != tt.wantErr || (err == nil && f.Severity != tt.want) {
			t.Errorf("Unmarshal(%s) = %v, %v; want %v, error %v", tt.json, f.Severity, err, tt.want, tt.wantErr)
		}
	}
	// Written back, a severity is the same word the JSON always had.
	b, err := json.Marshal(Finding{Severity: Warning, Message: "m"})
	if err != nil || !strings.HasPrefix(string(b), `{"severity":"warning",`) {
		t.Errorf("Marshal = %s, %v", b, err)
	}
}

func TestFindingRaisesStatus(t *testing.T) {
	tests := []struct {
		sevs []Severity
		want Status
	}{
		{nil, ""},
		{[]Severity{Info}, ""},
		{[]Severity{Warning, Info}, StatusWarn},
		{[]Severity{Info, Critical, Warning}, StatusFail},
	}
	for _, tt := range tests {
		var r Result
		for _, s := range tt.sevs {
			r.Finding(s, "", "x")
		}
		if r.Status != tt.want {
			t.Errorf("findings %v: status %q, want %q", tt.sevs, r.Status, tt.want)
		}
	}
	for sev, want := range map[Severity]Status{0: StatusOK, Info: StatusOK, Warning: StatusWarn, Critical: StatusFail} {
		if got := StatusOf(sev); got != want {
			t.Errorf("StatusOf(%v) = %q, want %q", sev, got, want)
		}
	}
}

// TestTallyAndRunJSON: a zero tally is not recorded; schema_version is
// the Run's first key, root is left out when unknown, tallies and series
// only where a step has them.
func TestTallyAndRunJSON(t *testing.T) {
	var r Result
	r.Tally(Tally{Verb: "deleted", Object: "old archives", Count: 0})
	r.Tally(Tally{Verb: "compressed", Object: "log files", Count: 3, BytesBefore: 10, BytesAfter: 2})
	if len(r.Tallies) != 1 || r.Tallies[0].Verb != "compressed" {
		t.Errorf("tallies = %+v", r.Tallies)
	}
	b, err := json.Marshal(Run{SchemaVersion: SchemaVersion, RunID: "x", Phases: []PhaseResult{{Steps: []StepResult{{Name: "s"}}}}})
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	if !strings.HasPrefix(s, `{"schema_version":1,"run_id":"x"`) {
		t.Errorf("JSON starts %.60s", s)
	}
	for _, absent := range []string{`"root"`, `"tallies"`, `"series"`} {
		if strings.Contains(s, absent) {
			t.Errorf("JSON has %s where there is none", absent)
		}
	}
}
