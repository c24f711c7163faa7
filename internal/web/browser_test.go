package web_test

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/fossawork/fossamaint/internal/history"
	"github.com/fossawork/fossamaint/internal/runbook"
	"github.com/fossawork/fossamaint/internal/testkit"
	"github.com/fossawork/fossamaint/internal/web"
)

// The browser tests load every page of a planted history in headless
// Chromium (one browser for the test, a tab per page) and check what a
// reader gets: the page answers 200, nothing goes to the console (errors,
// uncaught exceptions, CSP violations), the hooks of the DOM contract
// (notes/web-dom.md) hold the planted data, nothing is wider than a
// phone's screen, and a running run's steps appear on /now without a
// reload. Each page is captured at a laptop's and a phone's width under
// the test's temp dir, and into $FOSSAMAINT_SCREENSHOTS when set:
//
//	FOSSAMAINT_SCREENSHOTS=/tmp/shots go test ./internal/web -run Chromium

// viewports are the widths every page is checked and captured at.
var viewports = []struct {
	name          string
	width, height int64
	mobile        bool
}{{"laptop", 1366, 900, false}, {"phone", 390, 844, true}}

// plantedWeeks is how many weekly runs the browser test plants: more than
// two months, so that the trends are lines.
const plantedWeeks = 10

func TestDashboardInChromium(t *testing.T) {
	now := time.Now().Truncate(time.Second)
	d := plantDash(t, "", plantedWeeks, now)
	backups := d.plantBackups(t)
	srv := httptest.NewServer(d.server(t, web.Options{}).Handler())
	t.Cleanup(srv.Close)
	b := &browserRun{ctx: testkit.Chromium(t, 3*time.Minute), base: srv.URL, shots: shotDirs(t)}

	rolled := d.withStatus(t, runbook.RunRolledBack)
	failed := d.withStatus(t, runbook.RunFail)
	pages := []struct {
		name, path string
		check      func(t *testing.T, tab context.Context)
	}{
		{"runs", "/", func(t *testing.T, tab context.Context) { checkRuns(t, tab, d.runs, failed.RunID) }},
		{"run", "/runs/" + rolled.RunID, func(t *testing.T, tab context.Context) { checkRun(t, tab, rolled) }},
		{"trends", "/trends", func(t *testing.T, tab context.Context) { checkTrends(t, tab, d.runs) }},
		{"backups", "/backups", func(t *testing.T, tab context.Context) { checkBackups(t, tab, backups) }},
		{"now", "/now", checkNowIdle},
	}
	// The pages load side by side, a tab each; the group ends when they
	// all did, before the live run starts (it adds a run to the list).
	t.Run("pages", func(t *testing.T) {
		for _, p := range pages {
			t.Run(p.name, func(t *testing.T) {
				t.Parallel()
				tab := b.newTab(t)
				for _, vp := range viewports {
					tab.load(t, b.base+p.path, vp.width, vp.height, vp.mobile)
					if vp.name == "laptop" {
						p.check(t, tab.ctx)
					}
					checkLayout(t, tab.ctx, vp.width)
					b.shoot(t, tab.ctx, p.name+"-"+vp.name)
				}
				tab.noConsoleErrors(t)
			})
		}
	})
	t.Run("unknown-run", func(t *testing.T) {
		res, err := http.Get(srv.URL + "/runs/20990101-000000-ffffff")
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusNotFound {
			t.Errorf("an unknown run answers %d, want 404", res.StatusCode)
		}
	})
	t.Run("sign-in", func(t *testing.T) { testSignIn(t, b, d) })
	t.Run("live", func(t *testing.T) { testLive(t, b, d) })
}

// browserRun is the browser of one test, the server it loads pages from,
// and where screenshots go.
type browserRun struct {
	ctx   context.Context
	base  string
	shots []string
}

// tab is a tab of the browser and the console errors it logged.
type tab struct {
	ctx  context.Context
	mu   sync.Mutex
	msgs []string
}

// newTab opens a tab, listening to its console; it closes with the test.
func (b *browserRun) newTab(t *testing.T) *tab {
	t.Helper()
	ctx, cancel := chromedp.NewContext(b.ctx)
	t.Cleanup(cancel)
	tb := &tab{ctx: ctx}
	if err := chromedp.Listen(ctx, tb.record); err != nil {
		t.Fatalf("opening a tab: %v", err)
	}
	return tb
}

// load loads url at the given viewport, failing unless it answers 200.
func (tb *tab) load(t *testing.T, url string, width, height int64, mobile bool) {
	t.Helper()
	var opts []chromedp.EmulateViewportOption
	if mobile {
		opts = append(opts, chromedp.EmulateMobile)
	}
	res, err := chromedp.RunResponse(tb.ctx, chromedp.EmulateViewport(width, height, opts...), chromedp.Navigate(url))
	if err != nil {
		t.Fatalf("loading %s: %v", url, err)
	}
	if res == nil || res.Status != http.StatusOK {
		t.Fatalf("loading %s: response %+v, want 200", url, res)
	}
}

// record keeps what a reader would see as an error in the console: a
// console.error or assert, an uncaught exception, and the browser's own
// error entries (a CSP violation, a resource that failed to load).
func (tb *tab) record(ev any) {
	var m string
	switch e := ev.(type) {
	case *runtime.EventConsoleAPICalled:
		if e.Type == runtime.ConsoleAPICalledTypeError || e.Type == runtime.ConsoleAPICalledTypeAssert {
			var args []string
			for _, a := range e.Args {
				args = append(args, string(a.Value)+a.Description)
			}
			m = fmt.Sprintf("console.%s: %s", e.Type, strings.Join(args, " "))
		}
	case *runtime.EventExceptionThrown:
		m = "uncaught: " + e.ExceptionDetails.Text
		if e.ExceptionDetails.Exception != nil {
			m += " " + e.ExceptionDetails.Exception.Description
		}
	case *log.EventEntryAdded:
		if e.Entry.Level == log.EntryLevelError {
			m = fmt.Sprintf("%s error: %s (%s)", e.Entry.Source, e.Entry.Text, e.Entry.URL)
		}
	}
	if m != "" {
		tb.mu.Lock()
		tb.msgs = append(tb.msgs, m)
		tb.mu.Unlock()
	}
}

// noConsoleErrors fails the test with the tab's console errors.
func (tb *tab) noConsoleErrors(t *testing.T) {
	t.Helper()
	// Let late errors (a script's, a failed resource's) arrive.
	_ = chromedp.Do(tb.ctx, chromedp.Sleep(150*time.Millisecond))
	tb.mu.Lock()
	defer tb.mu.Unlock()
	for _, m := range tb.msgs {
		t.Errorf("console: %s", m)
	}
}

// shotDirs are where screenshots go: the test's temp dir, and
// $FOSSAMAINT_SCREENSHOTS when set.
func shotDirs(t *testing.T) []string {
	dirs := []string{t.TempDir()}
	if d := os.Getenv("FOSSAMAINT_SCREENSHOTS"); d != "" {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		dirs = append(dirs, d)
	}
	return dirs
}

// shoot captures the viewport as name.png; with $FOSSAMAINT_SCREENSHOTS
// set, the whole page too (name-full.png, beyond the viewport), to look at.
func (b *browserRun) shoot(t *testing.T, tab context.Context, name string) {
	t.Helper()
	png, err := chromedp.Run(tab, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	for _, dir := range b.shots {
		if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if len(b.shots) > 1 {
		full, err := chromedp.Run(tab, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatalf("screenshot %s: %v", name, err)
		}
		if err := os.WriteFile(filepath.Join(b.shots[1], name+"-full.png"), full, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// js evaluates expr in the tab.
func js[T any](t *testing.T, tab context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(tab, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("evaluating %s: %v", expr, err)
	}
	return v
}

// waitJS waits until expr is true in the tab (at most 10 s).
func waitJS(t *testing.T, tab context.Context, expr, what string) {
	t.Helper()
	if _, err := chromedp.Run(tab, chromedp.Poll[bool](expr, chromedp.WithPollingTimeout(10*time.Second),
		chromedp.WithPollingInterval(100*time.Millisecond))); err != nil {
		t.Fatalf("waiting for %s (%s): %v", what, expr, err)
	}
}

// checkLayout: nothing makes the page wider than the viewport (a wide
// table scrolls inside its div.table-wrap, the page does not), every
// data table is in such a wrapper, and the page has its one h1.
func checkLayout(t *testing.T, tab context.Context, width int64) {
	t.Helper()
	wide := js[[]int](t, tab, `[document.documentElement.scrollWidth, document.documentElement.clientWidth]`)
	if wide[0] > wide[1] {
		culprits := js[[]string](t, tab, `[...document.querySelectorAll("body *")].filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1 && !e.closest(".table-wrap")).slice(0, 5).map(e => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") + (e.className && typeof e.className == "string" ? "." + e.className.replace(/ /g, ".") : ""))`)
		t.Errorf("at %d px the page is %d px wide (it scrolls sideways); too wide: %q", width, wide[0], culprits)
	}
	if bare := js[[]string](t, tab, `[...document.querySelectorAll("table.data")].filter(e => !e.closest("div.table-wrap")).map(e => e.id || e.className)`); len(bare) > 0 {
		t.Errorf("tables not in a div.table-wrap (they push the page sideways on a phone): %q", bare)
	}
	// The one h1 is the page's title (a report shown in the page has its
	// own heading inside section#report).
	if n := js[int](t, tab, `[...document.querySelectorAll("h1")].filter(h => !h.closest("section#report")).length`); n != 1 {
		t.Errorf("%d h1 elements, want 1", n)
	}
}

// checkRuns: the runs table lists exactly the planted runs, newest first,
// each with its status, its findings and a link to its page.
func checkRuns(t *testing.T, tab context.Context, runs []*runbook.Run, failed string) {
	t.Helper()
	rows := js[[][]string](t, tab, `[...document.querySelectorAll("table#runs tbody tr")].map(r => [r.dataset.runId, r.dataset.status, r.querySelector('a[href="/runs/' + r.dataset.runId + '"]') ? "link" : "", r.querySelector("td.findings") ? "findings" : ""])`)
	var want, got []string
	for _, r := range runs {
		want = append(want, fmt.Sprintf("%s %s link findings", r.RunID, r.Status))
	}
	for _, r := range rows {
		got = append(got, strings.Join(r, " "))
	}
	if !slices.Equal(got, want) {
		t.Errorf("runs table rows (id status link findings):\n got %q\nwant %q", got, want)
	}
	// The failed run's critical finding is counted in its row.
	if n := js[string](t, tab, `document.querySelector('tr[data-run-id="`+failed+`"] td.findings .sev-critical')?.textContent ?? ""`); !strings.Contains(n, "1") {
		t.Errorf("the failed run's row shows %q critical findings, want 1", n)
	}
	if js[bool](t, tab, `!!document.querySelector("p#no-runs")`) {
		t.Error("p#no-runs shown with runs in the history")
	}
	if js[int](t, tab, `document.querySelectorAll("form#run-filters [name=status], form#run-filters [name=command], form#run-filters [name=q]").length`) != 3 {
		t.Error("form#run-filters lacks its status, command and q fields")
	}
}

// checkRun: the rolled-back run's page says so, and has its report and a
// timeline entry per step, with the step's status.
func checkRun(t *testing.T, tab context.Context, run *runbook.Run) {
	t.Helper()
	if n := js[int](t, tab, `document.querySelector("section#report")?.textContent.trim().length ?? 0`); n < 200 {
		t.Errorf("section#report holds %d characters: no report", n)
	}
	got := js[[]string](t, tab, `[...document.querySelectorAll("ol#timeline li[data-step]")].map(li => li.dataset.step + " " + li.dataset.status)`)
	var want []string
	for _, p := range run.Phases {
		for _, s := range p.Steps {
			want = append(want, p.Name+"/"+s.Name+" "+string(s.Status))
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("timeline:\n got %q\nwant %q", got, want)
	}
	if s := js[string](t, tab, `document.querySelector(".badge")?.textContent.trim() ?? ""`); s != string(run.Status) {
		t.Errorf("the run's badge says %q, want %s", s, run.Status)
	}
}

// checkTrends: every chart is drawn (an SVG with a size, a title, a
// series, a point per value) with its numbers in the table beside it, and
// every measure the runs took is a column of one chart's table holding
// the planted values, one a week. Charts may group measures (the rows,
// an endpoint's latencies): a measure is found by its values, not by the
// figure's id, but the database size has its own, chart-database_size_bytes.
func checkTrends(t *testing.T, tab context.Context, runs []*runbook.Run) {
	t.Helper()
	planted := map[string][]float64{}
	for _, r := range runs {
		for name, v := range history.MeasuresOf(r) {
			planted[name] = append(planted[name], v)
		}
	}
	if !js[bool](t, tab, `!!document.querySelector("figure.chart#chart-database_size_bytes")`) {
		t.Error("no figure.chart#chart-database_size_bytes")
	}
	type chart struct {
		ID      string      `json:"id"`
		Box     []float64   `json:"box"`
		Drawn   bool        `json:"drawn"`
		Points  int         `json:"points"`
		Columns [][]float64 `json:"columns"`
	}
	charts := js[[]chart](t, tab, `[...document.querySelectorAll("figure.chart")].map(f => {
		const svg = f.querySelector("svg"), b = svg ? svg.getBBox() : {width: 0, height: 0};
		const columns = [];
		f.querySelectorAll("table.chart-data tbody tr").forEach(tr => [...tr.querySelectorAll("td")].forEach((td, i) => {
			columns[i] = columns[i] || [];
			if (td.dataset.value !== undefined) columns[i].push(Number(td.dataset.value));
		}));
		return {id: f.id, box: [b.width, b.height], drawn: !!(svg && svg.querySelector("title") && svg.querySelector("path.series, rect.bar")),
			points: f.querySelectorAll("circle.point[data-value], rect.bar").length, columns: columns};
	})`)
	if len(charts) == 0 {
		t.Fatal("no figure.chart")
	}
	for _, c := range charts {
		if c.Box[0] < 100 || c.Box[1] < 30 || !c.Drawn {
			t.Errorf("chart %s: its svg is %.0f × %.0f, title and series %v: not drawn", c.ID, c.Box[0], c.Box[1], c.Drawn)
		}
		values := 0
		for _, col := range c.Columns {
			values += len(col)
		}
		if c.Points != values {
			t.Errorf("chart %s: %d points for %d values in its table", c.ID, c.Points, values)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(planted)) {
		found := slices.ContainsFunc(charts, func(c chart) bool {
			return slices.ContainsFunc(c.Columns, func(col []float64) bool { return sameValues(col, planted[name]) })
		})
		if !found {
			t.Errorf("no chart's table has a column with the planted %s, %v", name, planted[name])
		}
	}
}

// sameValues compares two lists of numbers in any order, to 1e-9 relative.
func sameValues(got, want []float64) bool {
	if len(got) != len(want) {
		return false
	}
	g, w := slices.Sorted(slices.Values(got)), slices.Sorted(slices.Values(want))
	for i := range g {
		if d := g[i] - w[i]; d > 1e-9*max(1, w[i]) || -d > 1e-9*max(1, w[i]) {
			return false
		}
	}
	return true
}

// checkBackups: one row per planted backup, each with its path.
func checkBackups(t *testing.T, tab context.Context, paths []string) {
	t.Helper()
	got := js[[]string](t, tab, `[...document.querySelectorAll("table#backups tbody tr[data-path]")].map(r => r.dataset.path)`)
	if !slices.Equal(slices.Sorted(slices.Values(got)), slices.Sorted(slices.Values(paths))) {
		t.Errorf("backups table paths:\n got %q\nwant %q", got, paths)
	}
}

// checkNowIdle: with no run going, /now shows the next window, the
// notice, and says no run is going; its script is the one static file.
func checkNowIdle(t *testing.T, tab context.Context) {
	t.Helper()
	if s := js[string](t, tab, `document.querySelector("#next-window")?.textContent.trim() ?? ""`); s == "" {
		t.Error("no #next-window")
	}
	if !js[bool](t, tab, `!!document.querySelector("#notice") && !!document.querySelector("section#live p#no-live")`) {
		t.Error("no #notice, or no p#no-live in section#live while no run is going")
	}
	if !js[bool](t, tab, `!!document.querySelector('script[src="/static/live.js"][defer]')`) {
		t.Error(`no <script src="/static/live.js" defer>`)
	}
}

// testLive runs a weekly run whose steps wait for the test, journalled in
// the history as a weekly run records itself (another store on the same
// file: the run is another process). A tab loaded before the run starts
// shows each step as it starts and ends, through the server-sent events,
// without a reload; a tab loaded mid-run shows the running step at once
// (from the server, without script) and follows it the same way.
func testLive(t *testing.T, b *browserRun, d *dash) {
	ctx := context.Background()
	before := b.newTab(t)
	before.load(t, b.base+"/now", 1366, 900, false)
	if !js[bool](t, before.ctx, `!!document.querySelector("section#live p#no-live")`) {
		t.Fatal("/now before the run: no p#no-live")
	}
	js[bool](t, before.ctx, `window.noReload = true`)

	journal, err := history.Open(ctx, d.in.StateDir, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	defer journal.Close()
	gates := []chan struct{}{make(chan struct{}), make(chan struct{})}
	started := make(chan string, 2)
	waits := func(name string, gate chan struct{}) func(context.Context, *runbook.Env) (runbook.Result, error) {
		return func(ctx context.Context, _ *runbook.Env) (runbook.Result, error) {
			started <- name
			select {
			case <-gate:
				return runbook.Result{Status: runbook.StatusOK}, nil
			case <-ctx.Done():
				return runbook.Result{}, ctx.Err()
			}
		}
	}
	plan := runbook.Plan{Phases: []runbook.Phase{{Name: "database", Title: "Database maintenance", Steps: []runbook.Step{
		{Name: "stats", Kind: runbook.ReadOnly, Run: waits("stats", gates[0])},
		{Name: "optimize", Kind: runbook.Downtime, Run: waits("optimize", gates[1])},
	}}}}
	run := &runbook.Run{SchemaVersion: runbook.SchemaVersion, RunID: runbook.NewRunID(time.Now()), Command: runbook.CommandWeekly,
		Host: "fossa-prod", Operator: "the dashboard's live test", StartedAt: time.Now()}
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- (&runbook.Engine{Now: time.Now, Journal: journal}).Execute(runCtx, plan, run) }()
	finished := false
	defer func() {
		cancel()
		if !finished {
			<-done
		}
	}()
	if s := <-started; s != "stats" {
		t.Fatalf("first step %s, want stats", s)
	}

	li := func(step string) string {
		return `document.querySelector('ol#live-steps li[data-step="database/` + step + `"]')?.dataset.status`
	}
	waitJS(t, before.ctx, li("stats")+` == "running"`, "database/stats to appear, running, on the /now loaded before the run")
	during := b.newTab(t)
	during.load(t, b.base+"/now", 1366, 900, false)
	if s := js[string](t, during.ctx, li("stats")+` ?? ""`); s != "running" {
		t.Errorf("/now loaded mid-run shows database/stats %q, want running", s)
	}
	js[bool](t, during.ctx, `window.noReload = true`)
	close(gates[0])
	<-started
	for _, tab := range []context.Context{before.ctx, during.ctx} {
		waitJS(t, tab, li("optimize")+` == "running" && `+li("stats")+` == "ok"`, "database/optimize to appear, running, and database/stats ok")
	}
	b.shoot(t, before.ctx, "now-live")
	close(gates[1])
	finished = true
	if err := <-done; err != nil {
		t.Fatalf("the live run: %v", err)
	}
	for _, tb := range []*tab{before, during} {
		waitJS(t, tb.ctx, li("optimize")+` == "ok"`, "database/optimize ok once the run ends")
		if !js[bool](t, tb.ctx, `window.noReload === true`) {
			t.Error("/now reloaded: the steps must come through its server-sent events")
		}
		tb.noConsoleErrors(t)
	}
}
