package weekly

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/fossawork/fossamaint/internal/backup"
	"github.com/fossawork/fossamaint/internal/finding"
	"github.com/fossawork/fossamaint/internal/health"
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
	src := postgresSource(in)
	if src == nil {
		return nil
	}
	return &pgBackups{src: *src}
}

// verify is the restore test of the dump b (backup.VerifyPostgres, full:
// restored into a scratch database, the manifest's row counts compared,
// pg_amcheck on the copy), with its figures.
func (p *pgBackups) verify(ctx context.Context, r *runbook.Result, kind backup.Kind, b backup.Backup) error {
	res, err := backup.VerifyPostgres(ctx, b.Path, p.src, true)
	if err != nil && !errors.Is(err, pgdb.ErrBadDump) && !errors.Is(err, backup.ErrManifestMismatch) {
		return fmt.Errorf("verifying %s: %w", b.Path, err)
	}
	r.Metric(string(kind)+"_verify_seconds", res.Duration.D().Seconds(), "s")
	r.Metric(string(kind)+"_restored_tables", float64(res.Tables), "count")
	if err != nil || !res.OK {
		ev := res.Messages
		if err != nil {
			ev = append(ev, err.Error())
		}
		r.Finding(runbook.Critical, strings.Join(first(ev, 10), "\n"), "the newest %s dump %s failed its restore test", kind, b.Path)
		r.Recommend("Take a new %s backup (`fossamaint backup create --kind %s`) and find out why %s does not restore.", kind, kind, b.Path)
		return nil
	}
	r.Finding(runbook.Info, "sha256 "+res.SHA256, "newest %s dump %s (%s old, %s): sha256 matches its manifest, restore test ok with %d tables in %s",
		kind, b.Path, human.Age(b.Age.D()), human.Bytes(res.Size), res.Tables, human.Duration(res.Duration.D()))
	return nil
}

// retainReplaced applies backups.keep_maintenance_within to the databases
// restores kept under a dated name: older ones are listed, and dropped
// only with backups.prune.
func (p *pgBackups) retainReplaced(ctx context.Context, env *runbook.Env, r *runbook.Result, now time.Time, within time.Duration, prune bool) error {
	db, err := pgdb.Open(ctx, p.src.URL)
	if err != nil {
		return fmt.Errorf("listing the databases restores kept: %w", err)
	}
	defer db.Close()
	reps, err := pgdb.ReplacedDatabases(ctx, db)
	if err != nil {
		return fmt.Errorf("listing the databases restores kept beside %s: %w", db.Name, err)
	}
	var old []pgdb.Replaced
	var ev []string
	for _, rep := range reps {
		if now.Sub(rep.At) > within {
			old = append(old, rep)
			ev = append(ev, fmt.Sprintf("%s (%s, age %s)", rep.Name, human.Bytes(rep.Size), human.Age(now.Sub(rep.At))))
		}
	}
	r.Metric("replaced_databases", float64(len(reps)), "count")
	r.Metric("replaced_databases_outside_policy", float64(len(old)), "count")
	if len(old) == 0 {
		return nil
	}
	if !prune {
		r.Finding(runbook.Warning, strings.Join(first(ev, 20), "\n"), "%s kept by restores older than backups.keep_maintenance_within (%s)",
			human.Count(len(old), "database is", "databases are"), human.Duration(within))
		r.Recommend("Set backups.prune: true to drop them in the next run, or DROP DATABASE each once you no longer need it.")
		return nil
	}
	for _, rep := range old {
		if err := env.Do(ctx, "drop the database "+rep.Name+" a restore kept", func(ctx context.Context) error {
			return pgdb.DropReplaced(ctx, db, rep.Name)
		}); err != nil {
			return err
		}
	}
	return nil
}

// pgProbe is the comprehensive health check's database item on
// PostgreSQL: a connection and a count of the application's relations,
// timed, as the SQLite item opens the file and counts its schema.
type pgProbe struct {
	url, name string
	now       func() time.Time
}

func newPGProbe(in *install.Installation, now func() time.Time) *pgProbe {
	if in.Database.Engine() != install.EnginePostgres {
		return nil
	}
	return &pgProbe{url: in.Database.URL, name: in.Database.Redacted(), now: now}
}

func (p *pgProbe) item(ctx context.Context) health.Item {
	it := health.Item{Area: "database", Name: p.name}
	start := p.now()
	db, err := pgdb.Open(ctx, p.url)
	var n int64
	if err == nil {
		err = db.Conn().QueryRow(ctx, `SELECT count(*) FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace
			WHERE s.nspname NOT IN ('pg_catalog', 'information_schema') AND s.nspname NOT LIKE 'pg_toast%'`).Scan(&n)
		db.Close()
	}
	if err != nil {
		it.Severity, it.Detail = finding.Critical, err.Error()
		return it
	}
	took := p.now().Sub(start)
	v := took.Seconds()
	it.OK, it.Severity, it.Value, it.Unit = true, finding.OK, &v, "s"
	it.Detail = fmt.Sprintf("PostgreSQL %s answers, %d relations, in %s", db.Version, n, human.Duration(took))
	return it
}
