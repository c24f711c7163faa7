package runbook

import (
	"fmt"
	"slices"
	"time"

	"github.com/fossawork/fossamaint/internal/finding"
)

// Status is the outcome of a step or phase.
type Status string

// Step and phase statuses, worst last (see Worse). StatusInterrupted is
// a step the run's cancellation (a signal) cut short: not a failure of
// the step, but worse than a warning, since it did not finish; a step
// that failed before the signal still makes its phase fail.
const (
	StatusOK          Status = "ok"
	StatusSkipped     Status = "skipped"
	StatusPostponed   Status = "postponed"
	StatusWarn        Status = "warn"
	StatusInterrupted Status = "interrupted"
	StatusFail        Status = "fail"
)

var rank = map[Status]int{StatusOK: 0, StatusSkipped: 1, StatusPostponed: 2, StatusWarn: 3, StatusInterrupted: 4, StatusFail: 5}

// Worse returns the more severe of a and b.
func Worse(a, b Status) Status {
	if rank[b] > rank[a] {
		return b
	}
	return a
}

// RunStatus is the outcome of a whole run.
type RunStatus string

// Run statuses.
const (
	RunOK         RunStatus = "ok"
	RunWarn       RunStatus = "warn"
	RunFail       RunStatus = "fail"
	RunRolledBack RunStatus = "rolled_back"
	// RunRunning is only ever seen in the history of a run still in
	// progress, or of one that died.
	RunRunning RunStatus = "running"
)

// Severity grades a finding: the project's one vocabulary,
// finding.Severity, under the name the engine's callers know.
type Severity = finding.Severity

// Finding severities (finding.Info, finding.Warning, finding.Critical).
const (
	Info     = finding.Info
	Warning  = finding.Warning
	Critical = finding.Critical
)

// StatusOf is the step status a finding of severity sev calls for: a
// warning makes the step warn, a critical one fails it, and info or ok
// leave it as it is (StatusOK). It is the one place severities meet
// statuses.
func StatusOf(sev Severity) Status {
	switch {
	case sev >= Critical:
		return StatusFail
	case sev >= Warning:
		return StatusWarn
	}
	return StatusOK
}

// Finding is something a step noticed: what, and the evidence for it.
type Finding struct {
	Severity Severity `json:"severity"`
	Message  string   `json:"message"`
	Evidence string   `json:"evidence,omitempty"`
	// Recommendation is what the operator should do about it, if anything.
	Recommendation string `json:"recommendation,omitempty"`
}

// Metric is a measured number with its unit.
type Metric struct {
	Value float64 `json:"value"`
	Unit  string  `json:"unit"`
	// Headline marks one of the run's headline numbers (see Headlines).
	Headline bool `json:"headline,omitempty"`
}

// Result is what a step returns. Reports are rendered only from Results.
type Result struct {
	Status   Status            `json:"status"`
	Findings []Finding         `json:"findings"`
	Actions  []string          `json:"actions"`
	Metrics  map[string]Metric `json:"metrics"`
	// Note explains a skip or postponement in one line.
	Note string `json:"note,omitempty"`
	// Reason says why a skipped step did not run, when it is not the
	// usual "could not apply" (empty): SkipNotNeeded (nothing to do, all
	// is well: reports say "not needed" and do not count it as skipped)
	// or SkipInterrupted (the run was stopped before it).
	Reason SkipReason `json:"reason,omitempty"`
	// Rolled is true when the step's changes were rolled back (see
	// RolledBack): the run's state, not a metric.
	Rolled bool `json:"rolled_back,omitempty"`
	// Scope is ScopeHost when the step looked at the machine (its
	// packages, load, processes, system auth log) rather than the
	// installation; reports show such steps apart, under "This host".
	Scope Scope `json:"scope,omitempty"`
	// Tallies count the step's actions by kind ("368 files compressed,
	// 3.9 MiB -> 0.6 MiB"): what reports show instead of the full list,
	// which stays in Actions.
	Tallies []Tally `json:"tallies,omitempty"`
	// Series are measurements over time (a trend) that reports chart.
	Series []Series `json:"series,omitempty"`
	// Tables are measurements side by side (an endpoint's latency before
	// and after, a query's timings) that reports show as tables under
	// Performance Metrics; their figures are also in Metrics.
	Tables []Table `json:"tables,omitempty"`
}

// Tally counts actions of one kind: Count objects Verb'ed, and for
// actions that change sizes, the bytes before and after (0: not measured).
type Tally struct {
	Verb        string `json:"verb"`   // past tense: "compressed", "archived", "deleted"
	Object      string `json:"object"` // plural noun: "log files"
	Count       int    `json:"count"`
	BytesBefore int64  `json:"bytes_before,omitempty"`
	BytesAfter  int64  `json:"bytes_after,omitempty"`
	// Itemized says every action of the step is a change a reader must
	// see (an upgraded package), listed under the tally however many
	// there are; otherwise a report lists only a few and counts the rest
	// (hundreds of compressed log files).
	Itemized bool `json:"itemized,omitempty"`
}

// Tally records a count of actions of one kind; a zero count is not
// recorded.
func (r *Result) Tally(t Tally) {
	if t.Count > 0 {
		r.Tallies = append(r.Tallies, t)
	}
}

// Series is one measured quantity over time, oldest point first.
type Series struct {
	Name   string  `json:"name"`
	Unit   string  `json:"unit"`
	Points []Point `json:"points"`
}

// Table is a small table of text cells, already formatted for people:
// Columns name them, each row has one cell per column (the first names
// the row), and Note says how to read it (units, what "before" means).
type Table struct {
	Title   string     `json:"title"`
	Columns []string   `json:"columns"`
	Rows    [][]string `json:"rows"`
	Note    string     `json:"note,omitempty"`
}

// Point is one value of a series and the instant it describes.
type Point struct {
	At    time.Time `json:"at"`
	Value float64   `json:"value"`
}

// Scope says what a step's findings are about.
type Scope string

// ScopeInstallation (the zero value) is the FossaWork installation;
// ScopeHost is the machine it runs on.
const (
	ScopeInstallation Scope = ""
	ScopeHost         Scope = "host"
)

// Finding appends a finding and raises the status to match its severity.
func (r *Result) Finding(sev Severity, evidence, format string, a ...any) {
	r.Findings = append(r.Findings, Finding{Severity: sev, Message: fmt.Sprintf(format, a...), Evidence: evidence})
	r.Status = Worse(r.Status, StatusOf(sev))
}

// Recommend attaches a recommendation to the last finding.
func (r *Result) Recommend(format string, a ...any) {
	if n := len(r.Findings); n > 0 {
		r.Findings[n-1].Recommendation = fmt.Sprintf(format, a...)
	}
}

// Metric records a measured value.
func (r *Result) Metric(name string, value float64, unit string) {
	if r.Metrics == nil {
		r.Metrics = map[string]Metric{}
	}
	r.Metrics[name] = Metric{Value: value, Unit: unit}
}

// Action records something the step did (or, in a dry run, would do).
func (r *Result) Action(format string, a ...any) {
	r.Actions = append(r.Actions, fmt.Sprintf(format, a...))
}

// Settled is r as a finished result reads: a step that recorded nothing
// is ok (as the engine rates it), and lists and maps are empty, not nil,
// so that JSON has "status": "ok" and "actions": [].
func (r Result) Settled() Result {
	if r.Status == "" {
		r.Status = StatusOK
	}
	if r.Findings == nil {
		r.Findings = []Finding{}
	}
	if r.Actions == nil {
		r.Actions = []string{}
	}
	if r.Metrics == nil {
		r.Metrics = map[string]Metric{}
	}
	return r
}

// Skipped returns a result for a step that could not apply, with the reason.
func Skipped(format string, a ...any) Result {
	return Result{Status: StatusSkipped, Note: fmt.Sprintf(format, a...)}
}

// SkipReason says why a skipped step did not run (Result.Reason).
type SkipReason string

// Skip reasons: the zero value is "could not apply" (Skipped).
const (
	SkipNotNeeded   SkipReason = "not_needed"
	SkipInterrupted SkipReason = "interrupted"
)

// NotNeeded returns a result for a step that had nothing to do because
// all is well (the corruption procedure of a database whose integrity
// check passed), with why: skipped, but nothing a reader should worry
// about.
func NotNeeded(format string, a ...any) Result {
	return Result{Status: StatusSkipped, Reason: SkipNotNeeded, Note: fmt.Sprintf(format, a...)}
}

// NotNeeded is true for a step skipped because it had nothing to do.
func (r Result) NotNeeded() bool { return r.Status == StatusSkipped && r.Reason == SkipNotNeeded }

// StepResult is a Result with its step's identity and timing.
type StepResult struct {
	Name            string    `json:"name"`
	Kind            Kind      `json:"kind"`
	StartedAt       time.Time `json:"started_at"`
	FinishedAt      time.Time `json:"finished_at"`
	DurationSeconds float64   `json:"duration_seconds"`
	Error           string    `json:"error,omitempty"`
	Undone          bool      `json:"undone,omitempty"`
	Result
}

// PhaseResult groups the results of one phase.
type PhaseResult struct {
	Name   string       `json:"name"`
	Title  string       `json:"title"`
	Status Status       `json:"status"`
	Steps  []StepResult `json:"steps"`
}

// Span is a start and an end.
type Span struct {
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
}

// Commands whose runs the journal records. Only weekly runs are what
// `report latest` and `rollback` mean by "the latest run".
const (
	CommandWeekly   = "weekly"
	CommandRollback = "rollback"
	CommandRestore  = "restore"
	CommandPrune    = "prune"
)

// SchemaVersion is the version of the Run's JSON schema: reports and the
// history write it first. It changes when a field changes meaning or goes.
const SchemaVersion = 1

// Run is one execution of a plan: everything a report shows.
type Run struct {
	// SchemaVersion is SchemaVersion when the run is written (0 in a run
	// built in memory: writers set it).
	SchemaVersion int    `json:"schema_version"`
	RunID         string `json:"run_id"`
	// Command is what made the run: CommandWeekly (the default) or a
	// stand-alone command that changes files or stops services.
	Command string `json:"command,omitempty"`
	Host    string `json:"host"`
	// Root is the installation's root directory: reports show paths
	// under it relative to it.
	Root        string `json:"root,omitempty"`
	Operator    string `json:"operator"`
	ToolVersion string `json:"tool_version"`
	DryRun      bool   `json:"dry_run"`
	// Partial is true when only some phases ran (weekly --only/--skip):
	// such a run is not a week's measure (history's week over week, the
	// notice's downtime, the metrics textfile leave it out).
	Partial         bool      `json:"partial,omitempty"`
	StartedAt       time.Time `json:"started_at"`
	FinishedAt      time.Time `json:"finished_at"`
	Status          RunStatus `json:"status"`
	Window          Span      `json:"window"`
	DowntimeSeconds float64   `json:"downtime_seconds"`
	// RollbackPoint is the database file this run can be rolled back to.
	RollbackPoint string `json:"rollback_point,omitempty"`
	// Interrupted says where the run was stopped when its context was
	// cancelled (a signal); nil for a run that went to its end. The
	// status stays what the run's state is (fail, or rolled_back when the
	// step cut short was undone): rollback relies on it.
	Interrupted *Interruption `json:"interrupted,omitempty"`
	// Overrun is what the overrun policy decided when the window ran
	// short (steps postponed, the window extended, the run rolled back);
	// nil when every step fit. Its schema is OverrunOutcome's.
	Overrun         *OverrunOutcome    `json:"overrun,omitempty"`
	Phases          []PhaseResult      `json:"phases"`
	Metrics         map[string]float64 `json:"metrics"`
	Recommendations []string           `json:"recommendations"`
	NextMaintenance time.Time          `json:"next_maintenance"`
	// WeekOverWeek is this run against the previous one (see the type);
	// nil when there is none.
	WeekOverWeek *WeekOverWeek `json:"week_over_week,omitempty"`
}

// Interruption is where a run was stopped, and by what. Phase and Step
// are empty when the signal came as the last step finished.
type Interruption struct {
	Phase string `json:"phase"`
	Step  string `json:"step"`
	// During is true when the step was running (cut short, then undone
	// if it can be), false when the run stopped before it began.
	During bool `json:"during"`
	// Cause is the cancellation's cause ("interrupt signal received").
	Cause string `json:"cause"`
}

// Step finds a step result by phase and step name.
func (r *Run) Step(phase, step string) (StepResult, bool) {
	for _, p := range r.Phases {
		if p.Name != phase {
			continue
		}
		for _, s := range p.Steps {
			if s.Name == step {
				return s, true
			}
		}
	}
	return StepResult{}, false
}

// Findings returns every finding of the run, in plan order, with the phase
// and step it came from.
func (r *Run) Findings() []LocatedFinding {
	var out []LocatedFinding
	for _, p := range r.Phases {
		for _, s := range p.Steps {
			for _, f := range s.Findings {
				out = append(out, LocatedFinding{Phase: p.Name, Step: s.Name, Finding: f})
			}
		}
	}
	return out
}

// LocatedFinding is a finding with where it was made.
type LocatedFinding struct {
	Phase string `json:"phase"`
	Step  string `json:"step"`
	Finding
}

// In returns a copy of the run with its report-level times in loc. A run
// read back from JSON keeps only UTC offsets; this restores zone names
// (CST rather than -0600) for re-rendering.
func (r Run) In(loc *time.Location) *Run {
	if loc == nil {
		return &r
	}
	r.StartedAt, r.FinishedAt = r.StartedAt.In(loc), r.FinishedAt.In(loc)
	r.Window = Span{Start: r.Window.Start.In(loc), End: r.Window.End.In(loc)}
	r.NextMaintenance = r.NextMaintenance.In(loc)
	if r.Overrun != nil {
		o := *r.Overrun
		o.PlannedEnd, o.End = o.PlannedEnd.In(loc), o.End.In(loc)
		if !o.RolledBackAt.IsZero() {
			o.RolledBackAt = o.RolledBackAt.In(loc)
		}
		o.Notifications = slices.Clone(o.Notifications)
		for i := range o.Notifications {
			n := &o.Notifications[i]
			n.At = n.At.In(loc)
			if !n.RevisedEnd.IsZero() {
				n.RevisedEnd = n.RevisedEnd.In(loc)
			}
		}
		r.Overrun = &o
	}
	return &r
}
