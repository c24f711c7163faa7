package promexport

import (
	"bytes"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fossawork/fossamaint/internal/runbook"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

var at = time.Date(2026, 12, 5, 2, 0, 0, 0, time.UTC)

// fullRun measured everything the metrics show, with findings of each
// severity.
func fullRun() *runbook.Run {
	m := func(v float64, unit string) runbook.Metric { return runbook.Metric{Value: v, Unit: unit} }
	stats := runbook.StepResult{Name: "stats", Result: runbook.Result{Metrics: map[string]runbook.Metric{"freelist_percent": m(20.5, "%")},
		Findings: []runbook.Finding{{Severity: runbook.Info, Message: "not WAL"}}}}
	opt := runbook.StepResult{Name: "optimize", Kind: runbook.Downtime, Result: runbook.Result{Status: runbook.StatusOK,
		Metrics: map[string]runbook.Metric{"downtime_seconds": m(1.25, "s")}}}
	app := runbook.StepResult{Name: "app-logs", Result: runbook.Result{Metrics: map[string]runbook.Metric{"failed_logins_last_week": m(102, "count")},
		Findings: []runbook.Finding{{Severity: runbook.Warning, Message: "brute force"}, {Severity: runbook.Warning, Message: "scanner"}}}}
	bench := runbook.StepResult{Name: "api-benchmark", Result: runbook.Result{Metrics: map[string]runbook.Metric{
		"latency_p95_seconds:work-orders": m(0.0125, "s"), "latency_p95_seconds:health": m(0.002, "s")}}}
	run := &runbook.Run{RunID: "20261205-020000-ab12", Command: runbook.CommandWeekly, StartedAt: at, FinishedAt: at.Add(47*time.Minute + 500*time.Millisecond),
		Phases: []runbook.PhaseResult{
			{Name: "database", Steps: []runbook.StepResult{stats, opt}},
			{Name: "performance", Steps: []runbook.StepResult{bench}},
			{Name: "security", Steps: []runbook.StepResult{app}},
		}}
	run.Summarize()
	run.Status = runbook.RunWarn
	run.Metrics[runbook.HeadlineDatabaseSizeBytes] = 52641792
	run.Metrics[runbook.HeadlineWorkOrders] = 17002
	run.Metrics[runbook.HeadlineDispensers] = 51087
	run.Metrics[runbook.HeadlineErrorsLastWeek] = 192
	return run
}

func TestTextfile(t *testing.T) {
	backups := []Backup{
		{Kind: "daily", Time: at.Add(-2 * time.Hour), Size: 69468160},
		{Kind: "weekly", Time: at.Add(10 * time.Minute), Size: 69468160},
	}
	cases := []struct {
		name string
		in   Input
	}{
		{"full", Input{Run: fullRun(), Backups: backups, Now: at.Add(time.Hour)}},
		// A run that measured nothing (every phase skipped) and no
		// backups: its status, time and findings, and nothing made up.
		{"empty", Input{Run: &runbook.Run{RunID: "x", StartedAt: at, FinishedAt: at.Add(time.Second), Status: runbook.RunFail}, Now: at}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			reg, err := NewRegistry(c.in)
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(t.TempDir(), "fossamaint.prom")
			if err := WriteTextfile(path, reg); err != nil {
				t.Fatal(err)
			}
			got, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			golden(t, filepath.Join("testdata", c.name+".prom"), got)
			if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o644 {
				t.Errorf("mode %v, want 0644 (node_exporter runs as another user)", fi.Mode().Perm())
			}
			if ents, _ := os.ReadDir(filepath.Dir(path)); len(ents) != 1 {
				t.Errorf("the directory holds %d entries, want only the textfile (no temporary left)", len(ents))
			}
			promtoolCheck(t, path)
		})
	}
}

func TestNoRun(t *testing.T) {
	if _, err := NewRegistry(Input{}); err == nil || !strings.Contains(err.Error(), "fossamaint weekly") {
		t.Fatalf("no run: %v", err)
	}
}

// promtoolCheck runs `promtool check metrics` (Debian package
// prometheus) on the file: its exit status is 0 only when the file parses
// and follows the naming conventions (its lint). Skipped without
// promtool, failing then under CI.
func promtoolCheck(t *testing.T, path string) {
	t.Helper()
	bin, err := exec.LookPath("promtool")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("promtool is missing under CI: apt-get install prometheus (.ci/run does)")
		}
		t.Skip("promtool not installed (apt-get install prometheus)")
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cmd := exec.Command(bin, "check", "metrics")
	cmd.Stdin = f
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("promtool check metrics: %v\n%s", err, out.String())
	}
}

func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("reading golden file (run with -update to create it): %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from golden file; run go test -update and review the diff\ngot:\n%s", path, got)
	}
}
