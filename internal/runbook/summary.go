package runbook

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"sort"
	"time"
)

// Headline metrics: the run-level numbers the report's summary shows. A
// step that measures one records it with Result.Headline under one of
// these names; Summarize copies it into Run.Metrics and the renderers look
// it up by the same constant, so producer and renderer cannot drift.
const (
	HeadlineDatabaseSizeBytes = "database_size_bytes"
	HeadlineWorkOrders        = "work_orders"
	HeadlineDispensers        = "dispensers"
	HeadlineErrorsLastWeek    = "errors_last_week"
	HeadlineCPUAvgPercent     = "cpu_avg_percent"
	HeadlineMemoryAvgPercent  = "memory_avg_percent"
)

// MetricDowntimeSeconds is the step metric Summarize adds up into the
// run's downtime; steps record it with Env.Downtime.
const MetricDowntimeSeconds = "downtime_seconds"

// Downtime records how long the step kept services stopped (stop to
// ready, or to giving up).
func (e *Env) Downtime(d time.Duration) { e.Metric(MetricDowntimeSeconds, d.Seconds(), "s") }

// Headlines are the headline metric names in the order reports show them.
var Headlines = []string{
	HeadlineDatabaseSizeBytes, HeadlineCPUAvgPercent, HeadlineMemoryAvgPercent,
	HeadlineErrorsLastWeek, HeadlineWorkOrders, HeadlineDispensers,
}

// Headline records a step metric that is also one of the run's headline
// numbers (one of the Headline constants).
func (r *Result) Headline(name string, value float64, unit string) {
	if r.Metrics == nil {
		r.Metrics = map[string]Metric{}
	}
	r.Metrics[name] = Metric{Value: value, Unit: unit, Headline: true}
}

// RolledBack marks the step's changes as rolled back: the run it belongs
// to ends in RunRolledBack.
func (r *Result) RolledBack() { r.Rolled = true }

// NewRunID names a run: its UTC start time and 24 random bits.
func NewRunID(now time.Time) string {
	var b [3]byte
	_, _ = rand.Read(b[:])
	return now.UTC().Format("20060102-150405") + "-" + hex.EncodeToString(b[:])
}

// Summarize fills a finished run's summary from its step results: the
// headline metrics, the recommendations (most severe first, each once,
// then the postponed steps), the downtime (the sum of the steps'
// downtime_seconds) and, for a weekly run whose changes were undone, the
// rolled-back state. A metric no step measured is left out, never guessed;
// one that several steps measured keeps the last step's value, the state
// the run leaves (the database's size after a VACUUM, not before).
func (run *Run) Summarize() {
	run.Metrics = map[string]float64{}
	run.DowntimeSeconds = 0
	for _, ph := range run.Phases {
		for _, s := range ph.Steps {
			for name, m := range s.Metrics {
				if m.Headline {
					run.Metrics[name] = m.Value
				}
			}
			run.DowntimeSeconds += s.Metrics[MetricDowntimeSeconds].Value
			// A weekly run (or a phase run on its own, db optimize) whose
			// downtime step was undone is rolled back; a rollback or
			// restore that failed has simply failed.
			rolledBack := s.Rolled || (s.Undone && s.Kind == Downtime)
			if rolledBack && run.Command != CommandRollback && run.Command != CommandRestore {
				run.Status = RunRolledBack
			}
		}
	}
	run.Recommendations = run.recommendations()
}

func (run *Run) recommendations() []string {
	fs := run.Findings()
	sort.SliceStable(fs, func(i, j int) bool { return fs[i].Severity > fs[j].Severity }) // worst first
	seen := map[string]bool{}
	out := []string{}
	for _, f := range fs {
		if f.Recommendation != "" && !seen[f.Recommendation] {
			seen[f.Recommendation] = true
			out = append(out, f.Recommendation)
		}
	}
	for _, ph := range run.Phases {
		for _, s := range ph.Steps {
			if s.Status == StatusPostponed {
				out = append(out, fmt.Sprintf("Run the postponed step %s/%s early in the next window.", ph.Name, s.Name))
			}
		}
	}
	return out
}
