package weekly

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/fossawork/fossamaint/internal/backup"
	"github.com/fossawork/fossamaint/internal/human"
	"github.com/fossawork/fossamaint/internal/install"
	"github.com/fossawork/fossamaint/internal/pgdb"
	"github.com/fossawork/fossamaint/internal/runbook"
)

// pgBackups is the backups phase's PostgreSQL part: the newest dumps'
// restore tests and the databases restores kept aside (nil on SQLite).
type pgBackups struct {
	src backup.PostgresSource
}

func newPGBackups(in *install.Installation) *pgBackups {
	src := in.Database.PostgresSource()
	if src == nil {
		return nil
	}
	return &pgBackups{src: *src}
}

// verify is the restore test of the dump b (backup.VerifyDeep, full, as
// for SQLite: sha256 against the manifest, a daily set's files, the dump
// restored into a scratch database with the manifest's row counts
// compared and pg_amcheck on the copy), with its figures.
func (p *pgBackups) verify(ctx context.Context, r *runbook.Result, kind backup.Kind, b backup.Backup) error {
	res, err := backup.VerifyDeep(ctx, b, backup.VerifyOptions{Full: true, Postgres: &p.src})
	if errors.Is(err, pgdb.ErrNoPrivilege) {
		// Nothing is known about the dump: the user was refused a
		// privilege its restore needs; say which.
		r.Finding(runbook.Warning, err.Error(), "the newest %s dump %s could not be restore-tested: the database user lacks a privilege its restore needs", kind, b.Path)
		r.Recommend("Grant the privilege the evidence names to the database user, or restore-test as its superuser (`fossamaint backup verify --full`), to know that %s restores.", b.Path)
		return nil
	}
	if err != nil {
		return fmt.Errorf("verifying %s: %w", b.Path, err)
	}
	took := res.Duration.D() + res.RestoreTest.Duration.D()
	r.Metric(string(kind)+"_verify_seconds", took.Seconds(), "s")
	r.Metric(string(kind)+"_restored_tables", float64(res.RestoreTest.Tables), "count")
	if !res.Verified() {
		ev := append(res.Problems(), res.Messages...)
		r.Finding(runbook.Critical, strings.Join(first(ev, 10), "\n"), "the newest %s dump %s failed its restore test", kind, b.Path)
		r.Recommend("Take a new %s backup (`fossamaint backup create --kind %s`) and find out why %s does not restore.", kind, kind, b.Path)
		return nil
	}
	r.Finding(runbook.Info, strings.Join(append([]string{"sha256 " + res.SHA256}, res.Messages...), "\n"), "newest %s dump %s (%s old, %s): sha256 matches its manifest, restore test ok with %d tables in %s",
		kind, b.Path, human.Age(b.Age.D()), human.Bytes(res.Size), res.RestoreTest.Tables, human.Duration(took))
	return nil
}

// retainReplaced applies backups.keep_maintenance_within to the databases
// restores kept under a dated name (backup.ReplacedToDrop, as `backup
// prune` does): older ones are listed, and dropped only with
// backups.prune. Then the databases killed runs left (retainLeftovers).
func (p *pgBackups) retainReplaced(ctx context.Context, env *runbook.Env, r *runbook.Result, now time.Time, within time.Duration, prune bool) error {
	if err := p.retainKept(ctx, env, r, now, within, prune); err != nil {
		return err
	}
	return p.retainLeftovers(ctx, env, r, now, prune)
}

// retainKept is retainReplaced's part for the databases restores kept.
func (p *pgBackups) retainKept(ctx context.Context, env *runbook.Env, r *runbook.Result, now time.Time, within time.Duration, prune bool) error {
	old, err := backup.ReplacedToDrop(ctx, p.src, within, now)
	if err != nil {
		return fmt.Errorf("listing the databases restores kept: %w", err)
	}
	r.Metric("replaced_databases_outside_policy", float64(len(old)), "count")
	if len(old) == 0 {
		return nil
	}
	var ev []string
	for _, rep := range old {
		ev = append(ev, fmt.Sprintf("%s (%s, age %s)", rep.Name, human.Bytes(rep.Size), human.Age(now.Sub(rep.At))))
	}
	if !prune {
		r.Finding(runbook.Warning, strings.Join(first(ev, 20), "\n"), "%s kept by restores for longer than backups.keep_maintenance_within (%s)",
			human.Count(len(old), "database is", "databases are"), human.Duration(within))
		r.Recommend("Run `fossamaint backup prune` (or set backups.prune: true) to drop them, once you no longer need them.")
		return nil
	}
	for _, rep := range old {
		if err := env.Do(ctx, "drop the database "+rep.Name+" a restore kept", func(ctx context.Context) error {
			return backup.DropReplaced(ctx, p.src, rep.Name)
		}); err != nil {
			return err
		}
	}
	return nil
}

// retainLeftovers lists what killed runs left on the server, with sizes
// and ages: restore tests' scratch databases older than an hour
// (backup.StaleScratch) are dropped only with backups.prune; restores'
// copies are reported for recover, never dropped here.
func (p *pgBackups) retainLeftovers(ctx context.Context, env *runbook.Env, r *runbook.Result, now time.Time, prune bool) error {
	left, err := backup.LeftoverDatabases(ctx, p.src)
	if err != nil {
		return err
	}
	var stale, copies []string
	for _, l := range left {
		switch {
		case backup.StaleScratch(l, now) && prune:
			if err := env.Do(ctx, "drop the scratch database "+l.Name+" a killed restore test left", func(ctx context.Context) error {
				return backup.DropScratch(ctx, p.src, l.Name)
			}); err != nil {
				return err
			}
		case backup.StaleScratch(l, now):
			stale = append(stale, backup.DescribeLeftover(l, now))
		case !l.Scratch:
			copies = append(copies, backup.DescribeLeftover(l, now))
		}
	}
	r.Metric("leftover_databases", float64(len(left)), "count")
	if len(stale) > 0 {
		r.Finding(runbook.Warning, strings.Join(first(stale, 20), "\n"), "%s left by killed restore tests",
			human.Count(len(stale), "scratch database", "scratch databases"))
		r.Recommend("Run `fossamaint backup prune` (or set backups.prune: true) to drop them.")
	}
	if len(copies) > 0 {
		r.Finding(runbook.Warning, strings.Join(first(copies, 20), "\n"), "%s left by killed restores",
			human.Count(len(copies), "copy of the database", "copies of the database"))
		r.Recommend("Run `fossamaint recover`: it deals with a killed restore's copy (fossamaint never drops one on its own).")
	}
	return nil
}
