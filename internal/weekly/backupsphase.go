package weekly

import (
	"context"
	"fmt"
	"maps"
	"strings"
	"time"

	"github.com/fossawork/fossamaint/internal/backup"
	"github.com/fossawork/fossamaint/internal/human"
	"github.com/fossawork/fossamaint/internal/install"
	"github.com/fossawork/fossamaint/internal/runbook"
)

// backupsPhase is the seed's "Backup Verification".
type backupsPhase struct {
	clock
	b          install.Backups
	fullVerify bool
	// pinned (the latest earlier run's rollback points) and this run's
	// rollback point A are never outside the policy: rollback needs them.
	pinned map[string]string
	pointA *handoff[string]
	// pg is the PostgreSQL part: dumps are verified by a restore test,
	// and the databases restores kept are under retention (nil: SQLite).
	pg *pgBackups
}

func (ph *backupsPhase) backupInventory(ctx context.Context, _ *runbook.Env) (runbook.Result, error) {
	now := ph.now()
	lst, err := backup.ListDetailed(ctx, ph.b.Layout, now)
	if err != nil {
		return runbook.Result{}, fmt.Errorf("listing backups: %w", err)
	}
	var r runbook.Result
	week := map[backup.Kind]int{}
	total := map[backup.Kind]int{}
	var lines []string
	for _, b := range lst.Backups {
		total[b.Kind]++
		if b.Age.D() < 7*24*time.Hour {
			week[b.Kind]++
		}
		lines = append(lines, fmt.Sprintf("%-11s %s  age %s  %s", b.Kind, b.Path, human.Age(b.Age.D()), human.Bytes(b.Size)))
	}
	for _, k := range []backup.Kind{backup.KindDaily, backup.KindWeekly, backup.KindMaintenance} {
		r.Metric(string(k), float64(total[k]), "count")
		r.Metric(string(k)+"_this_week", float64(week[k]), "count")
	}
	if len(lines) > 0 {
		r.Finding(runbook.Info, strings.Join(first(lines, 40), "\n"), "%s found", human.Count(len(lst.Backups), "backup", "backups"))
	}
	if week[backup.KindWeekly] == 0 {
		r.Finding(runbook.Warning, ph.b.Layout.WeeklyDir, "no weekly backup from the last 7 days")
		r.Recommend("Check the weekly backup job.")
	}
	for _, n := range lst.Notes {
		r.Finding(runbook.Info, "", "%s", n)
	}
	return r, nil
}

// verifyNewest verifies the newest daily and the newest weekly backup as
// the seed's section 6 does, but properly: sha256 against the manifest, the
// configured check, and a restore test in a private temp dir.
func (ph *backupsPhase) verifyNewest(ctx context.Context, _ *runbook.Env) (runbook.Result, error) {
	list, err := backup.List(ctx, ph.b.Layout, ph.now())
	if err != nil {
		return runbook.Result{}, fmt.Errorf("listing backups: %w", err)
	}
	var r runbook.Result
	if ph.pg != nil {
		list = dumpsOf(list) // a SQLite file from before PostgreSQL is no backup of it
	}
	for _, kind := range []backup.Kind{backup.KindDaily, backup.KindWeekly} {
		b, ok := newestOf(list, kind)
		if !ok {
			r.Finding(runbook.Warning, ph.b.Dir, "there is no %s backup to verify", kind)
			continue
		}
		if ph.pg != nil {
			if err := ph.pg.verify(ctx, &r, kind, b); err != nil {
				return r, err
			}
			continue
		}
		res, err := backup.VerifyDeep(ctx, b, backup.VerifyOptions{Full: ph.fullVerify})
		if err != nil {
			return r, err
		}
		r.Metric(string(kind)+"_verify_seconds", res.Duration.D().Seconds(), "s")
		if !res.Sound() {
			ev := strings.Join(append(append([]string{}, res.Messages...), res.ManifestErr), "\n")
			r.Finding(runbook.Critical, ev, "the newest %s backup %s failed verification", kind, b.Path)
			r.Recommend("Take a new %s backup and find out why %s is damaged.", kind, b.Path)
			continue
		}
		note := "no manifest"
		if b.HasManifest {
			note = "sha256 matches its manifest"
		}
		r.Finding(runbook.Info, "sha256 "+res.SHA256, "newest %s backup %s (%s old): %s, check ok, restore test ok with %d tables",
			kind, b.Path, human.Age(b.Age.D()), note, res.RestoreTest.Tables)
	}
	return r, nil
}

func newestOf(list []backup.Backup, kind backup.Kind) (backup.Backup, bool) {
	for _, b := range list { // newest first
		if b.Kind == kind && b.Size > 0 {
			return b, true
		}
	}
	return backup.Backup{}, false
}

// retention applies the policy (restic forget semantics per kind): it
// reports what is outside it and deletes that only when backups.prune is
// on. On PostgreSQL the databases restores kept aside are under
// keep_maintenance_within too.
func (ph *backupsPhase) retention(ctx context.Context, env *runbook.Env) (runbook.Result, error) {
	r, err := ph.retainFiles(ctx, env)
	if err != nil || ph.pg == nil {
		return r, err
	}
	return r, ph.pg.retainReplaced(ctx, env, &r, ph.now(), ph.b.Retention.KeepMaintenanceWithin, ph.b.Prune)
}

// retainFiles is the policy on the backup files.
func (ph *backupsPhase) retainFiles(ctx context.Context, env *runbook.Env) (runbook.Result, error) {
	list, err := backup.List(ctx, ph.b.Layout, ph.now())
	if err != nil {
		return runbook.Result{}, fmt.Errorf("listing backups: %w", err)
	}
	var r runbook.Result
	pol := ph.b.Retention
	pol.Pinned = maps.Clone(ph.pinned)
	if pol.Pinned == nil {
		pol.Pinned = map[string]string{}
	}
	if ph.pointA != nil {
		if a := ph.pointA.get(); a != "" {
			pol.Pinned[a] = "rollback point of this run"
		}
	}
	plan := backup.PlanPrune(list, pol)
	r.Metric("kept", float64(len(plan.Keep)), "count")
	r.Metric("outside_policy", float64(len(plan.Remove)), "count")
	if len(plan.Remove) == 0 {
		return r, nil
	}
	var ev []string
	for _, b := range plan.Remove {
		ev = append(ev, fmt.Sprintf("%s (%s, age %s)", b.Path, b.Kind, human.Age(b.Age.D())))
	}
	if !ph.b.Prune {
		r.Finding(runbook.Warning, strings.Join(first(ev, 20), "\n"), "%s outside the retention policy (%s)", human.Count(len(plan.Remove), "backup is", "backups are"), ph.b.Retention)
		r.Recommend("Run `fossamaint backup prune` (or set backups.prune: true) to delete the %s outside the policy.", human.Count(len(plan.Remove), "backup", "backups"))
		return r, nil
	}
	for _, b := range plan.Remove {
		if err := env.Do(ctx, "delete "+b.Path, func(ctx context.Context) error { return backup.Remove(ctx, b) }); err != nil {
			return r, err
		}
	}
	return r, nil
}
