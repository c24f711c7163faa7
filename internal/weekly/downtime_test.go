package weekly

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fossawork/fossamaint/internal/backup"
	"github.com/fossawork/fossamaint/internal/durable"
	"github.com/fossawork/fossamaint/internal/fault"
	"github.com/fossawork/fossamaint/internal/runbook"
	"github.com/fossawork/fossamaint/internal/service"
	"github.com/fossawork/fossamaint/internal/sqlitedb"
	"github.com/fossawork/fossamaint/internal/testkit"
)

func TestInterruptedOptimizeReportsItsDowntime(t *testing.T) {
	tr := newTree(t, 0)
	mgr := withExecService(t, tr, false)
	tr.cfg.Database.Vacuum = "always"
	ctx, cancel := context.WithCancel(context.Background())
	defer fault.Arm(fault.AfterSwap, func(string) error { cancel(); return ctx.Err() })()
	run, err := tr.procedure(mgr, saturday).Execute(ctx, Options{Only: []string{"database"}})
	if !IsInterrupted(err) {
		t.Fatalf("err %v", err)
	}
	st, _ := run.Step("database", "optimize")
	if !st.Undone {
		t.Fatalf("optimize not undone: %v %v", st.Findings, st.Actions)
	}
	if run.DowntimeSeconds <= 0 || st.Metrics["downtime_seconds"].Value != run.DowntimeSeconds {
		t.Errorf("downtime %v (step metrics %v)", run.DowntimeSeconds, st.Metrics)
	}
	if _, ok := st.Metrics["reclaimed_bytes"]; ok {
		t.Error("reclaimed_bytes reported for a VACUUM that was undone")
	}
	joined := strings.Join(st.Actions, "\n")
	for _, want := range []string{"stop fossawork-backend", "restore rollback point B", "start fossawork-backend", "undid optimize"} {
		if !strings.Contains(joined, want) {
			t.Errorf("actions lack %q:\n%s", want, joined)
		}
	}
	if !active(t, mgr, "fossawork-backend") {
		t.Error("service left down")
	}
	if int(testkit.CountRows(t, filepath.Join(tr.root, "backend/fossawork_v2.db"), "work_orders")) != 250 {
		t.Error("rows lost")
	}
}

func TestPointBHasAManifestThatCatchesABitFlip(t *testing.T) {
	tr := newTree(t, 0)
	mgr := withExecService(t, tr, false)
	run := weeklyWithPointB(t, tr, mgr)
	list, err := backup.List(context.Background(), tr.procedure(mgr, saturday).in.Backups.Layout, saturday)
	if err != nil {
		t.Fatal(err)
	}
	var b backup.Backup
	for _, x := range list {
		if x.Path == run.RollbackPoint {
			b = x
		}
	}
	if !b.HasManifest {
		t.Fatalf("point B %s listed without a manifest: %+v", run.RollbackPoint, b)
	}
	res, err := backup.VerifyDeep(context.Background(), b, backup.VerifyOptions{})
	if err != nil || !res.Verified() {
		t.Fatalf("point B not verified: %v %v", res.Problems(), err)
	}
	f, err := os.OpenFile(run.RollbackPoint, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 1)
	if _, err := f.ReadAt(buf, 5000); err != nil {
		t.Fatal(err)
	}
	buf[0] ^= 0x10
	if _, err := f.WriteAt(buf, 5000); err != nil {
		t.Fatal(err)
	}
	f.Close()
	res, err = backup.VerifyDeep(context.Background(), b, backup.VerifyOptions{})
	if err != nil || res.Verified() {
		t.Fatalf("a flipped bit in point B passed: %+v %v", res.Problems(), err)
	}
}

func walTree(t *testing.T) (*tree, service.Manager, string) {
	t.Helper()
	tr := newTree(t, 0)
	mgr := withExecService(t, tr, false)
	dbPath := filepath.Join(tr.root, "backend/fossawork_v2.db")
	testkit.Exec(t, dbPath, "PRAGMA journal_mode=WAL")
	fragment(t, dbPath)
	return tr, mgr, dbPath
}

func TestOnlineVacuumLeavesOnlyTheSwapInTheDowntime(t *testing.T) {
	tr, mgr, dbPath := walTree(t)
	run, err := tr.procedure(mgr, saturday).Execute(context.Background(), Options{Only: []string{"database"}})
	if err != nil {
		t.Fatal(err)
	}
	st, _ := run.Step("database", "optimize")
	if st.Status != runbook.StatusOK || st.Metrics["vacuum_online"].Value != 1 {
		t.Fatalf("optimize %s %v\n%v", st.Status, st.Findings, st.Actions)
	}
	var stopAt, vacuumAt int
	for i, a := range st.Actions {
		switch {
		case strings.HasPrefix(a, "stop "):
			stopAt = i
		case strings.HasPrefix(a, "VACUUM INTO"):
			vacuumAt = i
		}
	}
	if vacuumAt > stopAt {
		t.Errorf("VACUUM INTO ran after the stop:\n%s", strings.Join(st.Actions, "\n"))
	}
	if int(testkit.CountRows(t, dbPath, "work_orders")) != 250 || st.Metrics["reclaimed_bytes"].Value <= 0 {
		t.Errorf("rows %d, reclaimed %v", int(testkit.CountRows(t, dbPath, "work_orders")), st.Metrics["reclaimed_bytes"])
	}
}

func TestCommitDuringTheOnlineCopyIsNotLost(t *testing.T) {
	tr, mgr, dbPath := walTree(t)
	writes := 0
	defer fault.Arm(fault.AfterVacuum, func(string) error {
		if writes == 0 { // the application, still running, commits once
			testkit.Exec(t, dbPath, "INSERT INTO work_orders VALUES('late', 'committed during the copy')")
		}
		writes++
		return nil
	})()
	run, err := tr.procedure(mgr, saturday).Execute(context.Background(), Options{Only: []string{"database"}})
	if err != nil {
		t.Fatal(err)
	}
	st, _ := run.Step("database", "optimize")
	if st.Status != runbook.StatusOK || st.Metrics["vacuum_online"].Value != 0 || writes != 2 {
		t.Fatalf("optimize %s, online=%v, copies %d: %v", st.Status, st.Metrics["vacuum_online"], writes, st.Findings)
	}
	if int(testkit.CountRows(t, dbPath, "work_orders")) != 251 {
		t.Fatalf("the commit made during the online copy was lost: %d rows", int(testkit.CountRows(t, dbPath, "work_orders")))
	}
}

func TestKilledAtEachPointOfTheDatabasePhase(t *testing.T) {
	for _, point := range []string{fault.BackupTemp, fault.AfterVacuum, fault.AfterStop, fault.AfterPointB, fault.AfterSwap, fault.BeforeStart} {
		t.Run(point, func(t *testing.T) {
			tr, mgr, dbPath := walTree(t)
			t.Setenv("TMPDIR", t.TempDir())
			tr.cfg.Database.Vacuum = "always"
			killedAt(t, point, func() {
				_, _ = tr.procedure(mgr, saturday).Execute(context.Background(), Options{Only: []string{"database"}})
			})
			orphan(t, tr.root)
			res, err := tr.procedure(mgr, saturday.Add(time.Hour)).rec.Recover(context.Background(), false)
			if err != nil {
				t.Fatal(err)
			}
			if !active(t, mgr, "fossawork-backend") {
				t.Errorf("service down after recover: %v %v", res.Findings, res.Actions)
			}
			if err := sqlitedb.QuickCheckFile(context.Background(), dbPath); err != nil || int(testkit.CountRows(t, dbPath, "work_orders")) != 250 {
				t.Errorf("database after recover: %v", err)
			}
			points, _ := filepath.Glob(filepath.Join(tr.root, "backups/maintenance/*.db"))
			for _, pt := range points {
				if a, b := stat(t, pt), stat(t, dbPath); os.SameFile(a, b) {
					t.Errorf("%s is the live database under a second name", pt)
				}
			}
			if again, _ := tr.procedure(mgr, saturday.Add(2*time.Hour)).rec.Recover(context.Background(), false); again.Note != "no run died unfinished" {
				t.Errorf("second recover: %+v", again)
			}
			var left []string
			_ = filepath.WalkDir(tr.root, func(p string, d os.DirEntry, err error) error {
				if err == nil && durable.IsTemp(p) {
					left = append(left, p)
				}
				return nil
			})
			if len(left) > 0 {
				t.Errorf("temporaries left: %v", left)
			}
		})
	}
}

func orphan(t *testing.T, root string) {
	t.Helper()
	dead := strconv.Itoa(deadPID(t))
	own := durable.Prefix + strconv.Itoa(os.Getpid()) + "-"
	_ = filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || !strings.HasPrefix(d.Name(), own) {
			return nil
		}
		to := filepath.Join(filepath.Dir(p), durable.Prefix+dead+"-"+strings.TrimPrefix(d.Name(), own))
		if err := os.Rename(p, to); err != nil {
			t.Fatal(err)
		}
		if d.IsDir() {
			return filepath.SkipDir
		}
		return nil
	})
}

func stat(t *testing.T, p string) os.FileInfo {
	t.Helper()
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	return fi
}

func TestIncrementalVacuumSwitchesOnceThenReclaimsOnline(t *testing.T) {
	tr, mgr, dbPath := walTree(t)
	tr.cfg.Database.Vacuum = "incremental"
	if err := tr.cfg.Validate(); err != nil {
		t.Fatalf("database.vacuum: incremental refused: %v", err)
	}
	run, err := tr.procedure(mgr, saturday).Execute(context.Background(), Options{Only: []string{"database"}})
	if err != nil {
		t.Fatal(err)
	}
	st, _ := run.Step("database", "optimize")
	if st.Status != runbook.StatusOK || !strings.Contains(strings.Join(st.Actions, "\n"), "auto_vacuum=INCREMENTAL") || run.DowntimeSeconds <= 0 {
		t.Fatalf("first run: %s downtime %v\n%v", st.Status, run.DowntimeSeconds, st.Actions)
	}
	if mode := autoVacuum(t, dbPath); mode != 2 {
		t.Fatalf("auto_vacuum %d after the switch", mode)
	}
	testkit.Exec(t, dbPath, `CREATE TABLE week(x BLOB); WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 300)
		INSERT INTO week SELECT randomblob(4000) FROM n; DROP TABLE week;`)
	before := fileSize(dbPath)
	run, err = tr.procedure(mgr, saturday.AddDate(0, 0, 7)).Execute(context.Background(), Options{Only: []string{"database"}})
	if err != nil {
		t.Fatal(err)
	}
	st, _ = run.Step("database", "optimize")
	joined := strings.Join(st.Actions, "\n")
	if st.Status != runbook.StatusOK || strings.Contains(joined, "stop ") || run.DowntimeSeconds != 0 {
		t.Fatalf("second run stopped the service: downtime %v\n%s", run.DowntimeSeconds, joined)
	}
	if st.Metrics["reclaimed_bytes"].Value <= 0 || fileSize(dbPath) >= before {
		t.Errorf("nothing reclaimed: %v, %d -> %d bytes\n%s", st.Metrics, before, fileSize(dbPath), joined)
	}
	if int(testkit.CountRows(t, dbPath, "work_orders")) != 250 || sqlitedb.QuickCheckFile(context.Background(), dbPath) != nil {
		t.Error("database damaged by the online reclaim")
	}
}

func autoVacuum(t *testing.T, path string) int {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow("PRAGMA auto_vacuum").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
