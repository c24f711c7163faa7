package runbook

import (
	"slices"
	"testing"
	"time"
)

func TestSummarize(t *testing.T) {
	step := func(name string, f func(*StepResult)) StepResult {
		s := StepResult{Name: name, Kind: ReadOnly, Result: Result{Status: StatusOK}}
		f(&s)
		return s
	}
	env := func(r *Result) *Env { return &Env{result: r} }
	run := func(command string, steps ...StepResult) *Run {
		return &Run{Command: command, Status: RunWarn, Phases: []PhaseResult{{Name: "p", Steps: steps}}}
	}
	stats := step("stats", func(s *StepResult) {
		s.Headline(HeadlineDatabaseSizeBytes, 42, "bytes")
		s.Metric("page_size", 4096, "bytes")
		s.Finding(Info, "", "fine")
		s.Recommend("Read the manual.")
	})
	stop := step("optimize", func(s *StepResult) {
		s.Kind = Downtime
		env(&s.Result).Downtime(1500 * time.Millisecond)
		s.Finding(Critical, "", "broke")
		s.Recommend("Fix it.")
	})
	restart := step("services", func(s *StepResult) {
		env(&s.Result).Downtime(500 * time.Millisecond)
		s.Finding(Warning, "", "broke too")
		s.Recommend("Fix it.")
	})
	late := step("late", func(s *StepResult) { s.Status = StatusPostponed })

	r := run(CommandWeekly, stats, stop, restart, late)
	r.Summarize()
	if r.DowntimeSeconds != 2 {
		t.Errorf("downtime %v, want the steps' 1.5 + 0.5", r.DowntimeSeconds)
	}
	if len(r.Metrics) != 1 || r.Metrics[HeadlineDatabaseSizeBytes] != 42 {
		t.Errorf("run metrics %v, want only the headline", r.Metrics)
	}
	want := []string{"Fix it.", "Read the manual.", "Run the postponed step p/late early in the next window."}
	if !slices.Equal(r.Recommendations, want) {
		t.Errorf("recommendations %q, want %q (most severe first, each once, postponed last)", r.Recommendations, want)
	}
	if r.Status != RunWarn {
		t.Errorf("status %s: nothing was rolled back", r.Status)
	}

	for _, tc := range []struct {
		name, command string
		s             StepResult
		want          RunStatus
	}{
		{"marked rolled back", CommandWeekly, step("optimize", func(s *StepResult) { s.RolledBack() }), RunRolledBack},
		{"downtime step undone", "", step("optimize", func(s *StepResult) { s.Kind, s.Undone = Downtime, true }), RunRolledBack},
		{"mutating step undone", CommandWeekly, step("backup", func(s *StepResult) { s.Kind, s.Undone = Mutating, true }), RunWarn},
		{"a failed rollback has failed", CommandRollback, step("restore", func(s *StepResult) { s.Kind, s.Undone = Downtime, true }), RunWarn},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := run(tc.command, tc.s)
			r.Summarize()
			if r.Status != tc.want {
				t.Errorf("status %s, want %s", r.Status, tc.want)
			}
		})
	}
}
