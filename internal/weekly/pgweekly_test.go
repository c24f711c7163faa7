package weekly

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fossawork/fossamaint/internal/config"
	"github.com/fossawork/fossamaint/internal/pgdb"
	"github.com/fossawork/fossamaint/internal/runbook"
	"github.com/fossawork/fossamaint/internal/service"
	"github.com/fossawork/fossamaint/internal/testkit"
)

// pgRows are the work orders (and dispensers, one each) of the test
// database.
const pgRows = 4000

// newPGTree is newTree on PostgreSQL: a private server (testkit.Postgres)
// with a FossaWork-like schema (users, work_orders, dispensers) and rows,
// database.url set, and no SQLite daily backup (on PostgreSQL only a
// dump counts). Autovacuum is off on the tables, so the dead tuples a
// test makes are still there for the optimize step.
func newPGTree(t *testing.T) (*tree, string) {
	t.Helper()
	tr, url, _ := newPGCluster(t)
	return tr, url
}

// newPGCluster is newPGTree with its server.
func newPGCluster(t *testing.T) (*tree, string, *pgdb.Cluster) {
	t.Helper()
	c := testkit.Postgres(t)
	url := testkit.PostgresDB(t, c, "fossawork")
	pgExec(t, url, `
		CREATE TABLE users(id serial PRIMARY KEY, username text UNIQUE NOT NULL, created_at timestamptz DEFAULT now())
			WITH (autovacuum_enabled = false);
		CREATE TABLE work_orders(id text PRIMARY KEY, user_id int REFERENCES users(id), site_name text NOT NULL,
			status text NOT NULL, scheduled_date timestamp, created_at timestamp NOT NULL, notes text)
			WITH (autovacuum_enabled = false);
		CREATE INDEX ix_work_orders_status ON work_orders(status);
		CREATE INDEX ix_work_orders_user_date ON work_orders(user_id, scheduled_date);
		CREATE TABLE dispensers(id text PRIMARY KEY, work_order_id text NOT NULL REFERENCES work_orders(id) ON DELETE CASCADE,
			number int NOT NULL) WITH (autovacuum_enabled = false);
		CREATE INDEX ix_dispensers_work_order ON dispensers(work_order_id);
		INSERT INTO users(username) SELECT 'tech' || i FROM generate_series(1, 12) i;
		INSERT INTO work_orders SELECT 'wo' || i, 1 + i % 12, 'Site ' || i, (ARRAY['open','done','billed'])[1 + i % 3],
			timestamp '2026-11-01' + i * interval '10 minutes', timestamp '2026-10-01' + i * interval '10 minutes',
			repeat('n', 200) FROM generate_series(1, `+strconv.Itoa(pgRows)+`) i;
		INSERT INTO dispensers SELECT 'd' || id, id, 1 FROM work_orders;
		ANALYZE;`)
	tr := newTree(t, 0)
	if err := os.RemoveAll(filepath.Join(tr.root, "backups/daily")); err != nil {
		t.Fatal(err)
	}
	tr.cfg.Database.URL = url
	tr.cfg.Database.Postgres.InstallExtensions = true
	return tr, url, c
}

// bloat adds 40,000 wide work orders (about 14 MB: VACUUM FULL leaves
// tables under 8 MiB alone) and deletes nine in ten of them, so most of
// the table is dead space and the live rows left among it keep a plain
// VACUUM from truncating the table.
func bloat(t *testing.T, url string) {
	t.Helper()
	pgExec(t, url, `INSERT INTO work_orders SELECT 'x' || i, 1, 'Site', 'open', NULL, timestamp '2026-10-01', repeat('b', 300)
		FROM generate_series(1, 40000) i;
		DELETE FROM work_orders WHERE id LIKE 'x%' AND substr(id, 2)::int % 10 <> 0;`)
}

func pgExec(t *testing.T, url, sql string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	db, err := pgdb.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Conn().Exec(ctx, sql); err != nil {
		t.Fatalf("%v\n%s", err, sql)
	}
}

func pgInt(t *testing.T, url, sql string) int64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	db, err := pgdb.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int64
	if err := db.Conn().QueryRow(ctx, sql).Scan(&n); err != nil {
		t.Fatalf("%v\n%s", err, sql)
	}
	return n
}

// withUnit makes the backend a managed exec unit (the health endpoint
// answers while the flag file exists), started.
func withUnit(t *testing.T, tr *tree) service.Manager {
	t.Helper()
	flag := filepath.Join(tr.root, "started")
	testkit.WriteFile(t, flag, nil, 0o600)
	tr.upFile.Store(flag)
	tr.cfg.Services = config.Services{Manager: "exec", ReadyTimeout: config.Duration(10 * time.Second), Units: []config.Service{{
		Name: "fossawork-backend", HealthURL: tr.cfg.Health.Endpoints[0].URL,
		Start: []string{"touch", flag}, Stop: []string{"rm", "-f", flag}, Status: []string{"test", "-f", flag},
	}}}
	mgr, err := service.New(tr.cfg.Services)
	if err != nil {
		t.Fatal(err)
	}
	return mgr
}

// stepNames are a run's "phase/step" names.
func stepNames(run *runbook.Run) []string {
	var out []string
	for _, ph := range run.Phases {
		for _, st := range ph.Steps {
			out = append(out, ph.Name+"/"+st.Name)
		}
	}
	return out
}

func dumpsUnder(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err == nil && strings.HasSuffix(p, ".dump") {
			out = append(out, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestPostgresWeeklyRun is the whole weekly run on PostgreSQL: the same
// phases and steps as on SQLite, the headline rows the real counts, a
// dump taken and verified by a restore test.
func TestPostgresWeeklyRun(t *testing.T) {
	t.Parallel()
	tr, _ := newPGTree(t)
	run, err := tr.procedure(nil, saturday).Execute(context.Background(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	sqlite := newTree(t, 0)
	want, err := sqlite.procedure(nil, saturday).Execute(context.Background(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got, w := stepNames(run), stepNames(want); !slices.Equal(got, w) {
		t.Errorf("steps on PostgreSQL:\n%v\nwant SQLite's:\n%v", got, w)
	}
	for k, v := range map[string]float64{"work_orders": pgRows, "dispensers": pgRows} {
		if run.Metrics[k] != v {
			t.Errorf("headline %s = %v, want %v", k, run.Metrics[k], v)
		}
	}
	if run.Metrics["database_size_bytes"] <= 0 {
		t.Error("database size not measured")
	}
	for _, ph := range run.Phases {
		for _, st := range ph.Steps {
			if st.Status == runbook.StatusFail {
				t.Errorf("%s/%s failed: %s %v", ph.Name, st.Name, st.Error, st.Findings)
			}
			for name, m := range st.Metrics {
				if p := MetricUnitProblem(name, m.Unit); p != "" {
					t.Errorf("%s/%s metric %s: %s", ph.Name, st.Name, name, p)
				}
			}
			checkNoGoValues(t, ph.Name+"/"+st.Name, st.Result)
		}
	}
	if d := dumpsUnder(t, filepath.Join(tr.root, "backups/weekly")); len(d) != 1 {
		t.Errorf("weekly dumps %v, want the run's rollback point A", d)
	}
	if d := dumpsUnder(t, filepath.Join(tr.root, "backups/daily")); len(d) != 1 {
		t.Errorf("daily dumps %v, want preflight's emergency dump", d)
	}
	st, _ := run.Step("database", "integrity")
	if st.Status != runbook.StatusOK || st.Metrics["relations_checked"].Value == 0 {
		t.Errorf("integrity: %s %v %v", st.Status, st.Metrics, st.Findings)
	}
	bk, _ := run.Step("database", "backup")
	t.Logf("dump %v s (%v bytes, read back %v s); pg_amcheck %v s, %v relations", bk.Metrics["backup_seconds"].Value,
		bk.Metrics["backup_bytes"].Value, bk.Metrics["verify_seconds"].Value, st.Metrics["amcheck_seconds"].Value, st.Metrics["relations_checked"].Value)
	v, _ := run.Step("backups", "verify")
	var verified int
	for _, f := range v.Findings {
		if strings.Contains(f.Message, "restore test ok") {
			verified++
		}
	}
	t.Logf("restore tests: daily %v s, weekly %v s", v.Metrics["daily_verify_seconds"].Value, v.Metrics["weekly_verify_seconds"].Value)
	if verified != 2 || v.Metrics["weekly_verify_seconds"].Value <= 0 {
		t.Errorf("backups/verify: %v %v", v.Findings, v.Metrics)
	}
	checkPostflightProbesPostgres(t, tr)
	for _, step := range []string{"queries-before", "queries-after"} {
		q, _ := run.Step("database", step)
		for _, read := range pgAppQueries {
			if _, ok := q.Metrics["query_median_seconds:"+read.Name]; !ok {
				t.Errorf("%s: %s not timed: %v %q", step, read.Name, q.Metrics, q.Note)
			}
		}
	}
}

// checkPostflightProbesPostgres: the comprehensive check probes the
// PostgreSQL database, not the SQLite file: remove that, and it must not
// be missed.
func checkPostflightProbesPostgres(t *testing.T, tr *tree) {
	t.Helper()
	if err := os.Remove(filepath.Join(tr.root, "backend/fossawork_v2.db")); err != nil {
		t.Fatal(err)
	}
	post, err := tr.procedure(nil, saturday).Execute(context.Background(), Options{Only: []string{"postflight"}})
	if err != nil {
		t.Fatal(err)
	}
	ch, _ := post.Step("postflight", "comprehensive-health")
	for _, f := range ch.Findings {
		if strings.HasPrefix(f.Message, "database: ") {
			t.Errorf("comprehensive-health on PostgreSQL: %s %s", f.Severity, f.Message)
		}
	}
	if ch.Metrics["items_ok"].Value < 3 { // the database, two endpoints
		t.Errorf("comprehensive-health: %v %v", ch.Metrics, ch.Findings)
	}
}

// TestPostgresOptimizeVacuumsOnline: 40% of the rows deleted puts the
// tables above dead_tuple_percent; the optimize step vacuums them while
// the service runs, with no downtime.
func TestPostgresOptimizeVacuumsOnline(t *testing.T) {
	t.Parallel()
	tr, url := newPGTree(t)
	mgr := withUnit(t, tr)
	pgExec(t, url, `DELETE FROM work_orders WHERE (substr(id, 3)::int % 5) < 2`)
	run, err := tr.procedure(mgr, saturday).Execute(context.Background(), Options{Only: []string{"database"}})
	if err != nil {
		t.Fatal(err)
	}
	st, _ := run.Step("database", "optimize")
	if st.Status != runbook.StatusOK || st.Metrics["vacuumed_tables"].Value < 2 {
		t.Fatalf("optimize: %s %s %v %v %v", st.Status, st.Error, st.Metrics, st.Actions, st.Findings)
	}
	if run.DowntimeSeconds != 0 || st.Metrics[runbook.MetricDowntimeSeconds].Value != 0 {
		t.Errorf("online vacuum had downtime %v", run.DowntimeSeconds)
	}
	if n := pgInt(t, url, `SELECT vacuum_count FROM pg_stat_user_tables WHERE relname = 'work_orders'`); n == 0 {
		t.Error("work_orders was not vacuumed")
	}
	if n := pgInt(t, url, `SELECT count(*) FROM work_orders`); n != pgRows*3/5 {
		t.Errorf("%d work orders after the vacuum", n)
	}
}

// TestPostgresVacuumFullWithDowntime: with vacuum_full: downtime and a
// table mostly dead space, the optimize step stops the service, runs
// VACUUM FULL, starts it and measures the downtime as on SQLite.
func TestPostgresVacuumFullWithDowntime(t *testing.T) {
	t.Parallel()
	tr, url := newPGTree(t)
	mgr := withUnit(t, tr)
	tr.cfg.Database.Postgres.VacuumFull = "downtime"
	bloat(t, url)
	before := pgInt(t, url, `SELECT pg_table_size('work_orders')`)
	run, err := tr.procedure(mgr, saturday).Execute(context.Background(), Options{Only: []string{"database"}})
	if err != nil {
		t.Fatal(err)
	}
	st, _ := run.Step("database", "optimize")
	if st.Status != runbook.StatusOK {
		t.Fatalf("optimize: %s %s %v %v", st.Status, st.Error, st.Actions, st.Findings)
	}
	if st.Metrics[runbook.MetricDowntimeSeconds].Value <= 0 || run.DowntimeSeconds <= 0 {
		t.Errorf("downtime not measured: %v", st.Metrics)
	}
	if _, ok := st.Metrics["ready_seconds"]; !ok {
		t.Error("time to ready not measured")
	}
	if !slices.ContainsFunc(st.Actions, func(a string) bool { return strings.HasPrefix(a, "stop fossawork-backend") }) ||
		!slices.ContainsFunc(st.Actions, func(a string) bool { return strings.Contains(a, "VACUUM (FULL") }) {
		t.Errorf("actions %q", st.Actions)
	}
	after := pgInt(t, url, `SELECT pg_table_size('work_orders')`)
	t.Logf("work_orders %d -> %d bytes; %q", before, after, st.Actions)
	if after >= before/2 {
		t.Errorf("work_orders %d bytes before VACUUM FULL, %d after", before, after)
	}
	if _, err := os.Stat(filepath.Join(tr.root, "started")); err != nil {
		t.Error("the service was not started again")
	}
}

// TestPostgresDryRunChangesNothing: a dry run of the whole weekly run on
// a database that wants VACUUM and VACUUM FULL leaves the database and
// the backup tree as they were.
func TestPostgresDryRunChangesNothing(t *testing.T) {
	t.Parallel()
	tr, url := newPGTree(t)
	mgr := withUnit(t, tr)
	tr.cfg.Database.Postgres.VacuumFull = "downtime"
	bloat(t, url)
	state := func() []int64 {
		return []int64{
			pgInt(t, url, `SELECT count(*) FROM work_orders`),
			pgInt(t, url, `SELECT coalesce(sum(vacuum_count + analyze_count), 0) FROM pg_stat_user_tables`),
			pgInt(t, url, `SELECT pg_relation_filenode('work_orders')::bigint`),
			pgInt(t, url, `SELECT count(*) FROM pg_extension`),
			pgInt(t, url, `SELECT count(*) FROM pg_database`),
		}
	}
	files := func() []string {
		var out []string
		_ = filepath.Walk(filepath.Join(tr.root, "backups"), func(p string, fi os.FileInfo, err error) error {
			out = append(out, p)
			return nil
		})
		return out
	}
	dbBefore, filesBefore := state(), files()
	run, err := tr.procedure(mgr, saturday).Execute(context.Background(), Options{DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	if got := state(); !slices.Equal(got, dbBefore) {
		t.Errorf("database changed by a dry run: %v, was %v", got, dbBefore)
	}
	if got := files(); !slices.Equal(got, filesBefore) {
		t.Errorf("backup tree changed by a dry run:\n%v\nwas\n%v", got, filesBefore)
	}
	st, _ := run.Step("database", "optimize")
	if !slices.ContainsFunc(st.Actions, func(a string) bool { return strings.HasPrefix(a, "would: VACUUM (FULL, ANALYZE)") }) {
		t.Errorf("dry-run actions %q", st.Actions)
	}
	if _, err := os.Stat(filepath.Join(tr.root, "started")); err != nil {
		t.Error("a dry run stopped the service")
	}
	// A dry run installs no extension: pg_amcheck cannot run, and the
	// integrity step says how to allow it.
	if f := findings(run, "database", "integrity"); len(f) != 1 || !strings.Contains(f[0], "warning: the amcheck extension is not installed") {
		t.Errorf("integrity findings %v", f)
	}
}

// TestPostgresVacuumFullRollsBack: the service does not come back after
// the VACUUM FULL (its first start never becomes ready), so rollback
// point A, this run's dump, is restored with the service stopped and the
// service started again: the step is rolled back, the replaced database
// kept, the rows the dump's.
func TestPostgresVacuumFullRollsBack(t *testing.T) {
	t.Parallel()
	tr, url := newPGTree(t)
	withUnit(t, tr)
	once := filepath.Join(tr.root, "started-once")
	flag := filepath.Join(tr.root, "started")
	tr.cfg.Services.ReadyTimeout = config.Duration(2 * time.Second)
	// The first start after the stop fails its readiness; the next works.
	tr.cfg.Services.Units[0].Start = []string{"sh", "-c", "if [ -f " + once + " ]; then touch " + flag + "; else touch " + once + "; fi"}
	mgr, err := service.New(tr.cfg.Services)
	if err != nil {
		t.Fatal(err)
	}
	tr.cfg.Database.Postgres.VacuumFull = "downtime"
	bloat(t, url)
	rows := pgInt(t, url, `SELECT count(*) FROM work_orders`)
	run, err := tr.procedure(mgr, saturday).Execute(context.Background(), Options{Only: []string{"database"}})
	if err != nil {
		t.Fatal(err)
	}
	st, _ := run.Step("database", "optimize")
	if !st.Rolled || run.Status != runbook.RunRolledBack {
		t.Fatalf("optimize: rolled %v, run %s; %s %v %q", st.Rolled, run.Status, st.Error, st.Findings, st.Actions)
	}
	if !slices.ContainsFunc(st.Findings, func(f runbook.Finding) bool { return strings.Contains(f.Message, "rollback point A") }) {
		t.Errorf("findings %v", st.Findings)
	}
	if st.Metrics[runbook.MetricDowntimeSeconds].Value <= 0 {
		t.Errorf("downtime not measured: %v", st.Metrics)
	}
	if _, err := os.Stat(flag); err != nil {
		t.Error("the service was not started again")
	}
	if n := pgInt(t, url, `SELECT count(*) FROM work_orders`); n != rows {
		t.Errorf("%d work orders after the rollback, want the dump's %d", n, rows)
	}
	if n := pgInt(t, url, `SELECT count(*) FROM pg_database WHERE datname LIKE 'fossawork_replaced_%'`); n != 1 {
		t.Errorf("%d kept databases, want the one the rollback replaced", n)
	}
}
