package recovery

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/fossawork/fossamaint/internal/backup"
	"github.com/fossawork/fossamaint/internal/config"
	"github.com/fossawork/fossamaint/internal/fault"
	"github.com/fossawork/fossamaint/internal/history"

	"github.com/fossawork/fossamaint/internal/runbook"
)

// RollbackResult says what a rollback did.
type RollbackResult struct {
	// RunID is the weekly run rolled back; Point is its rollback point.
	RunID   string `json:"run_id"`
	Point   string `json:"rollback_point"`
	Already bool   `json:"already_rolled_back"`
	// Run is the rollback itself, journalled like any run (nil when it
	// was already rolled back).
	Run *runbook.Run `json:"run,omitempty"`
}

// Rollback is the seed's emergency rollback: stop the services, restore
// exactly the rollback point that run recorded (the seed takes "some
// backup from the last day") and the configuration it snapshotted, start
// the services and check them. It is journalled, so a rollback killed
// mid-way is finished by `recover`. A run already rolled back is left
// alone, so running it twice cannot throw away writes made since.
func (k *Kit) Rollback(ctx context.Context, runID string, dryRun bool) (RollbackResult, error) {
	lock, store, err := k.openState(ctx, dryRun)
	if err != nil {
		return RollbackResult{}, err
	}
	defer lock.Release()
	if store == nil {
		return RollbackResult{}, fmt.Errorf("%w in %s: run `fossamaint weekly` first", history.ErrNoRuns, k.in.StateDir)
	}
	defer store.Close()
	if runID == "" || runID == "latest" {
		if runID, err = store.LatestID(ctx); err != nil {
			return RollbackResult{}, err
		}
	} else if _, err := store.Get(ctx, runID); err != nil {
		return RollbackResult{RunID: runID}, err // history.ErrNoRuns: no such run
	}
	res := RollbackResult{RunID: runID}
	if res.Point, err = store.RollbackPointOf(ctx, runID); err != nil {
		return res, err
	}
	if res.Point == "" {
		return res, fmt.Errorf("%w: run %s changed no database file, so there is nothing to roll back to (`fossamaint backup list` shows the backups; `fossamaint backup restore` restores one)", ErrNoRollbackPoint, runID)
	}
	if st, err := store.Status(ctx, runID); err == nil && st == runbook.RunRolledBack {
		res.Already = true
		return res, nil
	}
	if _, err := os.Stat(res.Point); err != nil {
		return res, fmt.Errorf("rollback point %s of run %s: %w", res.Point, runID, err)
	}
	src := restoreSource{db: res.Point, config: k.SnapshotDir(runID), what: "rollback point of run " + runID}
	res.Run, err = k.restoreRun(ctx, store, dryRun, runbook.CommandRollback, src)
	if err != nil || dryRun || res.Run.Status == runbook.RunFail {
		return res, err
	}
	return res, store.MarkRolledBack(ctx, runID)
}

// RestoreBackup is `fossamaint backup restore`: under the run lock and in
// the journal, verify path, stop the services, restore it, start them and
// check them.
func (k *Kit) RestoreBackup(ctx context.Context, path string, dryRun bool) (*runbook.Run, error) {
	return k.Journaled(ctx, runbook.CommandRestore, dryRun, k.restorePlan(runbook.CommandRestore, restoreSource{db: path, what: "backup " + path}))
}

// restoreSource is what a restore puts back: a database file and,
// optionally, a configuration snapshot.
type restoreSource struct {
	db, config, what string
}

// restoreRun runs a restore as a journalled run of restorePlan.
func (k *Kit) restoreRun(ctx context.Context, store *history.Store, dryRun bool, command string, src restoreSource) (*runbook.Run, error) {
	return k.execute(ctx, store, dryRun, command, k.restorePlan(command, src))
}

// restorePlan is a restore in three steps: verify the source (read-only),
// restore with every managed service stopped (downtime; undone by
// starting them), and probe the endpoints.
func (k *Kit) restorePlan(command string, src restoreSource) runbook.Plan {
	title := map[string]string{runbook.CommandRollback: "Emergency rollback", runbook.CommandRestore: "Restore a backup"}[command]
	// Nothing is stopped for a source that fails verification.
	verified := false
	verify := k.verifySource(src)
	restore := k.restoreStep(src)
	return runbook.Plan{Phases: []runbook.Phase{{Name: command, Title: title, Steps: []runbook.Step{
		{Name: "verify", Kind: runbook.ReadOnly, Critical: true,
			Run: func(ctx context.Context, env *runbook.Env) (runbook.Result, error) {
				r, err := verify(ctx, env)
				verified = err == nil
				return r, err
			}},
		{Name: "restore", Kind: runbook.Downtime, Critical: true,
			Run: func(ctx context.Context, env *runbook.Env) (runbook.Result, error) {
				if !verified {
					return runbook.Skipped("the source failed verification: nothing was stopped or changed"), nil
				}
				return restore(ctx, env)
			},
			Undo: func(ctx context.Context, env *runbook.Env) error {
				var r runbook.Result
				return k.StartAll(ctx, env, &r)
			}},
		{Name: "health", Kind: runbook.ReadOnly, Critical: true, Run: k.restoredHealth},
	}}}}
}

// verifySource refuses a source that fails its check or its manifest
// before anything is stopped.
func (k *Kit) verifySource(src restoreSource) func(context.Context, *runbook.Env) (runbook.Result, error) {
	return func(ctx context.Context, _ *runbook.Env) (runbook.Result, error) {
		var r runbook.Result
		res, err := backup.Restore(ctx, k.restoreOptions(src.db, true))
		if err != nil {
			return r, err
		}
		r.Action("verified %s: %s %s, sha256 %s", src.what, res.Backup.CheckName, okWord(res.Backup.OK), short(res.Backup.SHA256))
		if res.KeptDatabase != "" {
			r.Action("the restore will keep the database it replaces as %s", res.KeptDatabase)
		}
		for _, n := range res.Notes {
			if !strings.HasPrefix(n, "dry run:") {
				r.Finding(runbook.Info, src.db, "%s", n)
			}
		}
		return r, nil
	}
}

func okWord(ok bool) string {
	if ok {
		return "ok"
	}
	return "FAILED"
}

// restoreStep stops every managed service (the seed stops backend and
// frontend), restores the database and the configuration snapshot, and
// starts them again, whatever failed in between.
func (k *Kit) restoreStep(src restoreSource) func(context.Context, *runbook.Env) (runbook.Result, error) {
	return func(ctx context.Context, env *runbook.Env) (runbook.Result, error) {
		var r runbook.Result
		_, err := k.RestoreWithService(ctx, env, src.db, k.in.Services.Managed(), func(ctx context.Context) error {
			return k.restoreConfig(ctx, env, src.config, &r)
		})
		return r, err
	}
}

// restoredHealth probes the configured endpoints after a restore: the
// seed's "verify rollback".
func (k *Kit) restoredHealth(ctx context.Context, env *runbook.Env) (runbook.Result, error) {
	var r runbook.Result
	if env.DryRun {
		return runbook.Skipped("dry run: nothing was restored"), nil
	}
	for _, res := range k.checker.ProbeAll(ctx, k.in.Health.Checks) {
		if res.Healthy {
			r.Action("%s answered %d in %s", res.Name, res.Status, res.Latency.Round(time.Millisecond))
			continue
		}
		sev := runbook.Warning
		if res.Critical {
			sev = runbook.Critical
		}
		r.Finding(sev, res.URL, "%s is not healthy after the restore: %s", res.Name, res.Err)
	}
	return r, nil
}

// restoreWithService stops units, puts path in place of the live database
// (the replaced file is kept in pre-recovery), runs also (a configuration
// restore) while they are stopped, and starts the units again even when
// the restore failed: a restore never leaves a service down. It returns
// when the units were stopped, where the data-loss window of a restore
// ends, and records the downtime.
func (k *Kit) RestoreWithService(ctx context.Context, env *runbook.Env, path string, units []config.Service, also ...func(context.Context) error) (time.Time, error) {
	var stopped []config.Service
	var err error
	for _, u := range units {
		if err = k.StopUnit(ctx, env, u); err != nil {
			break
		}
		stopped = append(stopped, u)
	}
	stoppedAt := k.now()
	if err == nil {
		err = fault.Hit(fault.RestoreStopped)
	}
	if err == nil {
		err = k.restoreDatabase(ctx, env, path)
	}
	if err == nil {
		err = fault.Hit(fault.RestoreReplaced)
	}
	for _, f := range also {
		if err == nil {
			err = f(ctx)
		}
	}
	// Start even after a failure, with a live context even after Ctrl-C.
	sctx := context.WithoutCancel(ctx)
	for _, u := range stopped {
		if _, serr := k.StartUnit(sctx, env, u); serr != nil {
			err = errors.Join(err, serr)
		}
	}
	if len(stopped) > 0 && !env.DryRun {
		env.Downtime(k.now().Sub(stoppedAt))
	}
	return stoppedAt, err
}

// restoreOptions are backup.Restore's options for putting path in place
// of the installation's database: the SQLite file, or the PostgreSQL
// database when the installation has one and path is a dump.
func (k *Kit) restoreOptions(path string, dryRun bool) backup.RestoreOptions {
	o := backup.RestoreOptions{BackupPath: path, DBPath: k.in.Database.Path,
		PreRecoveryDir: k.in.Backups.PreRecoveryDir, Now: k.localNow(), DryRun: dryRun}
	if src := k.postgres(); src != nil && backup.IsDump(path) {
		o.Postgres = src
	}
	return o
}

// postgres is the installation's PostgreSQL database, nil for SQLite.
func (k *Kit) postgres() *backup.PostgresSource {
	return k.in.Database.PostgresSource()
}

// restoreDatabase restores path through the journal: over the SQLite
// file, or into a new PostgreSQL database switched in by rename, the
// replaced one kept under the name the step's actions then give.
func (k *Kit) restoreDatabase(ctx context.Context, env *runbook.Env, path string) error {
	o := k.restoreOptions(path, false)
	what := "restore " + path + " over " + k.in.Database.Path
	if o.Postgres != nil {
		what = "restore " + path + " into a new database and switch it in as " + o.Postgres.Name()
	}
	var res backup.RestoreResult
	err := env.Do(ctx, what, func(ctx context.Context) error {
		var err error
		res, err = backup.Restore(ctx, o)
		return err
	})
	if res.KeptDatabase != "" {
		env.Record("the replaced database is kept as %s (drop it once the restore is confirmed)", res.KeptDatabase)
	}
	return err
}
