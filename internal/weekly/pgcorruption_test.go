package weekly

import (
	"context"
	"encoding/binary"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fossawork/fossamaint/internal/pgdb"
	"github.com/fossawork/fossamaint/internal/runbook"
)

// TestPostgresCorruption: an index damaged on disk is found by the
// integrity step (critical, naming it). With on_corruption: stop the
// services stay up and the newest verified dump from before is named;
// with restore it is restored (a new database switched in, the damaged
// one kept) and the live database checks clean again.
func TestPostgresCorruption(t *testing.T) {
	t.Parallel()
	tr, url, c := newPGCluster(t)
	mgr := withUnit(t, tr)
	ctx := context.Background()
	// Friday's daily dump, from before the damage.
	if _, err := tr.procedure(mgr, saturday.Add(-20*time.Hour)).Execute(ctx, Options{Only: []string{"preflight"}, ForceWindow: true}); err != nil {
		t.Fatal(err)
	}
	damageIndex(t, c, "public.ix_work_orders_status")

	run, err := tr.procedure(mgr, saturday).Execute(ctx, Options{Only: []string{"database"}})
	if err != nil {
		t.Fatal(err)
	}
	if f := findings(run, "database", "integrity"); len(f) == 0 || !strings.Contains(f[0], "critical: pg_amcheck found corruption in public.ix_work_orders_status") {
		t.Fatalf("integrity findings %v", f)
	}
	f := findings(run, "database", "corruption")
	if len(f) != 1 || !strings.Contains(f[0], "services were left running (on_corruption: stop). Restore with: fossamaint backup restore ") ||
		!strings.Contains(f[0], "/daily/20261127/fossawork.dump") {
		t.Fatalf("corruption findings %v", f)
	}
	if st, _ := run.Step("database", "optimize"); st.Status != runbook.StatusSkipped {
		t.Errorf("optimize on a damaged database: %s", st.Status)
	}
	if run.DowntimeSeconds != 0 {
		t.Errorf("on_corruption stop had downtime %v", run.DowntimeSeconds)
	}

	tr.cfg.Database.OnCorruption = "restore"
	run, err = tr.procedure(mgr, saturday.Add(time.Hour)).Execute(ctx, Options{Only: []string{"database"}})
	if err != nil {
		t.Fatal(err)
	}
	st, _ := run.Step("database", "corruption")
	if len(st.Findings) != 1 || !strings.Contains(st.Findings[0].Message, "has been restored from") || st.Metrics[runbook.MetricDowntimeSeconds].Value <= 0 {
		t.Fatalf("restore: %s %s %v %v %q", st.Status, st.Error, st.Findings, st.Metrics, st.Actions)
	}
	db, err := pgdb.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tools, err := pgdb.FindTools(ctx, "", db.Major)
	if err != nil {
		t.Fatal(err)
	}
	res, err := pgdb.Check(ctx, tools, db, pgdb.CheckOptions{InstallExtension: true})
	if err != nil || !res.OK {
		t.Errorf("the restored database: %+v %v", res, err)
	}
	if reps, err := pgdb.ReplacedDatabases(ctx, db); err != nil || len(reps) != 1 {
		t.Errorf("kept databases %v %v, want the damaged one", reps, err)
	}
	if n := pgInt(t, url, `SELECT count(*) FROM work_orders`); n != pgRows {
		t.Errorf("%d work orders after the restore", n)
	}

	// Sixty days on, the kept database is past keep_maintenance_within:
	// listed, then dropped with backups.prune.
	later := saturday.AddDate(0, 0, 60)
	opts := Options{Only: []string{"backups"}, ForceWindow: true}
	run, err = tr.procedure(mgr, later).Execute(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	st, _ = run.Step("backups", "retention")
	if st.Metrics["replaced_databases_outside_policy"].Value != 1 ||
		!slices.ContainsFunc(st.Findings, func(f runbook.Finding) bool { return strings.Contains(f.Message, "1 database is kept by restores") }) {
		t.Fatalf("retention: %v %v", st.Metrics, st.Findings)
	}
	tr.cfg.Backups.Prune = true
	if run, err = tr.procedure(mgr, later).Execute(ctx, opts); err != nil {
		t.Fatal(err)
	}
	if reps, err := pgdb.ReplacedDatabases(ctx, db); err != nil || len(reps) != 0 {
		st, _ = run.Step("backups", "retention")
		t.Errorf("kept databases after prune %v %v (%q)", reps, err, st.Actions)
	}
}

// damageIndex overwrites the first index tuple of the first B-tree leaf
// page of index, with the server stopped (as pgdb's own check test does).
func damageIndex(t *testing.T, c *pgdb.Cluster, index string) {
	t.Helper()
	ctx := context.Background()
	path, err := c.RelationFile(ctx, "fossawork", index)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := c.Start(ctx); err != nil {
			t.Fatal(err)
		}
	}()
	const page = 8192
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for blk := 1; (blk+1)*page <= len(data); blk++ {
		p := data[blk*page : (blk+1)*page]
		// BTPageOpaqueData ends the page: flags (BTP_LEAF is 1) at 12.
		upper := int(binary.LittleEndian.Uint16(p[14:]))
		if binary.LittleEndian.Uint16(p[page-16+12:])&1 == 0 || upper < 24 || upper+64 > page-16 {
			continue
		}
		copy(p[upper:], strings.Repeat("\xaa", 64))
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Fatalf("%s: no leaf page found", path)
}
