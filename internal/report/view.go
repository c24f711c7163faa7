package report

import (
	"maps"
	"slices"
	"strings"

	"github.com/fossawork/fossamaint/internal/runbook"
)

// view is what Markdown and HTML both show, computed once from an already
// redacted run so the two formats cannot drift apart. Every string in it is
// for people: sizes, durations and percentages in human units, paths
// relative to the installation root.
type view struct {
	Title       string
	Status      string // the raw run status, for colour
	StatusText  string // "WARN: finished with warnings"
	RunID       string
	Host        string
	Root        string
	ToolVersion string
	DryRun      bool

	Start, End, Duration, Window, Downtime string
	// WindowEnds is the planned and the actual end; WindowDecision what
	// the overrun policy decided (window.go).
	WindowEnds, WindowDecision string

	Box box

	Activities      []activity
	Issues          []issueGroup
	HostSteps       []hostStep
	Actions         []actionGroup
	Headlines       []labelled
	WeekOverWeek    *weekView
	Charts          []chart
	Tables          []table
	Recommendations []recommendation
	NextScheduled   string
	Special         []string
	// Wildcard is true when some text shows a log template's "<*>":
	// the report explains it once.
	Wildcard bool
	// notRun counts the steps an interruption (or a rollback at the
	// window's end) kept from running.
	notRun    int
	notRunWhy string
	Operator  string
	Generated string

	// The appendix: what an engineer looks up.
	Steps []stepRow
	// AllIssues are every finding about the installation, informational
	// ones too, with their evidence.
	AllIssues   []issueGroup
	StepMetrics []stepMetric
}

type activity struct {
	Done   bool
	Label  string
	Status string // the raw status, for colour
	// Detail is the status with what goes with it ("warn, 4 findings to
	// look at"); Extra the same without the status, where a badge shows it.
	Detail, Extra string
}

type stepRow struct {
	Where, Status, Kind, Duration, Detail string
}

type issueGroup struct {
	Severity string
	Items    []issue
}

type issue struct {
	Severity, Where, Message string
	Evidence                 evidence
}

type hostStep struct {
	Where, Status, Detail string
	Findings              []issue
}

type actionGroup struct {
	Where   string
	Count   int      // every action of the step, as the JSON lists them
	Tallies []string // "368 log files compressed (3.7 MiB → 0.6 MiB)"
	Items   []string // the actions themselves, when there are no tallies
}

// recommendation is what to do, with the finding it answers (Where and
// Finding are empty for one no finding made: a postponed step's, which
// names the step itself).
type recommendation struct {
	sev                  runbook.Severity
	Where, Finding, Text string
	// More counts the other findings with the same recommendation.
	More int
}

type labelled struct {
	Label, Value string
}

type stepMetric struct {
	Where, Name, Value string
}

// rel is the function that shortens paths under the run's root.
type rel func(string) string

func buildView(run *runbook.Run) *view {
	r := relTo(run.Root)
	v := &view{
		Title:           "Weekly Maintenance Report – " + formatDate(run.StartedAt),
		Status:          runClass(run),
		StatusText:      statusText(run),
		RunID:           run.RunID,
		Host:            orNA(run.Host),
		Root:            run.Root,
		ToolVersion:     orNA(run.ToolVersion),
		DryRun:          run.DryRun,
		Start:           formatTime(run.StartedAt),
		End:             formatTime(run.FinishedAt),
		Duration:        formatSpan(run.StartedAt, run.FinishedAt),
		Window:          formatWindow(run.Window),
		WindowEnds:      windowEnds(run),
		WindowDecision:  windowDecision(run),
		Downtime:        formatDowntime(run.DowntimeSeconds),
		Activities:      activities(run.Phases),
		Headlines:       headlines(run.Metrics, run.Phases),
		Charts:          charts(run.Phases),
		Tables:          tables(run.Phases),
		WeekOverWeek:    weekOverWeek(run),
		Recommendations: recommendations(run, r),
		NextScheduled:   formatTime(run.NextMaintenance),
		Operator:        orNA(run.Operator),
		Generated:       formatTime(run.FinishedAt),
	}
	v.Issues, v.AllIssues = issues(run.Phases, r)
	v.HostSteps = hostSteps(run.Phases, r)
	for _, p := range run.Phases {
		for _, s := range p.Steps {
			where := p.Name + "/" + s.Name
			if g, ok := actions(where, s, r); ok {
				v.Actions = append(v.Actions, g)
			}
			v.Steps = append(v.Steps, stepRow{where, stepStatus(s), string(s.Kind), formatSeconds(s.DurationSeconds), stepDetail(s, r)})
			for _, name := range slices.Sorted(maps.Keys(s.Metrics)) {
				v.StepMetrics = append(v.StepMetrics, stepMetric{where, r(name), formatMetric(s.Metrics[name])})
			}
			if stepStatus(s) == statusNotRun {
				v.notRun++
			}
			if s.Status == runbook.StatusPostponed {
				v.Special = append(v.Special, "run the postponed step "+where+noteSuffix(s, r))
			}
		}
	}
	v.notRunWhy = "interrupted"
	if o := run.Overrun; o != nil && !o.RolledBackAt.IsZero() && run.Interrupted == nil {
		v.notRunWhy = "rolled back at the window's end"
	}
	v.Box = buildBox(run, v, r)
	v.Wildcard = showsWildcard(run)
	return v
}

// runClass is the run's status for colour: an interrupted run has its own.
func runClass(run *runbook.Run) string {
	if run.Interrupted != nil {
		return string(runbook.StatusInterrupted)
	}
	return string(run.Status)
}

// stepStatus is a step's status as a reader should take it: a step
// skipped because it had nothing to do is "not needed", one the run never
// reached because it was interrupted "not run".
func stepStatus(s runbook.StepResult) string {
	switch {
	case s.NotNeeded():
		return statusNotNeeded
	case s.Status == runbook.StatusSkipped && (s.Reason == runbook.SkipInterrupted || s.Reason == runbook.SkipRolledBack):
		return statusNotRun
	}
	return string(s.Status)
}

// notRunRolledBack counts, in phaseDetail, the steps a rollback at the
// window's end kept from running.
const notRunRolledBack = "not run, rolled back"

// Display statuses of steps (stepStatus) and template lines.
const (
	statusNotNeeded = "not needed"
	statusNotRun    = "not run"
)

// recommendations are the run's, ordered like the summary's findings,
// each with the first finding that made it: a recommendation alone
// ("Confirm these requests were rejected") says nothing. Paths in them
// are shortened like every other.
func recommendations(run *runbook.Run, r rel) []recommendation {
	type source struct {
		sev            runbook.Severity
		where, message string
		n              int
	}
	from := map[string]*source{}
	for _, f := range located(run) {
		if f.Recommendation == "" {
			continue
		}
		src, ok := from[f.Recommendation]
		if !ok {
			src = &source{}
			from[f.Recommendation] = src
		}
		src.n++
		if !ok || f.Severity > src.sev { // the worst finding names it
			src.sev, src.where, src.message = f.Severity, f.Phase+"/"+f.Step, firstLine(f.Message, maxMessage)
		}
	}
	out := make([]recommendation, 0, len(run.Recommendations))
	for _, text := range run.Recommendations {
		rec := recommendation{Text: r(text)}
		if src, ok := from[text]; ok {
			rec.sev, rec.Where, rec.Finding, rec.More = src.sev, src.where, r(src.message), src.n-1
		}
		out = append(out, rec)
	}
	// In the order of the summary's "Most important": the worst first,
	// then what harms soonest; those no finding made (postponed steps)
	// last, as the run lists them.
	slices.SortStableFunc(out, func(a, b recommendation) int {
		switch {
		case (a.Where == "") != (b.Where == ""):
			if a.Where == "" {
				return 1
			}
			return -1
		case a.sev != b.sev:
			return int(b.sev) - int(a.sev)
		}
		return urgencyOf(a.Where) - urgencyOf(b.Where)
	})
	return out
}

// showsWildcard is true when a finding or recommendation of the run
// holds a log template's wildcard.
func showsWildcard(run *runbook.Run) bool {
	for _, f := range run.Findings() {
		if strings.Contains(f.Message+f.Evidence+f.Recommendation, wildcard) {
			return true
		}
	}
	return false
}

func noteSuffix(s runbook.StepResult, r rel) string {
	if n := note(s, r); n != "" {
		return " (" + n + ")"
	}
	return ""
}

// note is a step's note without a repeat of its status (a note worded
// "postponed: …" next to the status "postponed").
func note(s runbook.StepResult, r rel) string {
	n := strings.TrimSpace(s.Note)
	n = strings.TrimPrefix(n, string(s.Status)+": ")
	return r(firstLine(n, 160))
}

// templateLines maps phase names to the seed template's checklist, in the
// template's order, with the pre/post verification around it.
var templateLines = []struct{ phase, label string }{
	{"preflight", "Pre-maintenance verification"},
	{"updates", "System updates and security patches"},
	{"database", "Database maintenance and optimization"},
	{"logs", "Log analysis and cleanup"},
	{"performance", "Performance analysis"},
	{"security", "Security review"},
	{"backups", "Backup verification"},
	{"postflight", "Post-maintenance verification"},
}

// activities lists the phases in the order they ran, then the template
// lines no phase of this run covered, so the checklist is always complete.
// Each is one line: the steps are in the appendix.
func activities(phases []runbook.PhaseResult) []activity {
	seen := map[string]bool{}
	var out []activity
	for _, p := range phases {
		seen[p.Name] = true
		detail := phaseDetail(p)
		status, extra, _ := strings.Cut(detail, ", ")
		// The badge: "not run" with "(interrupted)" beside it.
		if s, why, ok := strings.Cut(status, " ("); ok {
			status, extra = s, strings.TrimSuffix(why, ")")
		}
		out = append(out, activity{
			Done:   p.Status == runbook.StatusOK || p.Status == runbook.StatusWarn,
			Label:  phaseLabel(p),
			Status: status,
			Detail: detail, Extra: extra,
		})
	}
	for _, t := range templateLines {
		if !seen[t.phase] {
			out = append(out, activity{Label: t.label, Status: "not-run", Detail: "not run"})
		}
	}
	return out
}

func phaseLabel(p runbook.PhaseResult) string {
	for _, t := range templateLines {
		if t.phase == p.Name {
			return t.label
		}
	}
	if p.Title != "" {
		return p.Title
	}
	return p.Name
}

// phaseDetail is the phase's status with what a reader needs next to it:
// how many findings need a look, and which steps did not run. A step
// skipped because it was not needed is not counted: nothing is missing.
func phaseDetail(p runbook.PhaseResult) string {
	var notable, host int
	count := map[string]int{}
	for _, s := range p.Steps {
		for _, f := range s.Findings {
			switch {
			case f.Severity < runbook.Warning:
			case isHost(s):
				host++
			default:
				notable++
			}
		}
		if s.Reason == runbook.SkipRolledBack {
			count[notRunRolledBack]++ // a rollback at the window's end
			continue
		}
		count[stepStatus(s)]++
	}
	parts := []string{string(p.Status)}
	if p.Status == runbook.StatusSkipped && count[statusNotRun] == len(p.Steps) {
		parts[0] = "not run (interrupted)"
	} else if p.Status == runbook.StatusSkipped && count[notRunRolledBack] == len(p.Steps) {
		parts[0] = "not run (rolled back)"
	} else if p.Status == runbook.StatusSkipped && count[statusNotNeeded] == len(p.Steps) {
		parts[0] = statusNotNeeded
	}
	if notable > 0 {
		parts = append(parts, plural(notable, "finding")+" to look at")
	}
	if host > 0 {
		parts = append(parts, plural(host, "finding")+" about this host")
	}
	for _, c := range []struct{ status, what string }{
		{string(runbook.StatusFail), "failed"}, {string(runbook.StatusInterrupted), "interrupted"},
		{string(runbook.StatusPostponed), "postponed"}, {string(runbook.StatusSkipped), "skipped"},
		{statusNotRun, "not run (interrupted)"}, {notRunRolledBack, "not run (rolled back)"},
	} {
		// "interrupted, 1 step interrupted" says it twice.
		n := count[c.status]
		if n > 0 && n < len(p.Steps) && (c.status != string(p.Status) || n > 1) {
			parts = append(parts, plural(n, "step")+" "+c.what)
		}
	}
	return strings.Join(parts, ", ")
}

// stepDetail is one line: the note, how many findings, and a failed
// step's error summarised (its whole text is the critical finding's
// evidence, in the Issues section).
func stepDetail(s runbook.StepResult, r rel) string {
	var parts []string
	if n := note(s, r); n != "" {
		parts = append(parts, n)
	}
	if len(s.Findings) > 0 {
		parts = append(parts, plural(len(s.Findings), "finding"))
	}
	if s.Error != "" {
		parts = append(parts, "error: "+r(firstLine(s.Error, 100)))
	}
	if s.Undone {
		parts = append(parts, "undone")
	}
	return strings.Join(parts, "; ")
}

func mapStrings(in []string, f func(string) string) []string {
	out := make([]string, len(in))
	for i, s := range in {
		out[i] = f(s)
	}
	return out
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return formatInt(n) + " " + word + "s"
}

func orNA(s string) string {
	if s == "" {
		return "n/a"
	}
	return s
}
