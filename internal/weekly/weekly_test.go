package weekly

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fossawork/fossamaint/internal/config"
	"github.com/fossawork/fossamaint/internal/health"
	"github.com/fossawork/fossamaint/internal/history"
	"github.com/fossawork/fossamaint/internal/install"
	"github.com/fossawork/fossamaint/internal/perf"
	"github.com/fossawork/fossamaint/internal/runbook"
	"github.com/fossawork/fossamaint/internal/service"
	"github.com/fossawork/fossamaint/internal/testkit"
	"github.com/fossawork/fossamaint/internal/updates"

	_ "modernc.org/sqlite"
)

// saturday is inside the default window (Saturday 02:00-06:00 UTC here).
var saturday = time.Date(2026, 11, 28, 3, 0, 0, 0, time.UTC)

type tree struct {
	root string
	cfg  config.Config
	up   *atomic.Bool
	// upFile, when set, makes the backend healthy only while it exists.
	upFile atomic.Value
}

// newTree builds a small installation: a real SQLite database, a week of
// error logs, metrics, today's daily backup, a .env with a too-open mode
// and a loopback backend whose health follows t.up.
func newTree(t *testing.T, errors int) *tree {
	t.Helper()
	root := t.TempDir()
	tr := &tree{root: root, up: &atomic.Bool{}}
	tr.up.Store(true)
	mk := func(rel string) string {
		p := filepath.Join(root, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		return p
	}
	db := mk("backend/fossawork_v2.db")
	testkit.Exec(t, db, `CREATE TABLE work_orders(id TEXT PRIMARY KEY, site_name TEXT NOT NULL);
		CREATE TABLE dispensers(id TEXT PRIMARY KEY, work_order_id TEXT NOT NULL);
		WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 250)
		INSERT INTO work_orders SELECT 'wo'||i, 'Site '||i FROM n;
		INSERT INTO dispensers SELECT 'd'||id, id FROM work_orders;`)
	backupDir := mk("backups/daily/" + saturday.Format("20060102") + "/fossawork_v2.db")
	testkit.Exec(t, db, fmt.Sprintf("VACUUM INTO '%s'", backupDir))
	testkit.WriteFile(t, mk("backend/.env"), []byte("SECRET_KEY=s3cr3t-value-123\n"), 0o644)
	if err := os.Chmod(db, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(mk("backend/data"), 0o700); err != nil {
		t.Fatal(err)
	}
	// The backups tree is as strict as the default rule wants it.
	err := filepath.Walk(filepath.Join(root, "backups"), func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		if fi.IsDir() {
			return os.Chmod(p, 0o700)
		}
		return os.Chmod(p, 0o600)
	})
	if err != nil {
		t.Fatal(err)
	}
	writeLogs(t, mk, errors)

	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if f, _ := tr.upFile.Load().(string); f != "" {
			if _, err := os.Stat(f); err != nil {
				http.Error(w, "down", http.StatusServiceUnavailable)
				return
			}
		}
		if !tr.up.Load() {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprint(w, `{"status":"healthy"}`)
	}))
	t.Cleanup(srv.Close)

	cfg := config.Default()
	cfg.Root = root
	cfg.StateDir = "state"
	cfg.Window.Timezone = "UTC"
	cfg.Updates = config.Updates{}
	cfg.Security.TLSCerts = nil
	cfg.Security.HostLogs = []string{"host/auth.log"}
	cfg.Services = config.Services{Manager: "none", ReadyTimeout: config.Duration(5 * time.Second)}
	cfg.Health.Endpoints = []config.Endpoint{
		{Name: "health", URL: srv.URL + "/api/health", Expect: []int{200}, Critical: true},
		{Name: "work-orders", URL: srv.URL + "/api/work-orders", Expect: []int{200}, Critical: true},
	}
	// A short benchmark: 20 requests an endpoint before and after
	// maintenance (enough to compare p50 and p95), 30 in between.
	cfg.Health.Benchmark.Rate = 200
	cfg.Health.Benchmark.Duration = config.Duration(300 * time.Millisecond)
	cfg.Health.Benchmark.BaselineDuration = config.Duration(200 * time.Millisecond)
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	tr.cfg = cfg
	return tr
}

// writeLogs writes errors error lines (one every half hour back from
// saturday) and a week of hourly metrics samples.
func writeLogs(t *testing.T, mk func(string) string, errors int) {
	var b strings.Builder
	for i := 0; i < errors; i++ {
		ts := saturday.Add(-time.Duration(i+1) * time.Hour / 2)
		fmt.Fprintf(&b, `{"timestamp": "%s", "level": "ERROR", "logger": "fossawork.api", "message": "Database locked while updating work order %d"}`+"\n", ts.Format("2006-01-02T15:04:05"), i)
	}
	testkit.WriteFile(t, mk("logs/errors/backend-errors-"+saturday.Format(time.DateOnly)+".jsonl"), []byte(b.String()), 0o644)
	b.Reset()
	for h := 0; h < 24*7; h++ {
		ts := saturday.Add(-time.Duration(h+1) * time.Hour)
		fmt.Fprintf(&b, `{"timestamp": "%s", "system": {"cpu_percent": 20, "memory_percent": 50, "disk_percent": 40}}`+"\n", ts.Format("2006-01-02T15:04:05"))
	}
	testkit.WriteFile(t, mk("logs/performance/performance-metrics.jsonl"), []byte(b.String()), 0o644)
}

func (tr *tree) procedure(mgr service.Manager, now time.Time) *Procedure {
	if mgr == nil {
		mgr, _ = service.New(tr.cfg.Services)
	}
	// The clock ticks 10 ms per reading: deterministic, yet durations
	// (downtime) are measurable.
	var ticks atomic.Int64
	clock := func() time.Time { return now.Add(time.Duration(ticks.Add(1)) * 10 * time.Millisecond) }
	in, err := install.Resolve(tr.cfg, "")
	if err != nil {
		panic(err)
	}
	in.Services.Manager = mgr
	return New(Deps{Install: in, Checker: &health.Checker{}, Runner: updates.ExecRunner{},
		Now: clock, TopSample: 10 * time.Millisecond})
}

func findings(run *runbook.Run, phase, step string) []string {
	s, _ := run.Step(phase, step)
	var out []string
	for _, f := range s.Findings {
		out = append(out, f.Severity.String()+": "+f.Message)
	}
	return out
}

func TestWeeklyRunEndToEnd(t *testing.T) {
	t.Parallel()
	tr := newTree(t, 150)
	run, err := tr.procedure(nil, saturday).Execute(context.Background(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(run.Phases) != 8 {
		t.Fatalf("%d phases", len(run.Phases))
	}
	for i, name := range PhaseNames {
		if run.Phases[i].Name != name {
			t.Errorf("phase %d is %s, want %s", i, run.Phases[i].Name, name)
		}
	}
	want := map[string]float64{"work_orders": 250, "dispensers": 250, "errors_last_week": 150, "cpu_avg_percent": 20, "memory_avg_percent": 50}
	for k, v := range want {
		if run.Metrics[k] != v {
			t.Errorf("metric %s = %v, want %v", k, run.Metrics[k], v)
		}
	}
	if run.Metrics["database_size_bytes"] <= 0 {
		t.Error("database size not measured")
	}
	for _, ph := range run.Phases {
		for _, st := range ph.Steps {
			for name, m := range st.Metrics {
				if p := MetricUnitProblem(name, m.Unit); p != "" {
					t.Errorf("%s/%s metric %s: %s", ph.Name, st.Name, name, p)
				}
			}
			checkNoGoValues(t, ph.Name+"/"+st.Name, st.Result)
		}
	}
	if run.Status != runbook.RunWarn {
		t.Errorf("status %s, want warn", run.Status)
	}
	if f := findings(run, "logs", "analyze"); len(f) == 0 || !strings.Contains(f[0], "150 errors this week") {
		t.Errorf("errors finding: %v", f)
	}
	if f := findings(run, "preflight", "daily-backup"); len(f) != 0 {
		t.Errorf("today's backup exists, yet: %v", f)
	}
	if f := findings(run, "security", "file-modes"); len(f) != 1 || !strings.Contains(f[0], "warning: "+tr.root+"/backend/.env is mode 0644, allowed at most 0600") {
		t.Errorf("file-mode findings: %v", f)
	}
	if st, _ := run.Step("updates", "apt"); st.Status != runbook.StatusSkipped {
		t.Errorf("disabled apt check: %s", st.Status)
	}
	if run.DowntimeSeconds != 0 {
		t.Error("no service was stopped, yet downtime is reported")
	}
	if len(run.Recommendations) == 0 {
		t.Error("no recommendations despite warnings")
	}
	if !run.NextMaintenance.Equal(time.Date(2026, 12, 5, 2, 0, 0, 0, time.UTC)) {
		t.Errorf("next maintenance %s", run.NextMaintenance)
	}
	store, err := history.Open(context.Background(), filepath.Join(tr.root, "state"), time.Now)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	got, err := store.Get(context.Background(), run.RunID)
	if err != nil || got.Metrics["errors_last_week"] != 150 {
		t.Fatalf("history: %v %v", got, err)
	}
}

func TestErrorsAreCountedByTimestampNotByThreshold(t *testing.T) {
	t.Parallel()
	tr := newTree(t, 40)
	run, err := tr.procedure(nil, saturday).Execute(context.Background(), Options{Only: []string{"logs"}})
	if err != nil {
		t.Fatal(err)
	}
	if run.Metrics["errors_last_week"] != 40 || len(findings(run, "logs", "analyze")) != 0 {
		t.Fatalf("40 errors are under the threshold: %v %v", run.Metrics, findings(run, "logs", "analyze"))
	}
	// A week later the same entries are outside the window.
	run, err = tr.procedure(nil, saturday.AddDate(0, 0, 7)).Execute(context.Background(), Options{Only: []string{"logs"}})
	if err != nil {
		t.Fatal(err)
	}
	if run.Metrics["errors_last_week"] != 0 {
		t.Fatalf("old errors counted: %v", run.Metrics["errors_last_week"])
	}
}

func TestOutsideWindowIsRefused(t *testing.T) {
	t.Parallel()
	tr := newTree(t, 0)
	wednesday := saturday.AddDate(0, 0, 4)
	_, err := tr.procedure(nil, wednesday).Execute(context.Background(), Options{})
	var out *runbook.ErrOutsideWindow
	if !errorsAs(err, &out) {
		t.Fatalf("err = %v, want ErrOutsideWindow", err)
	}
	if _, err := os.Stat(filepath.Join(tr.root, "state")); !os.IsNotExist(err) {
		t.Error("a refused run must not touch the state dir")
	}
	if _, err := tr.procedure(nil, wednesday).Execute(context.Background(), Options{ForceWindow: true, Only: []string{"database"}}); err != nil {
		t.Fatalf("forced: %v", err)
	}
}

func TestPostflightStartsADownServiceAndWaitsForReadiness(t *testing.T) {
	t.Parallel()
	tr := newTree(t, 0)
	flag := filepath.Join(tr.root, "started")
	tr.upFile.Store(flag)
	// The exec manager runs real commands; "start" flips the backend up.
	tr.cfg.Services = config.Services{Manager: "exec", ReadyTimeout: config.Duration(10 * time.Second), Units: []config.Service{{
		Name: "fossawork-backend", HealthURL: tr.cfg.Health.Endpoints[0].URL,
		Start: []string{"touch", flag}, Stop: []string{"rm", "-f", flag}, Status: []string{"test", "-f", flag},
	}}}
	mgr, err := service.New(tr.cfg.Services)
	if err != nil {
		t.Fatal(err)
	}

	dry, err := tr.procedure(mgr, saturday).Execute(context.Background(), Options{DryRun: true, Only: []string{"postflight"}})
	if err != nil {
		t.Fatal(err)
	}
	st, _ := dry.Step("postflight", "services")
	if len(st.Actions) != 1 || st.Actions[0] != "would: start fossawork-backend" {
		t.Fatalf("dry-run actions %q", st.Actions)
	}
	if _, err := os.Stat(flag); err == nil {
		t.Fatal("dry run started the service")
	}

	run, err := tr.procedure(mgr, saturday).Execute(context.Background(), Options{Only: []string{"postflight"}})
	if err != nil {
		t.Fatal(err)
	}
	st, _ = run.Step("postflight", "services")
	if len(st.Actions) != 1 || st.Actions[0] != "start fossawork-backend" {
		t.Fatalf("actions %q findings %v", st.Actions, st.Findings)
	}
	if _, ok := st.Metrics["ready_seconds:fossawork-backend"]; !ok {
		t.Error("time to ready not measured")
	}
	if ep, _ := run.Step("postflight", "endpoints"); ep.Status != runbook.StatusOK {
		t.Errorf("endpoints after start: %s %v", ep.Status, ep.Findings)
	}
}

func TestLatencyRegressionAgainstPreflight(t *testing.T) {
	t.Parallel()
	tr := newTree(t, 0)
	var slow atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if slow.Load() {
			time.Sleep(60 * time.Millisecond)
		}
	}))
	defer srv.Close()
	tr.cfg.Health.Endpoints = []config.Endpoint{{Name: "health", URL: srv.URL, Expect: []int{200}, Critical: true}}
	p := tr.procedure(nil, saturday)
	plan, err := p.Plan([]string{"preflight", "postflight"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Slow the backend down between the phases, as a bad migration would.
	plan.Phases[0].Steps = append(plan.Phases[0].Steps, runbook.Step{Name: "slow-down", Kind: runbook.ReadOnly,
		Run: func(context.Context, *runbook.Env) (runbook.Result, error) {
			slow.Store(true)
			return runbook.Result{}, nil
		}})
	run := &runbook.Run{}
	eng := &runbook.Engine{Now: func() time.Time { return saturday }}
	if err := eng.Execute(context.Background(), plan, run); err != nil {
		t.Fatal(err)
	}
	f := findings(run, "postflight", "latency")
	if len(f) == 0 || !strings.Contains(f[0], "slower than before maintenance") {
		t.Fatalf("latency findings: %v", f)
	}
}

func TestPlanSelection(t *testing.T) {
	t.Parallel()
	in, err := install.Resolve(config.Default(), "")
	if err != nil {
		t.Fatal(err)
	}
	p := New(Deps{Install: in, Now: time.Now})
	tests := []struct {
		only, skip []string
		want       string
		err        bool
	}{
		{nil, nil, strings.Join(PhaseNames, ","), false},
		{[]string{"database", "logs"}, nil, "database,logs", false},
		{nil, []string{"updates", "performance"}, "preflight,database,logs,security,backups,postflight", false},
		{[]string{"logs"}, []string{"logs"}, "", true},
		{[]string{"vacuum"}, nil, "", true},
	}
	for _, tt := range tests {
		plan, err := p.Plan(tt.only, tt.skip)
		if (err != nil) != tt.err {
			t.Errorf("only %v skip %v: err %v", tt.only, tt.skip, err)
			continue
		}
		var names []string
		for _, ph := range plan.Phases {
			names = append(names, ph.Name)
		}
		if got := strings.Join(names, ","); !tt.err && got != tt.want {
			t.Errorf("only %v skip %v: %s, want %s", tt.only, tt.skip, got, tt.want)
		}
	}
}

func TestFindingOwnedByAnotherPhaseIsNotRepeated(t *testing.T) {
	t.Parallel()
	tr := newTree(t, 0)
	sevOf := func(only []string) runbook.Severity {
		run, err := tr.procedure(nil, saturday).Execute(context.Background(), Options{Only: only})
		if err != nil {
			t.Fatal(err)
		}
		st, _ := run.Step("postflight", "comprehensive-health")
		for _, f := range st.Findings {
			if strings.Contains(f.Message, ".env") {
				return f.Severity
			}
		}
		t.Fatalf("no .env finding in %v", st.Findings)
		return 0
	}
	if got := sevOf([]string{"security", "postflight"}); got != runbook.Info {
		t.Errorf("with the security phase in the run: %s, want info", got)
	}
	if got := sevOf([]string{"postflight"}); got != runbook.Warning {
		t.Errorf("postflight alone: %s, want warning", got)
	}
}

func TestLogsPhaseWritesTheAnalysisAndRotates(t *testing.T) {
	t.Parallel()
	tr := newTree(t, 120)
	old := filepath.Join(tr.root, "logs/backend/backend-general-2026-11-10.jsonl")
	if err := os.MkdirAll(filepath.Dir(old), 0o755); err != nil {
		t.Fatal(err)
	}
	testkit.WriteFile(t, old, []byte(`{"timestamp": "2026-11-10T10:00:00", "level": "INFO", "message": "old"}`+"\n"), 0o644)
	if err := os.Chtimes(old, saturday.AddDate(0, 0, -18), saturday.AddDate(0, 0, -18)); err != nil {
		t.Fatal(err)
	}
	run, err := tr.procedure(nil, saturday).Execute(context.Background(), Options{Only: []string{"logs"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(tr.root, "logs/reports/weekly-log-analysis-20261128.json")); err != nil {
		t.Errorf("analysis not written: %v", err)
	}
	rot, _ := run.Step("logs", "rotate")
	if rot.Metrics["compressed"].Value != 1 {
		t.Fatalf("rotate: %v %v", rot.Metrics, rot.Actions)
	}
	if _, err := os.Stat(old + ".gz"); err != nil {
		t.Errorf("old log not compressed: %v", err)
	}
	if _, err := os.Stat(old); !os.IsNotExist(err) {
		t.Error("original kept after verified compression")
	}
	if f := findings(run, "logs", "analyze"); len(f) == 0 || !strings.Contains(f[0], "120 errors this week") {
		t.Errorf("analyze findings %v", f)
	}
}

func TestHostAuthLogs(t *testing.T) {
	t.Parallel()
	tr := newTree(t, 0)
	p := filepath.Join(tr.root, "host/auth.log")
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for i := 0; i < 60; i++ {
		fmt.Fprintf(&b, "Nov 27 10:%02d:%02d web sshd[%d]: Failed password for invalid user admin%d from 192.0.2.9 port 4%04d ssh2\n", i/60, i%60, 1000+i, i, i)
	}
	b.WriteString("Nov 27 11:00:00 web sshd[7]: Accepted publickey for deploy from 198.51.100.1 port 5000 ssh2\n")
	testkit.WriteFile(t, p, []byte(b.String()), 0o600)
	run, err := tr.procedure(nil, saturday).Execute(context.Background(), Options{Only: []string{"security"}})
	if err != nil {
		t.Fatal(err)
	}
	st, _ := run.Step("security", "host-auth")
	if st.Metrics["failed_logins"].Value != 60 || st.Metrics["sources"].Value != 1 {
		t.Fatalf("host-auth metrics %v findings %v", st.Metrics, st.Findings)
	}
	if len(st.Findings) != 1 || !strings.Contains(st.Findings[0].Evidence, "192.0.2.9: 60 failures") || strings.Contains(st.Findings[0].Evidence, "admin") {
		t.Errorf("finding %+v", st.Findings)
	}
}

// TestPostflightProbesEachEndpointOnce: the endpoints step and the
// comprehensive check report the same probe (the latency step's
// benchmark requests, named by their User-Agent, are not probes).
func TestPostflightProbesEachEndpointOnce(t *testing.T) {
	t.Parallel()
	tr := newTree(t, 0)
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.UserAgent() != perf.DefaultBenchUserAgent {
			hits.Add(1)
		}
	}))
	defer srv.Close()
	tr.cfg.Health.Endpoints = []config.Endpoint{{Name: "health", URL: srv.URL, Expect: []int{200}, Critical: true}}
	run, err := tr.procedure(nil, saturday).Execute(context.Background(), Options{Only: []string{"postflight"}})
	if err != nil {
		t.Fatal(err)
	}
	if st, _ := run.Step("postflight", "comprehensive-health"); st.Status == "" {
		t.Fatal("no comprehensive-health step ran")
	}
	if n := hits.Load(); n != 1 {
		t.Errorf("the endpoint was probed %d times in postflight, want 1", n)
	}
}

// goValue matches Go's own formatting of a time.Duration ("3m48s",
// "27h8m0s", "259ms", "0s"), the day count the backup list once printed
// ("2d") and a slice ("[29]"); humanSpan is human.Duration's two-unit form
// ("3m 48s", "1h 23m", "2d 3h"), taken out first.
var (
	goValue   = regexp.MustCompile(`\b\d+(\.\d+)?(h|m|s|ms|µs|ns|d)(\d+(\.\d+)?(h|m|s|ms))*\b|\[\d[\d ]*\]`)
	humanSpan = regexp.MustCompile(`\b\d+[dhm] \d+[hms]\b`)
)

// checkNoGoValues fails when a step's texts show a Go value to a person.
func checkNoGoValues(t *testing.T, step string, r runbook.Result) {
	t.Helper()
	texts := append([]string{r.Note}, r.Actions...)
	for _, f := range r.Findings {
		texts = append(texts, f.Message, f.Evidence)
	}
	for _, s := range texts {
		if m := goValue.FindString(humanSpan.ReplaceAllString(s, "")); m != "" {
			t.Errorf("%s: %q shows the Go value %q", step, s, m)
		}
	}
}

func TestGoValuePattern(t *testing.T) {
	for s, want := range map[string]bool{
		"the largest 40 in 3m48s": true, "age 27h8m0s": true, "ok in 259ms": true, "age 0s": true,
		"(lines [29])": true, "age 2d": true, "peak 40 within 10m0s": true,
		"the largest 40 in 3m 48s": false, "ok in 259 ms": false, "0.8 ms": false, "age < 1 h": false,
		"age 14 days": false, "1h 23m": false, "sha256 cd24df387f2a": false, "line 29": false,
	} {
		if got := goValue.MatchString(humanSpan.ReplaceAllString(s, "")); got != want {
			t.Errorf("%q: Go value %v, want %v", s, got, want)
		}
	}
}
