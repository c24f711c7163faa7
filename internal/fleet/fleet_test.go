package fleet_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/fossawork/fossamaint/internal/fleet"
	"github.com/fossawork/fossamaint/internal/history"
	"github.com/fossawork/fossamaint/internal/runbook"
	"github.com/fossawork/fossamaint/internal/testkit"
)

// epoch is the first planted run's start: a Saturday, 02:00 UTC.
var epoch = time.Date(2026, 1, 3, 2, 0, 0, 0, time.UTC)

// site is one simulated installation: its own state dir and history.
type site struct {
	id, root, state string
	store           *history.Store
	clock           time.Time
	runs            []*runbook.Run
}

func newSite(t *testing.T, id string) *site {
	t.Helper()
	root := filepath.Join(t.TempDir(), id)
	s := &site{id: id, root: root, state: filepath.Join(root, "state")}
	store, err := history.Open(context.Background(), s.state, func() time.Time { return s.clock })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	s.store = store
	return s
}

// record journals the site's next weekly run, as `weekly` does.
func (s *site) record(t *testing.T) *runbook.Run {
	t.Helper()
	i := len(s.runs)
	run := testkit.PlantedRun(i, epoch.AddDate(0, 0, 7*i), s.root)
	run.Host = s.id + ".example"
	if err := testkit.JournalRun(context.Background(), s.store, run, func(at time.Time) { s.clock = at }); err != nil {
		t.Fatal(err)
	}
	s.runs = append(s.runs, run)
	return run
}

func (s *site) options(url string) fleet.SyncOptions {
	last := epoch
	if n := len(s.runs); n > 0 {
		last = s.runs[n-1].StartedAt
	}
	next := last.AddDate(0, 0, 7)
	return fleet.SyncOptions{URL: url, Timeout: 20 * time.Second,
		Installation: fleet.Installation{ID: s.id, Host: s.id + ".example", Version: "test", Window: "Saturday 02:00 for 4h0m0s (UTC)", Zone: "UTC",
			NextWindow: runbook.Span{Start: next, End: next.Add(4 * time.Hour)}},
		Now:      func() time.Time { return last.Add(3 * time.Hour) },
		ExitCode: exitCode,
		Backoff:  func(int) time.Duration { return 20 * time.Millisecond },
	}
}

func (s *site) sync(t *testing.T, url string) (fleet.Result, error) {
	t.Helper()
	return fleet.Sync(context.Background(), s.store, s.options(url))
}

// exitCode stands in for the CLI's table (cli.runExit) in these tests.
func exitCode(run *runbook.Run) int {
	switch run.Status {
	case runbook.RunOK:
		return 0
	case runbook.RunWarn:
		return 1
	}
	return 2
}

// centralRun is a run's row and children in the central database.
type centralRun struct {
	status            string
	started, finished time.Time
	exit              int
	downtime          float64
	crit, warn, info  int
	steps, actions    int
	measures          map[string]float64
}

func readCentral(t *testing.T, url string) map[string]map[string]centralRun {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	out := map[string]map[string]centralRun{}
	rows, err := conn.Query(ctx, `SELECT installation_id, run_id, status, started_at, finished_at, exit_code, downtime_seconds,
		findings_critical, findings_warning, findings_info,
		(SELECT count(*) FROM steps s WHERE s.installation_id = r.installation_id AND s.run_id = r.run_id),
		(SELECT count(*) FROM actions a WHERE a.installation_id = r.installation_id AND a.run_id = r.run_id)
		FROM runs r`)
	if err != nil {
		t.Fatal(err)
	}
	var inst, id string
	var c centralRun
	if _, err := pgx.ForEachRow(rows, []any{&inst, &id, &c.status, &c.started, &c.finished, &c.exit, &c.downtime,
		&c.crit, &c.warn, &c.info, &c.steps, &c.actions}, func() error {
		if out[inst] == nil {
			out[inst] = map[string]centralRun{}
		}
		if _, dup := out[inst][id]; dup {
			return fmt.Errorf("run %s of %s twice", id, inst)
		}
		c.measures = map[string]float64{}
		out[inst][id] = c
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	mrows, err := conn.Query(ctx, `SELECT installation_id, run_id, name, value FROM measures`)
	if err != nil {
		t.Fatal(err)
	}
	var name string
	var v float64
	if _, err := pgx.ForEachRow(mrows, []any{&inst, &id, &name, &v}, func() error {
		out[inst][id].measures[name] = v
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

// checkCentral asserts that the central database holds every run of
// every site exactly once, with the fields of the local run, and nothing
// else.
func checkCentral(t *testing.T, url string, sites []*site) {
	t.Helper()
	got := readCentral(t, url)
	if len(got) != len(sites) {
		t.Errorf("central database holds %d installations, want %d", len(got), len(sites))
	}
	for _, s := range sites {
		runs := got[s.id]
		if len(runs) != len(s.runs) {
			t.Errorf("%s: central database holds %d runs, want %d", s.id, len(runs), len(s.runs))
		}
		for _, want := range s.runs {
			c, ok := runs[want.RunID]
			if !ok {
				t.Errorf("%s: run %s missing from the central database", s.id, want.RunID)
				continue
			}
			steps, actions, crit, warn, info := 0, 0, 0, 0, 0
			for _, p := range want.Phases {
				for _, st := range p.Steps {
					steps++
					actions += len(st.Actions)
				}
			}
			for _, f := range want.Findings() {
				switch f.Severity {
				case runbook.Critical:
					crit++
				case runbook.Warning:
					warn++
				case runbook.Info:
					info++
				}
			}
			if c.status != string(want.Status) || !c.started.Equal(want.StartedAt) || !c.finished.Equal(want.FinishedAt) ||
				c.exit != exitCode(want) || c.downtime != want.DowntimeSeconds || c.steps != steps || c.actions != actions ||
				c.crit != crit || c.warn != warn || c.info != info {
				t.Errorf("%s: run %s in the central database is %+v; the local run: status %s, %s..%s, %d steps, %d actions, findings %d/%d/%d",
					s.id, want.RunID, c, want.Status, want.StartedAt, want.FinishedAt, steps, actions, crit, warn, info)
			}
			for name, v := range history.MeasuresOf(want) {
				if c.measures[name] != v {
					t.Errorf("%s: run %s: measure %s is %v in the central database, want %v", s.id, want.RunID, name, c.measures[name], v)
				}
			}
			if len(c.measures) != len(history.MeasuresOf(want)) {
				t.Errorf("%s: run %s: %d measures in the central database, want %d", s.id, want.RunID, len(c.measures), len(history.MeasuresOf(want)))
			}
		}
	}
}

// eachSite runs f for every site at once, and fails on the first error.
func eachSite(t *testing.T, sites []*site, f func(*site) error) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make([]error, len(sites))
	for i, s := range sites {
		wg.Go(func() { errs[i] = f(s) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
}

// TestFleet is the test: 20 installations, each with its own
// state dir and history, record runs and sync after each; one of them
// records two runs while the central database is down, then catches up.
// The central database holds every run exactly once, and the fleet view
// lists the 20 with their last runs.
func TestFleet(t *testing.T) {
	c := testkit.Postgres(t)
	url := testkit.PostgresDB(t, c, "fleet")
	const n, rounds = 20, 4
	var sites []*site
	for i := range n {
		sites = append(sites, newSite(t, fmt.Sprintf("site-%02d", i)))
	}
	down := sites[7]

	// Round 0: every installation runs and syncs, all at once (the
	// first sync of each creates its rows, one of them the schema).
	eachSite(t, sites, func(s *site) error {
		s.record(t)
		res, err := s.sync(t, url)
		if err == nil && len(res.Sent) != 1 {
			err = fmt.Errorf("%s: sent %v, want its one run", s.id, res.Sent)
		}
		return err
	})

	// The central database goes down; one installation runs twice.
	ctx := context.Background()
	if err := c.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		recordWhileDown(t, down, url)
	}
	if err := c.Start(ctx); err != nil {
		t.Fatal(err)
	}

	// It comes back; the others run rounds 1 to 3, the one that was cut
	// off its fourth run, whose sync catches up the two it missed.
	eachSite(t, sites, func(s *site) error {
		for len(s.runs) < rounds {
			s.record(t)
			res, err := s.sync(t, url)
			if err != nil {
				return err
			}
			want := 1
			if s == down {
				want = 3
			}
			if len(res.Sent) != want {
				return fmt.Errorf("%s: sent %v, want %d runs", s.id, res.Sent, want)
			}
		}
		return nil
	})
	checkCentral(t, url, sites)

	// A second sync of everyone sends nothing.
	eachSite(t, sites, func(s *site) error {
		res, err := s.sync(t, url)
		if err == nil && (len(res.Sent) != 0 || res.Held != rounds) {
			err = fmt.Errorf("%s: a re-sync sent %v and found %d held, want nothing sent and %d held", s.id, res.Sent, res.Held, rounds)
		}
		return err
	})
	checkCentral(t, url, sites)
	checkView(t, url, sites, epoch.AddDate(0, 0, 7*(rounds-1)).Add(5*time.Hour))
}

// recordWhileDown records a run of s and syncs it while the central
// database is down: the sync retries, gives up within its bound and
// sends nothing.
func recordWhileDown(t *testing.T, s *site, url string) {
	t.Helper()
	s.record(t)
	o := s.options(url)
	o.Timeout = 300 * time.Millisecond
	start := time.Now()
	res, err := fleet.Sync(context.Background(), s.store, o)
	if !errors.Is(err, fleet.ErrUnreachable) {
		t.Fatalf("sync with the central database down: %v, want ErrUnreachable", err)
	}
	if took := time.Since(start); took > o.Timeout+2*time.Second {
		t.Errorf("sync with the central database down took %s, bound %s", took, o.Timeout)
	}
	if res.Attempts < 2 || len(res.Sent) != 0 || res.Seconds < o.Timeout.Seconds() {
		t.Errorf("sync with the central database down: %d attempts, sent %v; want retries until the bound and nothing sent (%gs)", res.Attempts, res.Sent, res.Seconds)
	}
}

// checkView asserts that the fleet view at now lists the sites, by id,
// each with its last run as its state and every run in its trend.
func checkView(t *testing.T, url string, sites []*site, now time.Time) {
	t.Helper()
	db, err := fleet.Open(url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	v, err := db.View(context.Background(), now, 12)
	if err != nil {
		t.Fatal(err)
	}
	if len(v.Installations) != len(sites) {
		t.Fatalf("fleet view lists %d installations, want %d", len(v.Installations), len(sites))
	}
	for i, r := range v.Installations {
		s := sites[i]
		last := s.runs[len(s.runs)-1]
		if r.ID != s.id || r.Last == nil || r.Last.ID != last.RunID || r.State != string(last.Status) || r.Runs != len(s.runs) {
			t.Errorf("fleet view row %d: %s, last %+v, state %s, %d runs; want %s, last run %s (%s), %d runs",
				i, r.ID, r.Last, r.State, r.Runs, s.id, last.RunID, last.Status, len(s.runs))
		}
		if got := len(r.Trends[history.MeasureDatabaseSize]); got != len(s.runs) {
			t.Errorf("%s: %d database sizes in the trend, want %d", r.ID, got, len(s.runs))
		}
	}
}
