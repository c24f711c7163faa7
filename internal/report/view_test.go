package report

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/fossawork/fossamaint/internal/runbook"
)

func TestRelTo(t *testing.T) {
	tests := []struct{ name, root, in, want string }{
		{"under root", "/srv/fw", "chmod 0600 /srv/fw/backend/.env now", "chmod 0600 backend/.env now"},
		{"root with slash", "/srv/fw/", "/srv/fw/backups/daily", "backups/daily"},
		{"several", "/srv/fw", "/srv/fw/a → /srv/fw/b", "a → b"},
		{"in parentheses", "/srv/fw", "snapshot (/srv/fw/backend/.env) kept", "snapshot (backend/.env) kept"},
		{"quoted", "/srv/fw", "VACUUM INTO '/srv/fw/x.db'", "VACUUM INTO 'x.db'"},
		{"root itself", "/srv/fw", "no file in /srv/fw, none", "no file in ., none"},
		{"a file beside root stays", "/srv/fw", "/srv/fw.bak", "/srv/fw.bak"},
		{"root at end", "/srv/fw", "root /srv/fw", "root ."},
		{"sibling stays", "/srv/fw", "/srv/fw-old/x and /srv/fwx", "/srv/fw-old/x and /srv/fwx"},
		{"inside another path stays", "/srv/fw", "/mnt/srv/fw/x", "/mnt/srv/fw/x"},
		{"outside stays", "/srv/fw", "/etc/ssl/cert.pem", "/etc/ssl/cert.pem"},
		{"metric name", "/srv/fw", "days_left:/srv/fw/certs/a.crt", "days_left:certs/a.crt"},
		{"no root", "", "/srv/fw/x", "/srv/fw/x"},
		{"root is /", "/", "/etc/x", "/etc/x"},
		{"relative root ignored", "srv", "srv/x", "srv/x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := relTo(tt.root)(tt.in); got != tt.want {
				t.Errorf("relTo(%q)(%q) = %q, want %q", tt.root, tt.in, got, tt.want)
			}
		})
	}
}

func TestFormatMetric(t *testing.T) {
	tests := []struct {
		value float64
		unit  string
		want  string
	}{
		{69855472, "bytes", "66.6 MiB"},
		{0.658709, "s", "659 ms"},
		{4980, "s", "1h 23m"},
		{1.95524, "ms", "1.96 ms"},
		{20.3286, "%", "20%"},
		{2.89083, "%", "2.9%"},
		{0.31, "ratio", "31%"},
		{5.191, "load", "5.19"}, {17, "rows", "17 rows"},
		{1, "bool", "yes"},
		{0, "bool", "no"},
		{17006, "rows", "17,006 rows"},
		{368, "files", "368 files"},
		{168, "count", "168"},
		{2.76, "", "2.76"},
		{19, "days", "19 days"},
		{-6.92142, "%", "-6.9%"},
	}
	for _, tt := range tests {
		if got := formatMetric(runbook.Metric{Value: tt.value, Unit: tt.unit}); got != tt.want {
			t.Errorf("formatMetric(%v %s) = %q, want %q", tt.value, tt.unit, got, tt.want)
		}
	}
}

func TestTallyText(t *testing.T) {
	tests := []struct {
		t    runbook.Tally
		want string
	}{
		{runbook.Tally{Verb: "compressed", Object: "log files", Count: 368, BytesBefore: 3924838, BytesAfter: 616099}, "368 log files compressed (3.7 MiB → 601.7 KiB)"},
		{runbook.Tally{Verb: "archived", Object: "log files", Count: 1276}, "1,276 log files archived"},
		{runbook.Tally{Verb: "compressed", Object: "log files", Count: 4, BytesBefore: 2048}, "4 log files compressed (2.0 KiB)"},
	}
	for _, tt := range tests {
		if got := tallyText(tt.t); got != tt.want {
			t.Errorf("tallyText = %q, want %q", got, tt.want)
		}
	}
}

func TestFirstLine(t *testing.T) {
	tests := []struct {
		in   string
		max  int
		want string
	}{
		{"short", 10, "short"},
		{"database is locked\nwhile executing: VACUUM", 100, "database is locked …"},
		{"abcdefghij", 5, "abcd…"},
		{"  padded  ", 10, "padded"},
	}
	for _, tt := range tests {
		if got := firstLine(tt.in, tt.max); got != tt.want {
			t.Errorf("firstLine(%q, %d) = %q, want %q", tt.in, tt.max, got, tt.want)
		}
	}
}

func TestCharts(t *testing.T) {
	at := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	series := func(vals ...float64) runbook.Series {
		s := runbook.Series{Name: "cpu_avg_percent", Unit: "%"}
		for i, v := range vals {
			s.Points = append(s.Points, runbook.Point{At: at.AddDate(0, 0, i), Value: v})
		}
		return s
	}
	phases := func(s ...runbook.Series) []runbook.PhaseResult {
		return []runbook.PhaseResult{{Name: "performance", Steps: []runbook.StepResult{{Name: "trends", Result: runbook.Result{Series: s}}}}}
	}
	if cs := charts(phases(series(), series(10))); len(cs) != 0 {
		t.Errorf("series of 0 and 1 point got %d charts; a trend needs two points", len(cs))
	}
	cs := charts(phases(series(0, 50, 100)))
	if len(cs) != 1 {
		t.Fatalf("%d charts, want 1", len(cs))
	}
	c := cs[0]
	// 0 % at the bottom of the plot, 100 % at its top, left to right.
	if want := "44,124 196,68 348,12"; c.Line != want {
		t.Errorf("line = %q, want %q", c.Line, want)
	}
	if c.Title != "CPU use, daily average" || c.Text != "0.0% → 50% → 100% (Dec 1 – Dec 3)" {
		t.Errorf("title %q, text %q", c.Title, c.Text)
	}
	if got := []string{c.YTicks[0].Label, c.YTicks[2].Label}; got[0] != "0%" || got[1] != "100%" {
		t.Errorf("y ticks %q", got)
	}
	// A series beyond 0–100 gets its own scale, from 0.
	if cs := charts(phases(runbook.Series{Name: "db", Unit: "bytes", Points: series(1<<20, 2<<20).Points})); len(cs) != 1 || cs[0].YTicks[2].Label != "2.2 MiB" {
		t.Errorf("byte series: %+v", cs)
	}
}

// TestTopIssues: severity first, then one finding per step before a
// step's second, then what harms the installation soonest (urgency).
func TestTopIssues(t *testing.T) {
	warn := func(where ...string) issueGroup {
		g := issueGroup{Severity: "warning"}
		for _, w := range where {
			g.Items = append(g.Items, issue{Severity: "warning", Where: w})
		}
		return g
	}
	tests := []struct {
		name   string
		groups []issueGroup
		want   string
	}{
		{"the demo: attacks, then the certificate, before backups; retention last",
			[]issueGroup{warn("preflight/daily-backup", "preflight/recent-errors", "updates/apt", "logs/analyze",
				"security/file-modes", "security/file-modes", "security/tls-certificates", "security/tls-certificates",
				"security/app-logs", "security/app-logs", "security/app-logs", "backups/retention", "postflight/latency")},
			"security/app-logs security/tls-certificates preflight/daily-backup"},
		{"a step's second finding after every step's first",
			[]issueGroup{warn("security/app-logs", "security/app-logs", "backups/retention")},
			"security/app-logs backups/retention security/app-logs"},
		{"a critical finding first, whatever its class",
			[]issueGroup{{"critical", []issue{{Where: "logs/rotate"}}}, warn("postflight/services", "security/app-logs")},
			"logs/rotate postflight/services security/app-logs"},
		{"not serving before an attack",
			[]issueGroup{warn("security/app-logs", "postflight/endpoints")},
			"postflight/endpoints security/app-logs"},
		{"data safety before exposure before health before housekeeping",
			[]issueGroup{warn("backups/retention", "logs/analyze", "security/file-modes", "backups/verify")},
			"backups/verify security/file-modes logs/analyze"},
		{"an unknown step is health, after exposure and before housekeeping",
			[]issueGroup{warn("logs/rotate", "custom/thing", "updates/pip")},
			"updates/pip custom/thing logs/rotate"},
		{"fewer than n", []issueGroup{warn("database/integrity")}, "database/integrity"},
		{"none", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, it := range topIssues(tt.groups, 3) {
				got = append(got, it.Where)
			}
			if strings.Join(got, " ") != tt.want {
				t.Errorf("top = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestJSONHygiene: the schema version first, every action listed however
// many, no null and no empty status.
func TestJSONHygiene(t *testing.T) {
	run := sampleRun(t)
	rotate := &run.Phases[3].Steps[0]
	for i := range 700 {
		rotate.Action("compress file-%d", i)
	}
	run.Phases = append(run.Phases, runbook.PhaseResult{Name: "x", Steps: []runbook.StepResult{{Name: "no-status"}}})
	out := renderString(t, FormatJSON, run, Options{})
	if !strings.HasPrefix(out, "{\n  \"schema_version\": 1,\n") {
		t.Errorf("schema_version is not the first key:\n%.200s", out)
	}
	for _, bad := range []string{"null", `"status": ""`, "duration_ns"} {
		if strings.Contains(out, bad) {
			t.Errorf("JSON contains %s", bad)
		}
	}
	var back runbook.Run
	if err := json.Unmarshal([]byte(out), &back); err != nil {
		t.Fatal(err)
	}
	if n := len(back.Phases[3].Steps[0].Actions); n != 706 {
		t.Errorf("JSON lists %d rotate actions, want all 706", n)
	}
	if back.Phases[3].Steps[0].Tallies[0].BytesBefore != 13002342 || back.Root != "/srv/fossawork" {
		t.Errorf("tallies or root lost: %+v %q", back.Phases[3].Steps[0].Tallies, back.Root)
	}
	if s := back.Phases[4].Steps[0].Series; len(s) != 2 || len(s[0].Points) != 7 || s[0].Points[0].Value != 18.2 {
		t.Errorf("series lost: %+v", s)
	}
	if p := back.Phases[len(back.Phases)-1]; p.Status != runbook.StatusOK || p.Steps[0].Status != runbook.StatusOK {
		t.Errorf("empty statuses not filled in: %q %q", p.Status, p.Steps[0].Status)
	}
	md := renderString(t, FormatMarkdown, run, Options{})
	if !strings.Contains(md, "(706 actions in the JSON report)") || strings.Contains(md, "file-699") {
		t.Error("the Markdown report does not count the actions it groups")
	}
}

func TestHTMLRendersMarkup(t *testing.T) {
	html := renderString(t, FormatHTML, sampleRun(t), Options{})
	for _, want := range []string{
		`<section class="summary s-fail" id="summary">`,
		`<li><strong>security/auth-failures</strong>: backend/.env is mode 0644, allowed at most 0600<br>→ Run <code>fossamaint security perms --fix</code> (or chmod 0600 backend/.env).</li>`,
		`<span class="tick done" role="img" aria-label="done">✓</span>Pre-maintenance verification`,
		`<svg class="chart" viewBox="0 0 360 150" role="img"`,
		`<polyline points="44,`,
		"@media print{",
		`<h2>This host</h2>`,
	} {
		if !strings.Contains(html, want) {
			t.Errorf("HTML lacks %q", want)
		}
	}
	for _, bad := range []string{"[x]", "[ ]", "/srv/fossawork/backend"} {
		if strings.Contains(html, bad) {
			t.Errorf("HTML contains %q", bad)
		}
	}
}

// TestHeadlineAfterTheRun: a headline two steps measured shows the value
// the run left, with the first one before it when they differ.
func TestHeadlineAfterTheRun(t *testing.T) {
	measured := func(name string, values ...float64) *runbook.Run {
		run := &runbook.Run{}
		for i, v := range values {
			var r runbook.Result
			r.Headline(name, v, "bytes")
			run.Phases = append(run.Phases, runbook.PhaseResult{Name: "database",
				Steps: []runbook.StepResult{{Name: fmt.Sprint("step", i), Result: r}}})
		}
		run.Summarize()
		return run
	}
	tests := []struct {
		name   string
		values []float64
		want   string
	}{
		{"vacuumed", []float64{66.4 * (1 << 20), 50.2 * (1 << 20)}, "66.4 MiB → 50.2 MiB"},
		{"unchanged", []float64{66.4 * (1 << 20), 66.4 * (1 << 20)}, "66.4 MiB"},
		{"measured once", []float64{66.4 * (1 << 20)}, "66.4 MiB"},
		{"not measured", nil, "n/a"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			run := measured(runbook.HeadlineDatabaseSizeBytes, tt.values...)
			got := headlines(run.Metrics, run.Phases)[0]
			if got.Label != "Database Size" || got.Value != tt.want {
				t.Errorf("%s: %q, want %q", got.Label, got.Value, tt.want)
			}
		})
	}
}

// TestDoneLinesPastTense: the summary's "Done" says what happened in the
// past tense (tallies), never a recorded command ("write X"); a dry run's
// "Would do" keeps the command.
func TestDoneLinesPastTense(t *testing.T) {
	withTally := runbook.StepResult{Name: "analyze", Kind: runbook.Mutating, Result: runbook.Result{
		Actions: []string{"write weekly-log-analysis-20261203.json to /srv/fw/logs/reports"},
		Tallies: []runbook.Tally{{Verb: "written", Object: "weekly log analysis", Count: 1}}}}
	bare := runbook.StepResult{Name: "snap", Kind: runbook.Mutating, Result: runbook.Result{
		Actions: []string{"snapshot the configuration (backend/.env) for a rollback", "prune 2 old snapshots"}}}
	dry := runbook.StepResult{Name: "snap", Kind: runbook.Mutating, Result: runbook.Result{
		Actions: []string{"would: snapshot the configuration (/srv/fw/backend/.env) for a rollback"}}}
	undone := runbook.StepResult{Name: "optimize", Kind: runbook.Downtime, Undone: true, Result: runbook.Result{
		Status: runbook.StatusInterrupted, Actions: []string{"stop backend", "start backend"}}}
	readOnly := runbook.StepResult{Name: "stats", Kind: runbook.ReadOnly, Result: runbook.Result{Actions: []string{"read"}}}
	tests := []struct {
		name string
		s    runbook.StepResult
		dry  bool
		want string
	}{
		{"tallies", withTally, false, "x/analyze: 1 weekly log analysis written"},
		{"no tally: counted, not quoted", bare, false, "x/snap: 2 actions (see Actions Taken)"},
		{"dry run: the command, under Would do", dry, true, "x/snap: snapshot the configuration (backend/.env) for a rollback"},
		{"undone", undone, false, "x/optimize: interrupted, then undone: nothing of it is left"},
		{"read-only: nothing done", readOnly, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := doneLine("x/"+tt.s.Name, tt.s, relTo("/srv/fw"), tt.dry); got != tt.want {
				t.Errorf("doneLine = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestPhaseDetailSkips: a step skipped because it was not needed is not
// "skipped"; steps an interruption kept from running are "not run".
func TestPhaseDetailSkips(t *testing.T) {
	st := func(status runbook.Status, reason runbook.SkipReason) runbook.StepResult {
		return runbook.StepResult{Result: runbook.Result{Status: status, Reason: reason}}
	}
	ok, needless := st(runbook.StatusOK, ""), st(runbook.StatusSkipped, runbook.SkipNotNeeded)
	skipped, notRun := st(runbook.StatusSkipped, ""), st(runbook.StatusSkipped, runbook.SkipInterrupted)
	tests := []struct {
		name  string
		steps []runbook.StepResult
		want  string
	}{
		{"not needed is not skipped", []runbook.StepResult{ok, needless, ok}, "ok"},
		{"a real skip is counted", []runbook.StepResult{ok, needless, skipped}, "ok, 1 step skipped"},
		{"all not needed", []runbook.StepResult{needless}, "not needed"},
		{"interrupted, the rest not run", []runbook.StepResult{ok, st(runbook.StatusInterrupted, ""), notRun, notRun},
			"interrupted, 2 steps not run (interrupted)"},
		{"a phase never reached", []runbook.StepResult{notRun, notRun}, "not run (interrupted)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := runbook.PhaseResult{Name: "database", Steps: tt.steps, Status: runbook.PhaseStatus(tt.steps)}
			if got := phaseDetail(p); got != tt.want {
				t.Errorf("phaseDetail = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestInterruptedHeadline: the summary says where a signal stopped the
// run and what became of the step it cut short, from the run's data.
func TestInterruptedHeadline(t *testing.T) {
	downtime := map[string]runbook.Metric{runbook.MetricDowntimeSeconds: {Value: 3, Unit: "s"}}
	step := func(kind runbook.Kind, undone bool, m map[string]runbook.Metric) []runbook.PhaseResult {
		return []runbook.PhaseResult{{Name: "database", Steps: []runbook.StepResult{{Name: "optimize", Kind: kind, Undone: undone,
			Result: runbook.Result{Status: runbook.StatusInterrupted, Metrics: m}}}}}
	}
	during := &runbook.Interruption{Phase: "database", Step: "optimize", During: true, Cause: "hangup signal received"}
	tests := []struct {
		name   string
		in     *runbook.Interruption
		phases []runbook.PhaseResult
		want   string
	}{
		{"services stopped, then started", during, step(runbook.Downtime, true, downtime),
			"INTERRUPTED — stopped by a signal (hangup) at database/optimize; its changes were undone and the services started again; the steps after it did not run"},
		{"before the stop", during, step(runbook.Downtime, true, nil),
			"INTERRUPTED — stopped by a signal (hangup) at database/optimize; its changes were undone; no service had been stopped yet; the steps after it did not run"},
		{"a read-only step", during, step(runbook.ReadOnly, false, nil),
			"INTERRUPTED — stopped by a signal (hangup) at database/optimize; it only reads, so nothing was left half done; the steps after it did not run"},
		{"not undone", during, step(runbook.Mutating, false, nil),
			"INTERRUPTED — stopped by a signal (hangup) at database/optimize; it may have been left half done: run `fossamaint recover`; the steps after it did not run"},
		{"between steps", &runbook.Interruption{Phase: "backups", Step: "verify", Cause: "terminated signal received"}, nil,
			"INTERRUPTED — stopped by a signal (terminated) before backups/verify; the steps from there on did not run"},
		{"at the end", &runbook.Interruption{Cause: "context canceled"}, nil,
			"INTERRUPTED — stopped by a signal as the last step finished; every step ran"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			run := &runbook.Run{Status: runbook.RunRolledBack, Interrupted: tt.in, Phases: tt.phases}
			if got := statusText(run); got != tt.want {
				t.Errorf("statusText =\n%q, want\n%q", got, tt.want)
			}
		})
	}
}
