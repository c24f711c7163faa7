package runbook

import "time"

// WeekOverWeek compares a run's headline measures with those of the
// previous real weekly run. It is derived data: internal/history computes
// it from the stored runs (history.Compare) and the commands put it on the
// run before rendering, so that reports, which are rendered from a Run
// only, can show each value next to last week's. It is not written by the
// engine, and a run with no earlier run has none.
type WeekOverWeek struct {
	// PreviousRunID and PreviousStartedAt name the run compared with.
	PreviousRunID     string    `json:"previous_run_id"`
	PreviousStartedAt time.Time `json:"previous_started_at"`
	// Measures are in report order; each has a value for this run, last
	// week's, or both.
	Measures []Compared `json:"measures"`
}

// Compared is one headline measure this run and last week. A nil value was
// not measured in that run (a phase skipped, no benchmark).
type Compared struct {
	Name     string   `json:"name"`
	Unit     string   `json:"unit"`
	Current  *float64 `json:"current"`
	Previous *float64 `json:"previous"`
}
