package weekly

import (
	"context"
	"fmt"
	"os"
	osexec "os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fossawork/fossamaint/internal/backup"
	"github.com/fossawork/fossamaint/internal/config"
	"github.com/fossawork/fossamaint/internal/durable"
	"github.com/fossawork/fossamaint/internal/fault"
	"github.com/fossawork/fossamaint/internal/history"
	"github.com/fossawork/fossamaint/internal/runbook"
	"github.com/fossawork/fossamaint/internal/service"
	"github.com/fossawork/fossamaint/internal/testkit"
)

// killedInDowntime journals a run that died inside the downtime step after

// stopping the backend, as a kill -9 leaves it (with its rollback point B,

// when given), and stops the service.

func killedInDowntime(t *testing.T, tr *tree, mgr service.Manager, pointB string) {
	t.Helper()
	ctx := context.Background()
	store, err := history.Open(ctx, filepath.Join(tr.root, "state"), time.Now)
	if err != nil {
		t.Fatal(err)
	}
	must := func(err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	must(store.RunStarted(ctx, &runbook.Run{RunID: "killed", StartedAt: saturday, Status: runbook.RunRunning}))
	must(store.StepStarted(ctx, "killed", "database", "optimize", runbook.Downtime))
	must(store.Action(ctx, "killed", "database", "optimize", "stop fossawork-backend", "begin"))
	must(store.Action(ctx, "killed", "database", "optimize", "stop fossawork-backend", "done"))
	if pointB != "" {
		must(store.RollbackPoint(ctx, "killed", pointB))
	}
	must(store.Close())
	must(mgr.Stop(ctx, "fossawork-backend"))
}

// A dry run must not consume the record of a run that died: the real

// recover afterwards still finds it and starts the service.

func TestDryRunsLeaveTheCrashedRunForRecover(t *testing.T) {
	for _, tc := range []struct {
		name string
		dry  func(*testing.T, *Procedure)
	}{
		{"recover --dry-run", func(t *testing.T, p *Procedure) {
			res, err := p.rec.Recover(context.Background(), true)
			if err != nil || len(res.Findings) == 0 {
				t.Fatalf("dry recover: %+v %v", res, err)
			}
		}},
		{"weekly --dry-run", func(t *testing.T, p *Procedure) {
			if _, err := p.Execute(context.Background(), Options{DryRun: true, Only: []string{"preflight"}}); err != nil {
				t.Fatal(err)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr := newTree(t, 0)
			mgr := withExecService(t, tr, false)
			killedInDowntime(t, tr, mgr, "")
			tc.dry(t, tr.procedure(mgr, saturday.Add(time.Hour)))
			if active, _ := mgr.Active(context.Background(), "fossawork-backend"); active {
				t.Fatal("the dry run started the service")
			}
			res, err := tr.procedure(mgr, saturday.Add(2*time.Hour)).rec.Recover(context.Background(), false)
			if err != nil {
				t.Fatal(err)
			}
			if res.Note == "no run died unfinished" {
				t.Fatal("the dry run consumed the crashed run's record")
			}
			if active, _ := mgr.Active(context.Background(), "fossawork-backend"); !active {
				t.Fatalf("recover left the service stopped: %+v", res)
			}
		})
	}
}

// withUnits makes the tree's services real exec-managed units whose state

// is a flag file each: the backend (healthy on the loopback server only

// while its flag exists) and a frontend (ready once active).

func withUnits(t *testing.T, tr *tree) service.Manager {
	t.Helper()
	withExecService(t, tr, false)
	flag := filepath.Join(tr.root, "frontend-running")
	if err := os.WriteFile(flag, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	tr.cfg.Services.Units = append(tr.cfg.Services.Units, config.Service{Name: "fossawork-frontend",
		Start: []string{"touch", flag}, Stop: []string{"rm", "-f", flag}, Status: []string{"test", "-f", flag}})
	mgr, err := service.New(tr.cfg.Services)
	if err != nil {
		t.Fatal(err)
	}
	return mgr
}

func active(t *testing.T, mgr service.Manager, unit string) bool {
	t.Helper()
	ok, err := mgr.Active(context.Background(), unit)
	if err != nil {
		t.Fatal(err)
	}
	return ok
}

// killedAt runs f in a goroutine that dies at the fault point name, as a

// kill -9 there would leave things: nothing after the point runs (the

// goroutine's deferred closes do, as the kernel's would: locks dropped,

// files closed).

func killedAt(t *testing.T, name string, f func()) {
	t.Helper()
	disarm := fault.Arm(name, func(string) error { runtime.Goexit(); return nil })
	defer disarm()
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
		t.Errorf("%s was never reached", name)
	}()
	<-done
}

// weeklyWithPointB runs the database phase with a VACUUM, so the run

// records rollback point B, and returns the run.

func weeklyWithPointB(t *testing.T, tr *tree, mgr service.Manager) *runbook.Run {
	t.Helper()
	tr.cfg.Database.Vacuum = "always"
	run, err := tr.procedure(mgr, saturday).Execute(context.Background(), Options{Only: []string{"database"}})
	if err != nil {
		t.Fatal(err)
	}
	if run.RollbackPoint == "" {
		st, _ := run.Step("database", "optimize")
		t.Fatalf("no rollback point: %v %v", st.Findings, st.Actions)
	}
	return run
}

// The seed's emergency rollback stops backend and frontend, restores the

// database and the configuration, starts both and checks them.

func TestRollbackStopsEveryServiceAndRestoresTheConfig(t *testing.T) {
	tr := newTree(t, 0)
	mgr := withUnits(t, tr)
	run := weeklyWithPointB(t, tr, mgr)
	dbPath := filepath.Join(tr.root, "backend/fossawork_v2.db")
	envPath := filepath.Join(tr.root, "backend/.env")
	testkit.Exec(t, dbPath, "DELETE FROM work_orders WHERE rowid % 2 = 0")
	testkit.WriteFile(t, envPath, []byte("SECRET_KEY=changed-by-a-bad-upgrade\n"), 0o600)

	res, err := tr.procedure(mgr, saturday.Add(time.Hour)).rec.Rollback(context.Background(), run.RunID, false)
	if err != nil {
		t.Fatal(err)
	}
	if res.Run == nil || res.Run.Status == runbook.RunFail || res.Run.Command != runbook.CommandRollback {
		t.Fatalf("rollback run %+v", res.Run)
	}
	st, _ := res.Run.Step("rollback", "restore")
	joined := strings.Join(st.Actions, "\n")
	for _, want := range []string{"stop fossawork-backend", "stop fossawork-frontend", "restore " + run.RollbackPoint,
		"restore the configuration", "start fossawork-backend", "start fossawork-frontend"} {
		if !strings.Contains(joined, want) {
			t.Errorf("rollback actions lack %q:\n%s", want, joined)
		}
	}
	if res.Run.DowntimeSeconds <= 0 {
		t.Errorf("downtime %v", res.Run.DowntimeSeconds)
	}
	if int(testkit.CountRows(t, dbPath, "work_orders")) != 250 {
		t.Error("rows not restored")
	}
	if b, _ := os.ReadFile(envPath); string(b) != "SECRET_KEY=s3cr3t-value-123\n" {
		t.Errorf(".env not restored: %q", b)
	}
	if fi, _ := os.Stat(envPath); fi.Mode().Perm() != 0o600 {
		t.Errorf(".env mode %v: a rollback must not loosen it back to 0644", fi.Mode().Perm())
	}
	kept, _ := filepath.Glob(filepath.Join(tr.root, "backups/pre-recovery/.env_pre_rollback_*"))
	if len(kept) != 1 {
		t.Errorf("the replaced .env was not kept aside: %v", kept)
	}
	if h, _ := res.Run.Step("rollback", "health"); h.Status != runbook.StatusOK {
		t.Errorf("health after rollback: %s %v", h.Status, h.Findings)
	}
	for _, u := range []string{"fossawork-backend", "fossawork-frontend"} {
		if !active(t, mgr, u) {
			t.Errorf("%s down after the rollback", u)
		}
	}
}

// A rollback killed after stopping the services is in the journal like a

// weekly run: recover starts them again and says the rollback did not

// finish; the rollback can then be run again.

func TestRollbackKilledMidwayIsFinishedByRecover(t *testing.T) {
	tr := newTree(t, 0)
	mgr := withUnits(t, tr)
	run := weeklyWithPointB(t, tr, mgr)
	killedAt(t, fault.RestoreStopped, func() {
		_, _ = tr.procedure(mgr, saturday.Add(time.Hour)).rec.Rollback(context.Background(), run.RunID, false)
	})
	if active(t, mgr, "fossawork-backend") || active(t, mgr, "fossawork-frontend") {
		t.Fatal("the kill came after the stop: both units should be down")
	}
	res, err := tr.procedure(mgr, saturday.Add(2*time.Hour)).rec.Recover(context.Background(), false)
	if err != nil {
		t.Fatal(err)
	}
	msgs := fmt.Sprint(res.Findings)
	if !strings.Contains(msgs, "rollback run") || !strings.Contains(msgs, "the rollback did not finish") {
		t.Errorf("findings %s", msgs)
	}
	for _, u := range []string{"fossawork-backend", "fossawork-frontend"} {
		if !active(t, mgr, u) {
			t.Errorf("%s left down by recover; actions %v", u, res.Actions)
		}
	}
	again, err := tr.procedure(mgr, saturday.Add(3*time.Hour)).rec.Rollback(context.Background(), run.RunID, false)
	if err != nil || again.Already || again.Run.Status == runbook.RunFail {
		t.Fatalf("rollback after recover: %+v %v", again, err)
	}
}

// The same for `backup restore`.

func TestRestoreKilledMidwayIsFinishedByRecover(t *testing.T) {
	tr := newTree(t, 0)
	mgr := withUnits(t, tr)
	daily := filepath.Join(tr.root, "backups/daily", saturday.Format("20060102"), "fossawork_v2.db")
	killedAt(t, fault.RestoreReplaced, func() {
		_, _ = tr.procedure(mgr, saturday).rec.RestoreBackup(context.Background(), daily, false)
	})
	if active(t, mgr, "fossawork-backend") {
		t.Fatal("backend should be down after the kill")
	}
	res, err := tr.procedure(mgr, saturday.Add(time.Hour)).rec.Recover(context.Background(), false)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(fmt.Sprint(res.Findings), "the restore did not finish") {
		t.Errorf("findings %v", res.Findings)
	}
	if !active(t, mgr, "fossawork-backend") || !active(t, mgr, "fossawork-frontend") {
		t.Errorf("services down after recover: %v", res.Actions)
	}
	if int(testkit.CountRows(t, filepath.Join(tr.root, "backend/fossawork_v2.db"), "work_orders")) != 250 {
		t.Error("database unusable after recover")
	}
}

// Ctrl-C during the downtime step: the report states the real downtime

// (the stop happened, the undo started the service again) and no space

// reclaimed by a VACUUM that was undone.

// What crashed runs leave (temporaries of dead processes, an older

// release's temp names, a daily set moved aside mid-replacement) is swept

// or put back by the next run, after it holds the lock; what a live

// process owns is left alone.

func TestLeftoversOfCrashedRunsAreSwept(t *testing.T) {
	tr := newTree(t, 0)
	t.Setenv("TMPDIR", t.TempDir()) // the sweep looks there too: count only ours
	dead := strconv.Itoa(deadPID(t))
	mk := func(rel string, body string) string {
		p := filepath.Join(tr.root, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			t.Fatal(err)
		}
		testkit.WriteFile(t, p, []byte(body), 0o600)
		return p
	}
	gone := []string{
		mk("backend/"+durable.Prefix+dead+"-vacuum-0a0b0c", strings.Repeat("x", 1000)),
		mk("backend/.fossawork_v2.db.vacuum-20261121_020000", "old release"),
		mk("backups/weekly/fossawork_v2_full_20261121_020000.db.tmp", "old release"),
		mk("backups/daily/"+durable.Prefix+dead+"-newset-20261128-1a2b/fossawork_v2.db", "half a set"),
		mk("logs/errors/"+durable.Prefix+dead+"-rotate-3c4d", "gzip"),
		mk("logs/reports/"+durable.Prefix+dead+"-report-5e6f", "report"),
	}
	own := mk("backend/"+durable.Name("vacuum"), "in use by this process")
	// A set a crash left moved aside with its date missing: put back.
	aside := mk("backups/daily/.fossamaint-old-20261121-99/20261121/fossawork_v2.db", "the only copy")

	run, err := tr.procedure(nil, saturday).Execute(context.Background(), Options{Only: []string{"preflight"}})
	if err != nil {
		t.Fatal(err)
	}
	st, _ := run.Step("preflight", "previous-runs")
	for _, p := range gone {
		if _, err := os.Lstat(p); !os.IsNotExist(err) {
			t.Errorf("%s survived the sweep", p)
		}
	}
	if _, err := os.Stat(own); err != nil {
		t.Error("a live process's temporary was swept")
	}
	if b, err := os.ReadFile(filepath.Join(tr.root, "backups/daily/20261121/fossawork_v2.db")); err != nil || string(b) != "the only copy" {
		t.Errorf("the set moved aside was not put back: %v", err)
	}
	if _, err := os.Lstat(filepath.Dir(filepath.Dir(aside))); !os.IsNotExist(err) {
		t.Error("the emptied aside directory was left")
	}
	joined := strings.Join(st.Actions, "\n")
	if !strings.Contains(joined, "put back the backup set") || !strings.Contains(joined, "remove 7 leftover temporary files") {
		t.Errorf("actions %s", joined)
	}
	if st.Metrics["swept_temp_files"].Value != 7 {
		t.Errorf("metrics %v", st.Metrics)
	}
}

func deadPID(t *testing.T) int {
	t.Helper()
	cmd := osexec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Skip(err)
	}
	return cmd.Process.Pid
}

// A file that is not a database at all fails the integrity check, and the

// corruption procedure runs for it (it used to say "skipped: the integrity

// check passed").

func TestGarbageDatabaseGoesToTheCorruptionProcedure(t *testing.T) {
	tr := newTree(t, 0)
	mgr := withExecService(t, tr, false)
	dbPath := filepath.Join(tr.root, "backend/fossawork_v2.db")
	good, err := backup.Create(context.Background(), backup.CreateOptions{Kind: backup.KindWeekly, DBPath: dbPath,
		Layout: tr.procedure(mgr, saturday).in.Backups.Layout, Now: saturday.Add(-24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	testkit.WriteFile(t, dbPath, []byte(strings.Repeat("this is not a database\n", 200)), 0o600)
	run, err := tr.procedure(mgr, saturday.Add(time.Hour)).Execute(context.Background(), Options{Only: []string{"database"}})
	if err != nil {
		t.Fatal(err)
	}
	integ, _ := run.Step("database", "integrity")
	corr, _ := run.Step("database", "corruption")
	if integ.Status != runbook.StatusFail {
		t.Fatalf("integrity %s %v", integ.Status, integ.Findings)
	}
	if corr.Status == runbook.StatusSkipped || strings.Contains(corr.Note, "passed") {
		t.Fatalf("corruption step %s: %q", corr.Status, corr.Note)
	}
	msg := fmt.Sprint(corr.Findings)
	if !strings.Contains(msg, "fossamaint backup restore "+good.Path) {
		t.Errorf("the corruption step should name the restore of the verified backup: %s", msg)
	}
	if o, _ := run.Step("database", "optimize"); o.Status != runbook.StatusSkipped {
		t.Errorf("optimize ran on garbage: %s", o.Status)
	}
	if !active(t, mgr, "fossawork-backend") {
		t.Error("service stopped")
	}
}

// When the integrity check could not run at all, the corruption step says

// so instead of claiming the check passed.

func TestCorruptionStepSaysWhenTheCheckCouldNotRun(t *testing.T) {
	tr := newTree(t, 0)
	dbPath := filepath.Join(tr.root, "backend/fossawork_v2.db")
	if err := os.Remove(dbPath); err != nil {
		t.Fatal(err)
	}
	run, err := tr.procedure(nil, saturday).Execute(context.Background(), Options{Only: []string{"database"}})
	if err != nil {
		t.Fatal(err)
	}
	corr, _ := run.Step("database", "corruption")
	if strings.Contains(corr.Note, "passed") || !strings.Contains(corr.Note+fmt.Sprint(corr.Findings), "could not run") {
		t.Fatalf("corruption step %s %q %v", corr.Status, corr.Note, corr.Findings)
	}
}

// The data-loss window of a corruption restore is measured when the

// services stop for it (nothing is written after), in seconds, and told in

// the past tense once the restore is done.

func TestDataLossWindowOfACorruptionRestore(t *testing.T) {
	tr := newTree(t, 0)
	mgr := withExecService(t, tr, false)
	dbPath := filepath.Join(tr.root, "backend/fossawork_v2.db")
	testkit.Exec(t, dbPath, "PRAGMA journal_mode=DELETE")
	_, err := backup.Create(context.Background(), backup.CreateOptions{Kind: backup.KindWeekly, DBPath: dbPath,
		Layout: tr.procedure(mgr, saturday).in.Backups.Layout, Now: saturday.Add(-12 * time.Second)})
	if err != nil {
		t.Fatal(err)
	}
	corruptTable(t, dbPath)
	tr.cfg.Database.OnCorruption = "restore"
	run, err := tr.procedure(mgr, saturday).Execute(context.Background(), Options{Only: []string{"database"}})
	if err != nil {
		t.Fatal(err)
	}
	c, _ := run.Step("database", "corruption")
	var msg string
	for _, f := range c.Findings {
		if strings.Contains(f.Message, "has been restored") {
			msg = f.Message
		}
	}
	if !strings.Contains(msg, "were lost") || strings.Contains(msg, "would be") {
		t.Fatalf("finding %q", msg)
	}
	// The fake clock ticks 10 ms a reading: the window is the 12 s before
	// the run plus the run's own ticks up to the stop, never rounded to 0.
	w := c.Metrics["data_loss_window_seconds"].Value
	if w < 12 || w > 20 || !strings.Contains(msg, saturday.Add(-12*time.Second).Format(time.RFC3339)) || strings.Contains(msg, "(0s)") {
		t.Fatalf("window %.2fs in %q", w, msg)
	}
	if int(testkit.CountRows(t, dbPath, "work_orders")) != 250 || !active(t, mgr, "fossawork-backend") {
		t.Fatal("not restored, or service down")
	}
}

// Rollback point B of a swap gets a manifest, so it can be verified like

// any backup: a flipped bit in it is caught.

// walTree is a tree whose database is in WAL mode (as the application

// keeps it) and fragmented enough for auto to VACUUM.

// With nothing committed during it, the VACUUM INTO made while the service

// ran is installed after the stop: the downtime holds the checkpoint, the

// swap and the restart, not the copy.

// A commit between the online copy and the stop is never lost: the copy

// is discarded and made again with the service stopped.

// A weekly run killed at each point of the database phase: recover leaves

// the service up, the database whole with every row, and nothing of the

// dead run behind; a second recover finds nothing to do.

// orphan gives the temporaries this process made under root a dead

// owner, as the kernel's end of a killed process does in effect: the

// in-process "kill" cannot end our own pid.

// database.vacuum: incremental switches the database once, on the VACUUM

// that is due anyway, and from then on gives free pages back online: no

// stop, no downtime.
