package report

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"flag"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fossawork/fossamaint/internal/finding"
	"github.com/fossawork/fossamaint/internal/runbook"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

func renderString(t *testing.T, format string, run *runbook.Run, opts Options) string {
	t.Helper()
	var b bytes.Buffer
	if err := Render(&b, format, run, opts); err != nil {
		t.Fatalf("Render(%s): %v", format, err)
	}
	return b.String()
}

func TestGolden(t *testing.T) {
	runs := map[string]*runbook.Run{"run": sampleRun(t), "dryrun": dryRun(t), "interrupted": interruptedRun(t)}
	for name, run := range runs {
		for _, format := range Formats {
			t.Run(name+"."+format, func(t *testing.T) {
				got := renderString(t, format, run, Options{})
				path := filepath.Join("testdata", name+"."+format)
				if *update {
					if err := os.WriteFile(path, []byte(got), 0o600); err != nil {
						t.Fatal(err)
					}
				}
				want, err := os.ReadFile(path)
				if err != nil {
					t.Fatalf("reading golden file (run with -update to create it): %v", err)
				}
				if got != string(want) {
					t.Errorf("%s differs from golden file; run go test -update and review the diff\ngot:\n%s", path, got)
				}
			})
		}
	}
}

func TestPackageShortcutsMatchRender(t *testing.T) {
	run := sampleRun(t)
	for format, fn := range map[string]func(io.Writer, *runbook.Run) error{
		FormatMarkdown: Markdown, FormatJSON: JSON, FormatHTML: HTML,
	} {
		var b bytes.Buffer
		if err := fn(&b, run); err != nil {
			t.Fatalf("%s: %v", format, err)
		}
		if want := renderString(t, format, run, Options{}); b.String() != want {
			t.Errorf("%s shortcut differs from Render", format)
		}
	}
}

func TestMarkdownSections(t *testing.T) {
	md := renderString(t, FormatMarkdown, sampleRun(t), Options{})
	dry := renderString(t, FormatMarkdown, dryRun(t), Options{})
	tests := []struct {
		name, doc, want string
	}{
		{"title", md, "# Weekly Maintenance Report – 2026-12-05\n"},
		{"run line", md, "Run `20261205-020000-ab12` on fossa-prod-1, installation `/srv/fossawork` (paths below are relative to it); fossamaint v0.1.0.\n"},
		{"summary first", md, "\n\n> **Status: FAIL — a step failed or found a critical problem**\n"},
		{"summary downtime", md, "> - **Downtime:** 4.4 s, during database/vacuum\n"},
		{"summary took", md, "> - **Took:** 47m 14s of a 4h 00m window\n"},
		{"summary needs a human", md, "> - **Needs a human:** 2 critical findings, 3 warnings; 3 recommendations; 1 postponed step\n"},
		{"summary top finding", md, ">   1. integrity_check found 2 problems in the backup copy — database/integrity (critical)\n"},
		{"summary error in one line", md, ">   2. vacuum failed: VACUUM INTO backend/.fossamaint-tmp-811-vacuum: database is locked (5) (SQLITE_BUSY) … — database/vacuum (critical)\n"},
		{"summary done, grouped", md, ">   - logs/rotate: 4 log files compressed (12.4 MiB → 1.9 MiB), 2 log files archived\n"},
		{"summary host apart", md, "> - **This host:** 1 finding about the machine itself, not the installation (see This host)\n"},
		{"dry run would do", dry, "> - **Would do:**\n"},
		{"start in run zone", md, "- **Start Time:** 2026-12-05 02:00 CST\n"},
		{"duration", md, "- **Duration:** 47m 14s\n"},
		{"window", md, "- **Planned Window:** 2026-12-05 02:00–06:00 CST\n"},
		{"downtime", md, "- **Downtime:** 4.4 s\n"},
		{"no downtime", dry, "- **Downtime:** none (no service was stopped)\n"},
		{"ok phase", md, "- [x] Pre-maintenance verification — ok\n"},
		{"warn phase", md, "- [x] System updates and security patches — warn, 1 finding to look at, 1 finding about this host, 1 step skipped\n"},
		{"fail phase", md, "- [ ] Database maintenance and optimization — fail, 1 finding to look at, 2 steps failed\n"},
		{"postponed phase", md, "- [ ] Backup verification — postponed\n"},
		{"phase not in run", dry, "- [ ] Backup verification — not run\n"},
		{"issue, one line", md, "- **database/vacuum**: vacuum failed: VACUUM INTO backend/.fossamaint-tmp-811-vacuum: database is locked (5) (SQLITE_BUSY) …\n"},
		{"host finding not an issue", md, "### Warning (3)\n- **updates/python-deps**"},
		{"action grouped", md, "- **logs/rotate**: 4 log files compressed (12.4 MiB → 1.9 MiB); 2 log files archived (6 actions in the JSON report)\n"},
		{"action path relative", md, "- **security/file-modes**: chmod 0600 backend/.env\n"},
		{"undone action", md, "  - undone (reverted after the step failed or was interrupted)\n"},
		{"dry-run actions", dry, "Dry run: nothing was changed; these are the actions that would be done.\n\n- **database/pre-backup**: would: back up"},
		{"db size", md, "- **Database Size:** 500.0 MiB\n"},
		{"cpu", md, "- **Average CPU Usage:** 23%\n"},
		{"missing metric", dry, "- **Average CPU Usage:** n/a\n"},
		{"extra metric", md, "- **backups kept:** 18\n"},
		{"trend", md, "- **CPU use, daily average:** 18% → 22% → 20% → 24% → 23% → 28% → 29% (Nov 28 – Dec 4)\n"},
		{"recommendation under its finding, code kept", md, "- **security/auth-failures**: backend/.env is mode 0644, allowed at most 0600  \n  → Run `fossamaint security perms --fix` (or chmod 0600 backend/.env).\n"},
		{"no recommendations", dry, "## Recommendations\nNone.\n"},
		{"scheduled", md, "- **Scheduled:** 2026-12-12 02:00 CST\n"},
		{"special activities, no postponed: postponed:", md, "  - run the postponed step backups/verify-restore (its budget of 20m 00s exceeds the 12m 00s left in the window)\n"},
		{"no special activities", dry, "- **Special Activities:** None.\n"},
		{"operator", md, "**Maintenance Performed By:** ops@fossawork.example  \n"},
		{"generated", md, "**Report Generated:** 2026-12-05 02:47 CST\n"},
		{"host section", md, "## This host\n"},
		{"host evidence", md, "    ```\n    openssl 3.0.13-0ubuntu3.4 -> 3.0.13-0ubuntu3.5\n"},
		{"step row", md, "| updates/npm-deps | skipped | 0 ms | npm is not installed |\n"},
		{"step error summarised", md, "| database/vacuum | fail | 2.8 s | error: VACUUM INTO backend/.fossamaint-tmp-811-vacuum: database is locked (5) (SQLITE_BUSY)…; undone |\n"},
		{"error in full in the appendix", md, "  while executing: VACUUM INTO 'backend/.fossamaint-tmp-811-vacuum'\n"},
		{"multi-line evidence fenced", md, "  ```\n  *** in database main ***\n  Page 42: btree page has 3 cells, expected 4\n  ```\n"},
		{"evidence with backtick", md, "  - evidence: `` sshd[811]: Failed password for root from 203.0.113.7 port 2222 ssh2 | `x` ``\n"},
		{"markdown escaped", md, `message with \<b>markup\</b>, \*stars\*, \[links\](x) and a \| pipe`},
		{"metric row, human units", md, "| logs/rotate | bytes_freed | 10.4 MiB |\n"},
		{"ratio as percent", md, "| database/integrity | freelist_ratio | 31% |\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !strings.Contains(tt.doc, tt.want) {
				t.Errorf("report lacks %q", tt.want)
			}
		})
	}
	if strings.Contains(md, "Dry run") {
		t.Error("a real run says it is a dry run")
	}
}

// TestMarkdownOrder: the summary first, then the template's sections, the
// host apart and the appendix last; no absolute path under the root and
// no repeated status word.
func TestMarkdownOrder(t *testing.T) {
	md := renderString(t, FormatMarkdown, sampleRun(t), Options{})
	order := []string{"> **Status:", "## Maintenance Window", "## Activities Completed", "## Issues Identified",
		"## Actions Taken", "## Performance Metrics", "## Recommendations", "## Next Maintenance",
		"**Report Generated:**", "## This host", "## Appendix", "### Findings: critical", "### Findings: warning",
		"### Findings: info", "### Measurements"}
	last := -1
	for _, h := range order {
		i := strings.Index(md, h)
		if i <= last {
			t.Errorf("%q is missing or out of order (at %d, previous at %d)", h, i, last)
		}
		last = i
	}
	for _, bad := range []string{"/srv/fossawork/", "postponed: postponed", "openssl 3.0.13-0ubuntu3.4 -> 3.0.13-0ubuntu3.5\n  ```"} {
		if strings.Contains(md[strings.Index(md, "\n"):], bad) {
			t.Errorf("report contains %q", bad)
		}
	}
}

func TestMarkdownEmptyRun(t *testing.T) {
	md := renderString(t, FormatMarkdown, &runbook.Run{RunID: "x"}, Options{})
	for _, want := range []string{
		"# Weekly Maintenance Report – n/a\n", "## Issues Identified\nNone.\n", "## Actions Taken\nNone.\n",
		"- **Database Size:** n/a\n", "- [ ] Pre-maintenance verification — not run\n",
		"- **Scheduled:** n/a\n", "- **Duration:** n/a\n", "- **Planned Window:** n/a\n",
		"> **Status: N/A**\n", "> - **Done:** nothing was changed\n", "> - **Needs a human:** no finding\n",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("empty-run report lacks %q", want)
		}
	}
}

func TestJSONRoundTrip(t *testing.T) {
	for name, run := range map[string]*runbook.Run{
		"sample": sampleRun(t), "dry": dryRun(t), "empty": {RunID: "empty"},
		"nil step lists": {Phases: []runbook.PhaseResult{{Name: "p", Steps: []runbook.StepResult{{Name: "s"}}}}},
	} {
		t.Run(name, func(t *testing.T) {
			out := renderString(t, FormatJSON, run, Options{})
			if strings.Contains(out, "null") {
				t.Errorf("JSON contains null:\n%s", out)
			}
			var back runbook.Run
			if err := json.Unmarshal([]byte(out), &back); err != nil {
				t.Fatalf("JSON does not decode into runbook.Run: %v", err)
			}
			if again := renderString(t, FormatJSON, &back, Options{}); again != out {
				t.Errorf("JSON does not round-trip:\nfirst:\n%s\nsecond:\n%s", out, again)
			}
			if back.RunID != run.RunID || !back.StartedAt.Equal(run.StartedAt) || len(back.Phases) != len(run.Phases) {
				t.Errorf("decoded run differs: %+v", back)
			}
		})
	}
}

func TestJSONSchemaKeys(t *testing.T) {
	var doc map[string]any
	if err := json.Unmarshal([]byte(renderString(t, FormatJSON, sampleRun(t), Options{})), &doc); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"run_id", "started_at", "finished_at", "status", "window", "downtime_seconds",
		"phases", "metrics", "recommendations", "next_maintenance"} {
		if _, ok := doc[k]; !ok {
			t.Errorf("JSON lacks %q", k)
		}
	}
	s := doc["phases"].([]any)[2].(map[string]any)["steps"].([]any)[1].(map[string]any)
	for _, k := range []string{"name", "status", "duration_seconds", "findings", "actions", "metrics"} {
		if _, ok := s[k]; !ok {
			t.Errorf("JSON step lacks %q", k)
		}
	}
	f := s["findings"].([]any)[0].(map[string]any)
	if f["severity"] != "critical" || f["evidence"] == nil {
		t.Errorf("finding = %v", f)
	}
}

func TestNonFiniteNumbers(t *testing.T) {
	run := sampleRun(t)
	run.Metrics[runbook.HeadlineCPUAvgPercent] = math.NaN()
	run.DowntimeSeconds = math.Inf(1)
	run.Phases[0].Steps[0].DurationSeconds = math.NaN()
	run.Phases[0].Steps[0].Metric("api_latency", math.Inf(-1), "ms")
	run.Phases[4].Steps[0].Series[0].Points[2].Value = math.NaN()
	out := renderString(t, FormatJSON, run, Options{})
	if strings.Contains(out, `"cpu_avg_percent":`) || strings.Contains(out, "api_latency") || strings.Contains(out, "NaN") {
		t.Errorf("non-finite metrics kept in JSON")
	}
	md := renderString(t, FormatMarkdown, run, Options{})
	for _, want := range []string{"- **Average CPU Usage:** n/a\n", "| preflight/health | api_latency | n/a |\n",
		"- **CPU use, daily average:** 18% → 22% → 24% → 23% → 28% → 29% (Nov 28 – Dec 4)\n"} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q", want)
		}
	}
	if run.Metrics[runbook.HeadlineCPUAvgPercent] == 0 {
		t.Error("rendering changed the caller's run")
	}
}

func TestRenderErrors(t *testing.T) {
	var b bytes.Buffer
	err := Render(&b, "pdf", sampleRun(t), Options{})
	if err == nil || !strings.Contains(err.Error(), `"pdf"`) || !strings.Contains(err.Error(), "md, json, html") {
		t.Errorf("unknown format error = %v", err)
	}
	if err := Render(&b, FormatJSON, nil, Options{}); !errors.Is(err, errNilRun) {
		t.Errorf("nil run error = %v", err)
	}
	if err := Render(failingWriter{}, FormatMarkdown, sampleRun(t), Options{}); err == nil || !strings.Contains(err.Error(), "writing md report") {
		t.Errorf("write error = %v", err)
	}
	if b.Len() != 0 {
		t.Errorf("failed renders wrote %d bytes", b.Len())
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestHTMLEscapesAndIsWellFormed(t *testing.T) {
	const inject = `<script>alert("x")</script>`
	run := sampleRun(t)
	run.Host = inject
	run.Status = runbook.RunStatus(`ok" onmouseover="alert(1)`)
	run.Recommendations = append(run.Recommendations, inject)
	s := &run.Phases[1].Steps[0]
	s.Name = inject
	s.Finding(runbook.Critical, inject, "%s", inject)
	s.Action("%s", inject)
	s.Metric(inject, 1, inject)

	page := renderString(t, FormatHTML, run, Options{})
	if strings.Contains(strings.ToLower(page), "<script") {
		t.Fatal("injected <script> reached the HTML unescaped")
	}
	if !strings.Contains(page, "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;") {
		t.Error("injected text is not shown escaped")
	}
	if strings.Contains(page, `onmouseover="`) {
		t.Error("attribute injection through a status")
	}
	for _, external := range []string{"src=", "href=", "@import", "url("} {
		if strings.Contains(page, external) {
			t.Errorf("page is not self-contained: has %q", external)
		}
	}
	checkWellFormed(t, page)
}

// checkWellFormed walks the page with encoding/xml in its lenient HTML
// mode and checks every element is closed in order.
func checkWellFormed(t *testing.T, page string) {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(page))
	d.Strict = false
	d.AutoClose = xml.HTMLAutoClose
	d.Entity = xml.HTMLEntity
	var stack []string
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("HTML does not parse: %v", err)
		}
		switch e := tok.(type) {
		case xml.StartElement:
			stack = append(stack, e.Name.Local)
		case xml.EndElement:
			if len(stack) == 0 || stack[len(stack)-1] != e.Name.Local {
				t.Fatalf("</%s> closes %v", e.Name.Local, stack)
			}
			stack = stack[:len(stack)-1]
		}
	}
	if len(stack) != 0 {
		t.Errorf("unclosed elements: %v", stack)
	}
}

// maxFuzzLen bounds FuzzRender's texts, as libFuzzer's -max_len does;
// Go's fuzzer has no such limit. Without one the mutator grows them to
// kilobytes, and when such an input reaches coverage that depends on its
// length, minimising it tries O(n²) cuts at the cost of a render each:
// both workers spend the rest of a 45 s run on it (bench/README.md,
// "Fuzzing"). 256 bytes hold any escape or markup many times over.
const maxFuzzLen = 256

// FuzzRender renders one format an exec, chosen by the first value, so
// that the cheap formats are not held to the HTML template's pace: every
// input still reaches every format as the fuzzer mutates the choice.
func FuzzRender(f *testing.F) {
	seeds := [][4]string{
		{"2 security updates pending", "openssl 3.0.13\nlibc6", "critical", "db/integrity"},
		{"<script>alert(1)</script>", "```\n`x`", "warning", "a|b"},
		{"*[x](y)*", "\r\n\x00", "bogus", ""},
	}
	for i := range Formats {
		for _, s := range seeds {
			f.Add(uint8(i), s[0], s[1], s[2], s[3])
		}
	}
	f.Fuzz(func(t *testing.T, which uint8, message, evidence, severity, name string) {
		if len(message)+len(evidence)+len(severity)+len(name) > maxFuzzLen {
			return
		}
		s := runbook.StepResult{Name: name}
		sev, err := finding.ParseSeverity(severity)
		if err != nil {
			sev = runbook.Severity(len(severity) % 4)
		}
		s.Findings = []runbook.Finding{{Severity: sev, Message: message, Evidence: evidence}}
		s.Action("%s", message)
		s.Metric(name, 1, evidence)
		run := &runbook.Run{
			RunID:           message,
			Phases:          []runbook.PhaseResult{{Name: name, Title: message, Status: runbook.Status(severity), Steps: []runbook.StepResult{s}}},
			Recommendations: []string{evidence},
		}
		format := Formats[int(which)%len(Formats)]
		var b bytes.Buffer
		if err := Render(&b, format, run, Options{}); err != nil {
			t.Fatalf("%s: %v", format, err)
		}
		if format == FormatJSON && !json.Valid(b.Bytes()) {
			t.Fatalf("invalid JSON:\n%s", b.String())
		}
		if format == FormatHTML && containsFold(b.Bytes(), "<script") {
			t.Fatalf("unescaped script tag in HTML")
		}
	})
}

// containsFold reports whether b holds tag in any case, without lowering
// a copy of the whole page first.
func containsFold(b []byte, tag string) bool {
	for i := bytes.IndexByte(b, tag[0]); i >= 0; {
		if len(b)-i >= len(tag) && strings.EqualFold(string(b[i:i+len(tag)]), tag) {
			return true
		}
		next := bytes.IndexByte(b[i+1:], tag[0])
		if next < 0 {
			return false
		}
		i += 1 + next
	}
	return false
}

func TestContainsFold(t *testing.T) {
	for in, want := range map[string]bool{
		"<script>": true, "a <ScRiPt src=x>": true, "&lt;script": false, "<scrip": false,
		"<<script": true, "": false, "<b><SCRIPT": true, "<scripx <script": true,
	} {
		if got := containsFold([]byte(in), "<script"); got != want {
			t.Errorf("containsFold(%q) = %v, want %v", in, got, want)
		}
	}
}

// TestWildcardShownAsCode: a log template's <*> is code, never escaped
// into \<\*>, and explained once.
func TestWildcardShownAsCode(t *testing.T) {
	var r runbook.Result
	r.Finding(runbook.Warning, "28× Database locked while updating work order <*>", "191 errors this week (investigate above 100)")
	r.Recommend("Investigate the most frequent error pattern (database, 28 times): `Database locked while updating work order <*>`")
	r.Finding(runbook.Warning, "", "new pattern: Slow query <*> on work_orders")
	run := &runbook.Run{RunID: "r", Status: runbook.RunWarn, Phases: []runbook.PhaseResult{{Name: "logs", Status: runbook.StatusWarn,
		Steps: []runbook.StepResult{{Name: "analyze", Kind: runbook.ReadOnly, Result: r}}}}}
	run.Summarize()
	md := renderString(t, FormatMarkdown, run, Options{})
	for _, want := range []string{
		"→ Investigate the most frequent error pattern (database, 28 times): `Database locked while updating work order <*>`\n",
		"new pattern: Slow query `<*>` on work_orders",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("Markdown lacks %q:\n%s", want, md)
		}
	}
	if strings.Contains(md, `\<\*>`) || strings.Count(md, "stands for a varying value") != 1 {
		t.Errorf("escaped, or explained other than once:\n%s", md)
	}
	html := renderString(t, FormatHTML, run, Options{})
	if !strings.Contains(html, "Slow query <code>&lt;*&gt;</code> on") || strings.Count(html, "stands for a varying value") != 1 {
		t.Errorf("HTML: <*> not code, or explained other than once")
	}
	if md := renderString(t, FormatMarkdown, sampleRun(t), Options{}); strings.Contains(md, "varying value") {
		t.Error("a report without templates explains <*>")
	}
}

// A postponed step is counted once: Summarize gives it a recommendation
// of its own ("Run the postponed step ..."), which the summary box counts
// as the postponed step, not also as a recommendation.
func TestPostponedStepCountedOnce(t *testing.T) {
	run := sampleRun(t)
	run.Summarize() // the recommendations as a real run has them
	md := renderString(t, FormatMarkdown, run, Options{})
	want := "> - **Needs a human:** 2 critical findings, 3 warnings; 4 recommendations; 1 postponed step\n"
	if !strings.Contains(md, want) {
		i := strings.Index(md, "Needs a human")
		t.Fatalf("report lacks %q; it has %q", want, md[i:i+120])
	}
}

// TestItemizedTallyListsEveryAction: a step whose tally is itemized (the
// upgraded packages) lists each action in Actions Taken, however many.
func TestItemizedTallyListsEveryAction(t *testing.T) {
	run := sampleRun(t)
	var actions []string
	for pi := range run.Phases {
		for si := range run.Phases[pi].Steps {
			st := &run.Phases[pi].Steps[si]
			if run.Phases[pi].Name == "logs" && st.Name == "rotate" {
				st.Tallies[0].Itemized = true
				actions = st.Actions
			}
		}
	}
	if len(actions) <= maxListedWithTallies {
		t.Fatalf("the sample's logs/rotate has %d actions; the test needs more than %d", len(actions), maxListedWithTallies)
	}
	md := renderString(t, FormatMarkdown, run, Options{})
	if strings.Contains(md, "actions in the JSON report") {
		t.Error("an itemized step's actions are counted, not listed")
	}
	for _, a := range actions {
		// Paths under the installation are shown relative to it.
		if a = strings.ReplaceAll(a, run.Root+"/", ""); !strings.Contains(md, "  - "+a+"\n") {
			t.Errorf("action %q not listed", a)
		}
	}
}
