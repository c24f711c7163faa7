// Command fleet measures the fleet history (internal/fleet) against a
// private PostgreSQL server it starts (Debian's postgresql package):
//
//	go run ./bench/fleet [-installations 100] [-runs 52] [-view-iterations 50]
//
// It builds one local history per installation (state dirs under a
// private temp dir) holding -runs weekly runs a week apart, then times:
// the catch-up, every installation syncing all its runs at once into an
// empty central database; a re-sync with nothing to send; one new run per
// installation synced at once (the weekly case); and the fleet view's
// query (what `fleet status` and serve's /fleet read) with every
// installation's runs in it, for 12 and 52 weeks of trends. It prints the
// times, p50/p99 per sync and the rows of each table.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/fossawork/fossamaint/internal/fleet"
	"github.com/fossawork/fossamaint/internal/history"
	"github.com/fossawork/fossamaint/internal/pgdb"
	"github.com/fossawork/fossamaint/internal/runbook"
)

func main() {
	n := flag.Int("installations", 100, "installations syncing into one central database")
	runs := flag.Int("runs", 52, "weekly runs in each installation's local history")
	iters := flag.Int("view-iterations", 50, "fleet view queries timed")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, *n, *runs, *iters); err != nil {
		fmt.Fprintln(os.Stderr, "bench/fleet:", err)
		os.Exit(1)
	}
}

// start is the first run's start: a Saturday 02:00 UTC.
var start = time.Date(2025, 1, 4, 2, 0, 0, 0, time.UTC)

type site struct {
	id    string
	store *history.Store
	clock time.Time
	runs  int
}

func run(ctx context.Context, n, runs, iters int) error {
	dir, err := os.MkdirTemp("", "fossamaint-fleetbench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if err := os.Chmod(dir, 0o711); err != nil { // the server's user reaches its dir
		return err
	}
	bin, err := pgdb.ServerBin()
	if err != nil {
		return fmt.Errorf("%w (apt-get install -y postgresql)", err)
	}
	c, err := pgdb.StartCluster(ctx, pgdb.ClusterOptions{Dir: filepath.Join(dir, "cluster"), Bin: bin})
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.CreateDatabase(ctx, "fleet"); err != nil {
		return err
	}
	url := c.URL("fleet")
	fmt.Printf("fleet bench: %d installations x %d weekly runs, PostgreSQL %s (fsync on), %d CPUs\n", n, runs, bin, runtime.NumCPU())

	t0 := time.Now()
	sites, err := newSites(ctx, filepath.Join(dir, "sites"), n, runs)
	if err != nil {
		return err
	}
	defer func() {
		for _, s := range sites {
			s.store.Close()
		}
	}()
	fmt.Printf("local histories written in %s\n\n", time.Since(t0).Round(time.Millisecond))

	if err := phase(ctx, "catch-up (every run, empty central database)", sites, url, runs); err != nil {
		return err
	}
	if err := phase(ctx, "re-sync (nothing to send)", sites, url, 0); err != nil {
		return err
	}
	for _, s := range sites {
		if err := s.record(ctx); err != nil {
			return err
		}
	}
	if err := phase(ctx, "weekly (one new run each)", sites, url, 1); err != nil {
		return err
	}
	if err := counts(ctx, url); err != nil {
		return err
	}
	db, err := fleet.Open(url)
	if err != nil {
		return err
	}
	defer db.Close()
	now := start.AddDate(0, 0, 7*runs)
	for _, weeks := range []int{12, 52} {
		if err := viewTimes(ctx, db, now, weeks, iters, n); err != nil {
			return err
		}
	}
	return nil
}

// newSites writes one history of runs weekly runs through the journal,
// then copies it into each installation's state dir: the same runs under
// n installation ids (a synchronous=FULL journal of n x runs runs would
// take most of the bench's time).
func newSites(ctx context.Context, root string, n, runs int) ([]*site, error) {
	tmpl := &site{id: "template"}
	store, err := history.Open(ctx, filepath.Join(root, tmpl.id), func() time.Time { return tmpl.clock })
	if err != nil {
		return nil, err
	}
	tmpl.store = store
	for range runs {
		if err := tmpl.record(ctx); err != nil {
			return nil, err
		}
	}
	if err := store.Close(); err != nil {
		return nil, err
	}
	blob, err := os.ReadFile(filepath.Join(root, tmpl.id, "history.db"))
	if err != nil {
		return nil, err
	}
	sites := make([]*site, n)
	for i := range sites {
		s := &site{id: fmt.Sprintf("site-%03d", i), runs: runs}
		state := filepath.Join(root, s.id)
		if err := os.MkdirAll(state, 0o700); err != nil {
			return nil, err
		}
		if err := os.WriteFile(filepath.Join(state, "history.db"), blob, 0o600); err != nil {
			return nil, err
		}
		if s.store, err = history.Open(ctx, state, func() time.Time { return s.clock }); err != nil {
			return nil, err
		}
		sites[i] = s
	}
	return sites, nil
}

// record journals the site's next weekly run as the engine does.
func (s *site) record(ctx context.Context) error {
	run := benchRun(s.id, s.runs, start.AddDate(0, 0, 7*s.runs))
	s.runs++
	s.clock = run.StartedAt
	if err := s.store.RunStarted(ctx, &runbook.Run{RunID: run.RunID, Command: run.Command, StartedAt: run.StartedAt, Status: runbook.RunRunning}); err != nil {
		return err
	}
	for _, p := range run.Phases {
		for _, st := range p.Steps {
			s.clock = st.StartedAt
			if err := s.store.StepStarted(ctx, run.RunID, p.Name, st.Name, st.Kind); err != nil {
				return err
			}
			if err := s.store.StepFinished(ctx, run, p.Name, st); err != nil {
				return err
			}
		}
	}
	return s.store.RunFinished(ctx, run)
}

// phase syncs every site at once and prints the wall time and the
// p50/p99 of the syncs.
func phase(ctx context.Context, name string, sites []*site, url string, want int) error {
	took := make([]time.Duration, len(sites))
	errs := make([]error, len(sites))
	var wg sync.WaitGroup
	t0 := time.Now()
	for i, s := range sites {
		wg.Go(func() {
			last := start.AddDate(0, 0, 7*(s.runs-1))
			res, err := fleet.Sync(ctx, s.store, fleet.SyncOptions{URL: url, Timeout: 10 * time.Minute, Now: func() time.Time { return last.Add(3 * time.Hour) },
				Installation: fleet.Installation{ID: s.id, Host: s.id, Version: "bench", Window: "Saturday 02:00 for 4h0m0s (UTC)", Zone: "UTC",
					NextWindow: runbook.Span{Start: last.AddDate(0, 0, 7), End: last.AddDate(0, 0, 7).Add(4 * time.Hour)}}})
			took[i] = res.Took
			if err == nil && len(res.Sent) != want {
				err = fmt.Errorf("%s sent %d runs, want %d", s.id, len(res.Sent), want)
			}
			errs[i] = err
		})
	}
	wg.Wait()
	wall := time.Since(t0)
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	p50, p99 := percentiles(took)
	fmt.Printf("%-46s wall %8s   per sync p50 %8s  p99 %8s  max %8s", name, r(wall), r(p50), r(p99), r(slices.Max(took)))
	if want > 0 {
		fmt.Printf("   %.0f runs/s", float64(want*len(sites))/wall.Seconds())
	}
	fmt.Println()
	return nil
}

func viewTimes(ctx context.Context, db *fleet.DB, now time.Time, weeks, iters, n int) error {
	var took []time.Duration
	points := 0
	for range iters {
		t0 := time.Now()
		v, err := db.View(ctx, now, weeks)
		if err != nil {
			return err
		}
		took = append(took, time.Since(t0))
		if len(v.Installations) != n {
			return fmt.Errorf("the fleet view lists %d installations, want %d", len(v.Installations), n)
		}
		points = 0
		for _, row := range v.Installations {
			for _, pts := range row.Trends {
				points += len(pts)
			}
		}
	}
	p50, p99 := percentiles(took)
	fmt.Printf("fleet view, %d installations, %2d weeks of trends (%5d points): p50 %8s  p99 %8s  (%d queries)\n", n, weeks, points, r(p50), r(p99), iters)
	return nil
}

func counts(ctx context.Context, url string) error {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	fmt.Print("\ncentral rows:")
	for _, t := range []string{"installations", "runs", "steps", "actions", "measures"} {
		var k int
		if err := conn.QueryRow(ctx, "SELECT count(*) FROM "+t).Scan(&k); err != nil {
			return err
		}
		fmt.Printf(" %s %d,", t, k)
	}
	var size int64
	if err := conn.QueryRow(ctx, "SELECT pg_database_size(current_database())").Scan(&size); err != nil {
		return err
	}
	fmt.Printf(" database %.1f MiB\n\n", float64(size)/(1<<20))
	return nil
}

func percentiles(d []time.Duration) (p50, p99 time.Duration) {
	s := slices.Clone(d)
	slices.Sort(s)
	at := func(q float64) time.Duration { return s[min(len(s)-1, int(q*float64(len(s))))] }
	return at(0.50), at(0.99)
}

func r(d time.Duration) string {
	switch {
	case d >= time.Second:
		return d.Round(10 * time.Millisecond).String()
	case d >= time.Millisecond:
		return d.Round(100 * time.Microsecond).String()
	}
	return d.Round(time.Microsecond).String()
}
