package finding

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"
)

func TestParseSeverity(t *testing.T) {
	tests := []struct {
		text    string
		want    Severity
		wantErr bool
	}{
		{"ok", OK, false},
		{"info", Info, false},
		{"warning", Warning, false},
		{"critical", Critical, false},
		// Only the exact names: a near miss is an error, never a guess.
		{"", OK, true},
		{"Critical", OK, true},
		{"warn", OK, true},
		{"fail", OK, true},
		{"high", OK, true},
		{" info", OK, true},
	}
	for _, tt := range tests {
		got, err := ParseSeverity(tt.text)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("ParseSeverity(%q) = %v, %v; want %v, error %v", tt.text, got, err, tt.want, tt.wantErr)
		}
		if err != nil && !strings.Contains(err.Error(), "unknown severity") {
			t.Errorf("ParseSeverity(%q) error %q does not say what is wrong", tt.text, err)
		}
	}
}

func TestOrder(t *testing.T) {
	all := Severities()
	if !slices.IsSortedFunc(all, Compare) || len(all) != 4 {
		t.Fatalf("Severities() = %v, want the four least severe first", all)
	}
	for i, s := range all {
		if s.Rank() != i {
			t.Errorf("%v.Rank() = %d, want %d", s, s.Rank(), i)
		}
	}
	if Compare(Critical, Warning) <= 0 || Compare(Info, Warning) >= 0 || Compare(Info, Info) != 0 {
		t.Error("Compare does not order by how bad")
	}
	tests := []struct {
		in   []Severity
		want Severity
	}{
		{nil, OK},
		{[]Severity{Info}, Info},
		{[]Severity{Warning, Info, OK}, Warning},
		{[]Severity{Info, Critical, Warning}, Critical},
	}
	for _, tt := range tests {
		if got := Worst(tt.in...); got != tt.want {
			t.Errorf("Worst(%v) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestTextRoundTrip(t *testing.T) {
	for _, s := range Severities() {
		b, err := s.MarshalText()
		if err != nil || string(b) != s.String() {
			t.Fatalf("%v.MarshalText() = %q, %v", s, b, err)
		}
		var back Severity
		if err := back.UnmarshalText(b); err != nil || back != s {
			t.Fatalf("UnmarshalText(%q) = %v, %v", b, back, err)
		}
	}
	bad := Severity(9)
	if bad.Valid() || bad.String() != "Severity(9)" {
		t.Errorf("Severity(9): Valid %v, String %q", bad.Valid(), bad.String())
	}
	if _, err := bad.MarshalText(); err == nil {
		t.Error("MarshalText of a value outside the vocabulary succeeded")
	}
}

type doc struct {
	Severity Severity `json:"severity" yaml:"severity"`
}

func TestJSON(t *testing.T) {
	b, err := json.Marshal(doc{Warning})
	if err != nil || string(b) != `{"severity":"warning"}` {
		t.Fatalf("Marshal = %s, %v", b, err)
	}
	if _, err := json.Marshal(doc{Severity(7)}); err == nil {
		t.Error("Marshal of an invalid severity succeeded")
	}
	tests := []struct {
		in      string
		want    Severity
		wantErr bool
	}{
		{`{"severity":"critical"}`, Critical, false},
		{`{"severity":"ok"}`, OK, false},
		{`{}`, OK, false},
		{`{"severity":"bogus"}`, OK, true},
		{`{"severity":""}`, OK, true},
		{`{"severity":3}`, OK, true},
	}
	for _, tt := range tests {
		var d doc
		err := json.Unmarshal([]byte(tt.in), &d)
		if (err != nil) != tt.wantErr || d.Severity != tt.want {
			t.Errorf("Unmarshal(%s) = %v, %v; want %v, error %v", tt.in, d.Severity, err, tt.want, tt.wantErr)
		}
	}
}

func TestYAML(t *testing.T) {
	b, err := yaml.Marshal(doc{Critical})
	if err != nil || strings.TrimSpace(string(b)) != "severity: critical" {
		t.Fatalf("Marshal = %q, %v", b, err)
	}
	var d doc
	if err := yaml.Unmarshal([]byte("severity: warning\n"), &d); err != nil || d.Severity != Warning {
		t.Fatalf("Unmarshal = %v, %v", d.Severity, err)
	}
	if err := yaml.Unmarshal([]byte("severity: high\n"), &d); err == nil {
		t.Error("YAML with an unknown severity was accepted")
	}
}

// FuzzParseSeverity: whatever the text, ParseSeverity either rejects it or
// returns a valid severity that prints back as the same text.
func FuzzParseSeverity(f *testing.F) {
	for _, s := range []string{"ok", "info", "warning", "critical", "", "Warning", "high", "\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		s, err := ParseSeverity(text)
		if err != nil {
			return
		}
		if !s.Valid() || s.String() != text {
			t.Fatalf("ParseSeverity(%q) = %v", text, s)
		}
	})
}
