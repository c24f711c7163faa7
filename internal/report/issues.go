package report

import (
	"maps"
	"slices"
	"strings"

	"github.com/fossawork/fossamaint/internal/runbook"
)

// maxEvidenceLines bounds the evidence a human report shows under one
// finding; the JSON report keeps all of it.
const maxEvidenceLines = 4

// maxMessage bounds a finding's message on its line; a longer message is
// cut there and shown whole as the start of its evidence.
const maxMessage = 300

// evidence is what a finding shows under its message.
type evidence struct {
	Lines []string
	// More counts the lines left out (the JSON report has them).
	More int
}

// Inline is true for one short line, shown as a code span.
func (e evidence) Inline() bool { return len(e.Lines) == 1 && e.More == 0 && len(e.Lines[0]) <= 120 }

func newEvidence(text string, r rel) evidence {
	text = strings.TrimRight(strings.ReplaceAll(text, "\r\n", "\n"), "\n ")
	if strings.TrimSpace(text) == "" {
		return evidence{}
	}
	lines := strings.Split(r(text), "\n")
	// Cutting one line to say "1 more line" saves nothing.
	if len(lines) <= maxEvidenceLines+1 {
		return evidence{Lines: lines}
	}
	// Keep one line fewer than the limit: "… n more lines" takes its place.
	return evidence{Lines: lines[:maxEvidenceLines-1], More: len(lines) - maxEvidenceLines + 1}
}

// newIssue shortens a long or multi-line message to one line; the whole
// message then opens the evidence.
func newIssue(sev runbook.Severity, where, msg, ev string, r rel) issue {
	short := firstLine(msg, maxMessage)
	if short != strings.TrimSpace(msg) {
		ev = strings.TrimSpace(msg) + "\n" + ev
	}
	return issue{Severity: sev.String(), Where: where, Message: r(short), Evidence: newEvidence(ev, r)}
}

// stepIssues are a step's findings, plus its error when no finding says
// it already (the engine records one; a run read from elsewhere may not).
func stepIssues(where string, s runbook.StepResult, r rel) []issue {
	var out []issue
	if s.Error != "" && !errorReported(s) {
		out = append(out, newIssue(runbook.Critical, where, s.Name+" failed: "+s.Error, "", r))
	}
	for _, f := range s.Findings {
		out = append(out, newIssue(f.Severity, where, f.Message, f.Evidence, r))
	}
	return out
}

func errorReported(s runbook.StepResult) bool {
	for _, f := range s.Findings {
		if f.Severity >= runbook.Critical && strings.Contains(f.Message, s.Error) {
			return true
		}
	}
	return false
}

func isHost(s runbook.StepResult) bool { return s.Scope == runbook.ScopeHost }

// issues groups the installation's findings by severity, worst first:
// those that need a look (warning and worse) for the report's body, and
// all of them with the informational ones for the appendix. Host-level
// steps are left to hostSteps.
func issues(phases []runbook.PhaseResult, r rel) (notable, all []issueGroup) {
	bySev := map[string][]issue{}
	rank := map[string]runbook.Severity{}
	for _, p := range phases {
		for _, s := range p.Steps {
			if isHost(s) {
				continue
			}
			for _, it := range stepIssues(p.Name+"/"+s.Name, s, r) {
				bySev[it.Severity] = append(bySev[it.Severity], it)
				rank[it.Severity], _ = severityOf(it.Severity)
			}
		}
	}
	order := slices.SortedFunc(maps.Keys(bySev), func(a, b string) int { return int(rank[b]) - int(rank[a]) })
	for _, sev := range order {
		g := issueGroup{sev, bySev[sev]}
		all = append(all, g)
		if rank[sev] >= runbook.Warning {
			notable = append(notable, g)
		}
	}
	return notable, all
}

func severityOf(name string) (runbook.Severity, bool) {
	for _, sev := range []runbook.Severity{runbook.Critical, runbook.Warning, runbook.Info} {
		if sev.String() == name {
			return sev, true
		}
	}
	return runbook.Info, false
}

// hostSteps are the steps about the machine rather than the installation,
// with all their findings: shown under "This host", never in the summary's
// findings.
func hostSteps(phases []runbook.PhaseResult, r rel) []hostStep {
	var out []hostStep
	for _, p := range phases {
		for _, s := range p.Steps {
			if !isHost(s) {
				continue
			}
			// The step names where; its findings need not repeat it.
			found := stepIssues("", s, r)
			out = append(out, hostStep{Where: p.Name + "/" + s.Name, Status: string(s.Status), Detail: stepDetail(s, r), Findings: found})
		}
	}
	return out
}

// urgency ranks findings of the same severity for the summary's "Most
// important": what harms the installation soonest first. Classes, from
// the most urgent:
//
//  0. not serving: the services or their endpoints are down;
//  1. under attack or about to break: attacks in the application or
//     system logs (happening now), then a certificate about to expire;
//  2. data safety: a backup missing, failing or unverified, the
//     database's integrity and its maintenance;
//  3. exposure: file modes more open than allowed, pending security
//     updates (harm needs someone to use them: after data safety);
//  4. health: errors in the logs, latency, resources, anything else;
//  5. housekeeping: retention, log volume and rotation (nothing breaks
//     this week).
//
// The values are the class times ten, so that a class can order its own
// steps. A "phase/step" entry wins over its "phase/*"; an unlisted step
// is health. docs/report.md says the same for operators.
var urgency = map[string]int{
	"preflight/services": 0, "postflight/services": 0, "postflight/endpoints": 0,
	"security/app-logs": 10, "security/host-auth": 10, "security/tls-certificates": 11,
	"preflight/daily-backup": 20, "preflight/previous-runs": 20, "database/*": 20, "backups/*": 20,
	"security/file-modes": 30, "security/security-updates": 30, "preflight/security-updates": 30, "updates/*": 30,
	"backups/retention": 50, "logs/rotate": 50,
}

// urgencyOf is where's class in urgency.
func urgencyOf(where string) int {
	if u, ok := urgency[where]; ok {
		return u
	}
	phase, _, _ := strings.Cut(where, "/")
	if u, ok := urgency[phase+"/*"]; ok {
		return u
	}
	return 40
}

// topIssues picks the n findings a manager sees first: by severity;
// within a severity the first finding of each step before any step's
// second (three findings of one step would hide three other problems:
// the Issues section lists them all), then by urgency, then plan order.
func topIssues(groups []issueGroup, n int) []issue {
	var out []issue
	for _, g := range groups {
		type ranked struct {
			issue
			urgency, nth int
		}
		items := make([]ranked, len(g.Items))
		seen := map[string]int{}
		for i, it := range g.Items {
			items[i] = ranked{it, urgencyOf(it.Where), seen[it.Where]}
			seen[it.Where]++
		}
		slices.SortStableFunc(items, func(a, b ranked) int {
			if a.nth != b.nth {
				return a.nth - b.nth
			}
			return a.urgency - b.urgency
		})
		for _, it := range items {
			out = append(out, it.issue)
		}
		if len(out) >= n {
			return out[:n]
		}
	}
	return out
}

// actions groups what one step did: its tallies when it has them ("368
// log files compressed"), its actions otherwise. The JSON report lists
// every action.
func actions(where string, s runbook.StepResult, r rel) (actionGroup, bool) {
	g := actionGroup{Where: where, Count: len(s.Actions)}
	for _, t := range s.Tallies {
		g.Tallies = append(g.Tallies, tallyText(t))
	}
	// A few actions are listed under their tallies ("1 weekly backup
	// taken" and where it went); hundreds are only counted.
	if len(g.Tallies) == 0 || len(s.Actions) <= maxListedWithTallies || itemized(s.Tallies) {
		g.Items = mapStrings(s.Actions, r)
	}
	// The engine records "undid STEP" when the undo worked.
	if s.Undone && !slices.Contains(s.Actions, "undid "+s.Name) {
		g.Items = append(g.Items, "undone (reverted after the step failed or was interrupted)")
	}
	return g, len(g.Tallies) > 0 || len(g.Items) > 0
}

func itemized(ts []runbook.Tally) bool {
	return slices.ContainsFunc(ts, func(t runbook.Tally) bool { return t.Itemized })
}

// maxListedWithTallies is how many actions a step with tallies may have
// and still list them.
const maxListedWithTallies = 4

// tallyText is "368 log files compressed (3.7 MiB → 0.6 MiB)".
func tallyText(t runbook.Tally) string {
	s := formatInt(t.Count) + " " + t.Object + " " + t.Verb
	switch {
	case t.BytesBefore > 0 && t.BytesAfter > 0:
		s += " (" + formatBytes(float64(t.BytesBefore)) + " → " + formatBytes(float64(t.BytesAfter)) + ")"
	case t.BytesBefore > 0:
		s += " (" + formatBytes(float64(t.BytesBefore)) + ")"
	}
	return s
}

// firstLine is s's first non-empty line, cut at max runes with an
// ellipsis.
func firstLine(s string, max int) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		s = strings.TrimSpace(s[:i]) + " …"
	}
	if rs := []rune(s); len(rs) > max {
		s = strings.TrimSpace(string(rs[:max-1])) + "…"
	}
	return s
}
