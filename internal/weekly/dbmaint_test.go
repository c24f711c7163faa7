package weekly

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fossawork/fossamaint/internal/backup"
	"github.com/fossawork/fossamaint/internal/config"
	"github.com/fossawork/fossamaint/internal/runbook"
	"github.com/fossawork/fossamaint/internal/service"
	"github.com/fossawork/fossamaint/internal/testkit"
)

// withExecService makes the tree's backend a real exec-managed service
// whose state is a flag file; the loopback backend is healthy only while
// the flag exists. startOnce, if set, makes the first start fail.
func withExecService(t *testing.T, tr *tree, failFirstStart bool) service.Manager {
	t.Helper()
	flag := filepath.Join(tr.root, "running")
	if err := os.WriteFile(flag, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	tr.upFile.Store(flag)
	start := []string{"touch", flag}
	if failFirstStart {
		script := filepath.Join(tr.root, "start.sh")
		body := "#!/bin/sh\nif [ ! -f \"$0.tried\" ]; then touch \"$0.tried\"; echo 'port in use' >&2; exit 1; fi\ntouch " + flag + "\n"
		if err := os.WriteFile(script, []byte(body), 0o700); err != nil {
			t.Fatal(err)
		}
		start = []string{script}
	}
	tr.cfg.Services = config.Services{Manager: "exec", ReadyTimeout: config.Duration(10 * time.Second), Units: []config.Service{{
		Name: "fossawork-backend", HealthURL: tr.cfg.Health.Endpoints[0].URL,
		Start: start, Stop: []string{"rm", "-f", flag}, Status: []string{"test", "-f", flag},
	}}}
	mgr, err := service.New(tr.cfg.Services)
	if err != nil {
		t.Fatal(err)
	}
	return mgr
}

func fragment(t *testing.T, path string) {
	t.Helper()
	testkit.Exec(t, path, `CREATE TABLE filler(x BLOB); WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 400)
		INSERT INTO filler SELECT randomblob(4000) FROM n; DROP TABLE filler;`)
}

func TestDatabasePhaseVacuumsWithShortDowntimeAndRecordsPointB(t *testing.T) {
	t.Parallel()
	tr := newTree(t, 0)
	mgr := withExecService(t, tr, false)
	dbPath := filepath.Join(tr.root, "backend/fossawork_v2.db")
	fragment(t, dbPath)
	before := fileSize(dbPath)
	run, err := tr.procedure(mgr, saturday).Execute(context.Background(), Options{Only: []string{"database"}})
	if err != nil {
		t.Fatal(err)
	}
	opt, _ := run.Step("database", "optimize")
	if opt.Status != runbook.StatusOK {
		t.Fatalf("optimize %s: %v %v", opt.Status, opt.Findings, opt.Actions)
	}
	if run.DowntimeSeconds <= 0 || run.DowntimeSeconds != opt.Metrics["downtime_seconds"].Value {
		t.Errorf("downtime %v (step %v)", run.DowntimeSeconds, opt.Metrics["downtime_seconds"])
	}
	if after := fileSize(dbPath); after >= before {
		t.Errorf("VACUUM did not shrink the file: %d -> %d", before, after)
	}
	if int(testkit.CountRows(t, dbPath, "work_orders")) != 250 {
		t.Error("rows lost")
	}
	if run.RollbackPoint == "" || int(testkit.CountRows(t, run.RollbackPoint, "work_orders")) != 250 {
		t.Fatalf("rollback point B %q", run.RollbackPoint)
	}
	if !strings.HasPrefix(filepath.Base(run.RollbackPoint), "fossawork_v2_pre_maintenance_") {
		t.Errorf("point B name %s", run.RollbackPoint)
	}
	if fi, _ := os.Stat(dbPath); fi.Mode().Perm() != 0o600 {
		t.Errorf("mode after swap %v, want 0600 kept", fi.Mode().Perm())
	}
	a, _ := run.Step("database", "backup")
	if a.Status != runbook.StatusOK || len(a.Actions) < 2 {
		t.Errorf("point A: %s %v", a.Status, a.Actions)
	}

	// rollback restores exactly that point, once.
	testkit.Exec(t, dbPath, "DELETE FROM work_orders WHERE rowid % 2 = 0")
	p := tr.procedure(mgr, saturday.Add(time.Hour))
	res, err := p.rec.Rollback(context.Background(), run.RunID, false)
	if err != nil {
		t.Fatal(err)
	}
	if res.Point != run.RollbackPoint || int(testkit.CountRows(t, dbPath, "work_orders")) != 250 {
		t.Fatalf("rollback %+v, rows %d", res, int(testkit.CountRows(t, dbPath, "work_orders")))
	}
	again, err := p.rec.Rollback(context.Background(), run.RunID, false)
	if err != nil || !again.Already {
		t.Fatalf("second rollback: %+v %v", again, err)
	}
}

func TestDatabasePhaseRollsBackWhenTheServiceDoesNotComeBack(t *testing.T) {
	t.Parallel()
	tr := newTree(t, 0)
	mgr := withExecService(t, tr, true)
	tr.cfg.Database.Vacuum = "never"
	run, err := tr.procedure(mgr, saturday).Execute(context.Background(), Options{Only: []string{"database"}})
	if err != nil {
		t.Fatal(err)
	}
	if run.Status != runbook.RunRolledBack {
		st, _ := run.Step("database", "optimize")
		t.Fatalf("status %s; optimize %v %v", run.Status, st.Findings, st.Actions)
	}
	st, _ := run.Step("database", "optimize")
	joined := strings.Join(st.Actions, "\n")
	for _, want := range []string{"back up the stopped database as rollback point B", "restore rollback point B", "start fossawork-backend"} {
		if !strings.Contains(joined, want) {
			t.Errorf("actions lack %q:\n%s", want, joined)
		}
	}
	if active, _ := mgr.Active(context.Background(), "fossawork-backend"); !active {
		t.Error("service left stopped after the rollback")
	}
	if int(testkit.CountRows(t, filepath.Join(tr.root, "backend/fossawork_v2.db"), "work_orders")) != 250 {
		t.Error("rows lost in the rollback")
	}
}

func corruptTable(t *testing.T, path string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	// Page 2 is the first table's root page; garbage over it is what a
	// torn write or a bad disk leaves.
	junk := []byte(strings.Repeat("\xde\xad\xbe\xef", 1024))
	if _, err := f.WriteAt(junk, 4096); err != nil {
		t.Fatal(err)
	}
}

func TestCorruptionKeepsServicesUpAndNamesTheRestoreCommand(t *testing.T) {
	t.Parallel()
	tr := newTree(t, 0)
	mgr := withExecService(t, tr, false)
	dbPath := filepath.Join(tr.root, "backend/fossawork_v2.db")
	testkit.Exec(t, dbPath, "PRAGMA journal_mode=DELETE")
	good, err := backup.Create(context.Background(), backup.CreateOptions{Kind: backup.KindWeekly, DBPath: dbPath,
		Layout: tr.procedure(mgr, saturday).in.Backups.Layout, Now: saturday.Add(-24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	corruptTable(t, dbPath)
	run, err := tr.procedure(mgr, saturday).Execute(context.Background(), Options{Only: []string{"database"}})
	if err != nil {
		t.Fatal(err)
	}
	c, _ := run.Step("database", "corruption")
	if c.Status != runbook.StatusFail || len(c.Findings) == 0 {
		t.Fatalf("corruption step %s %v", c.Status, c.Findings)
	}
	msg := c.Findings[len(c.Findings)-1].Message
	if !strings.Contains(msg, "fossamaint backup restore "+good.Path) || !strings.Contains(msg, "would be lost") {
		t.Errorf("finding does not give the restore command and loss window: %s", msg)
	}
	if o, _ := run.Step("database", "optimize"); o.Status != runbook.StatusSkipped {
		t.Errorf("optimize ran on a corrupt database: %s", o.Status)
	}
	if active, _ := mgr.Active(context.Background(), "fossawork-backend"); !active {
		t.Error("on_corruption: stop must leave services running")
	}
	kept, _ := filepath.Glob(filepath.Join(tr.root, "backups/pre-recovery/fossawork_v2_corrupt_*.db"))
	if len(kept) != 1 {
		t.Errorf("damaged file not kept for forensics: %v", kept)
	}

	// on_corruption: restore puts the verified backup in place.
	tr.cfg.Database.OnCorruption = "restore"
	run, err = tr.procedure(mgr, saturday.Add(time.Minute)).Execute(context.Background(), Options{Only: []string{"database"}})
	if err != nil {
		t.Fatal(err)
	}
	if int(testkit.CountRows(t, dbPath, "work_orders")) != 250 {
		t.Fatal("restore did not bring the rows back")
	}
	if active, _ := mgr.Active(context.Background(), "fossawork-backend"); !active {
		t.Error("service not started after the restore")
	}
	// The report states the data-loss window of the restore that was done.
	st, _ := run.Step("database", "corruption")
	if w := st.Metrics["data_loss_window_seconds"]; w.Value <= 0 {
		t.Errorf("data_loss_window_seconds = %v, want > 0", w.Value)
	}
	if f := findings(run, "database", "corruption"); len(f) == 0 || !strings.Contains(f[0], "has been restored from") || !strings.Contains(f[0], "were lost") {
		t.Errorf("corruption findings after the restore: %v", f)
	}
}

func TestRecoverRestoresPointBAfterAKilledSwap(t *testing.T) {
	tr := newTree(t, 0)
	mgr := withExecService(t, tr, false)
	ctx := context.Background()
	dbPath := filepath.Join(tr.root, "backend/fossawork_v2.db")
	pointB := filepath.Join(tr.root, "backups/maintenance/fossawork_v2_pre_maintenance_20261128_030000.db")
	if err := os.MkdirAll(filepath.Dir(pointB), 0o700); err != nil {
		t.Fatal(err)
	}
	testkit.Exec(t, dbPath, "VACUUM INTO '"+pointB+"'")
	// A run killed between moving the database aside and installing the
	// new one: the service is stopped and the live file is gone.
	killedInDowntime(t, tr, mgr, pointB)
	if err := os.Remove(dbPath); err != nil {
		t.Fatal(err)
	}

	res, err := tr.procedure(mgr, saturday.Add(time.Hour)).rec.Recover(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	if int(testkit.CountRows(t, dbPath, "work_orders")) != 250 {
		t.Fatal("database not restored from point B")
	}
	if active, _ := mgr.Active(ctx, "fossawork-backend"); !active {
		t.Errorf("service not started; actions %v", res.Actions)
	}
	if again, _ := tr.procedure(mgr, saturday.Add(2*time.Hour)).rec.Recover(ctx, false); again.Note != "no run died unfinished" {
		t.Errorf("recover is not idempotent: %+v", again)
	}
}
