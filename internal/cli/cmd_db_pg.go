package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/dustin/go-humanize"

	"github.com/fossawork/fossamaint/internal/backup"
	"github.com/fossawork/fossamaint/internal/config"
	"github.com/fossawork/fossamaint/internal/human"
	"github.com/fossawork/fossamaint/internal/pgdb"
)

// pgSource is the PostgreSQL database a db command acts on: without
// --db, the installation's (database.url, or the application's
// DATABASE_URL). nil: SQLite, as before; --db names an SQLite file only
// (a URL there stays "not a database file", as db check has always said).
func (a *app) pgSource(flag string) *backup.PostgresSource {
	if flag != "" {
		return nil
	}
	in, err := a.installation()
	if err != nil {
		// The SQLite path gives the error its words.
		return nil
	}
	return in.Database.PostgresSource()
}

// pgOptions are database.postgres of the installation, when there is one
// (--db URL without a config: the defaults).
func (a *app) pgOptions() config.Postgres {
	if in, err := a.installation(); err == nil {
		return in.Database.Postgres
	}
	return config.Default().Database.Postgres
}

// pgUnusable maps "cannot use this PostgreSQL database" (server down, no
// programs, no amcheck, pg_amcheck that could not check, a restore test
// refused a privilege) to exit 64, as unusable does for SQLite.
func pgUnusable(err error) error {
	for _, e := range []error{pgdb.ErrUnreachable, pgdb.ErrNoTools, pgdb.ErrNoAmcheck, pgdb.ErrCouldNotCheck, pgdb.ErrNoPrivilege} {
		if errors.Is(err, e) {
			return withCode(ExitUsage, err)
		}
	}
	return err
}

// pgOpen connects to src's database and, with tools, finds programs not
// older than its server.
func pgOpen(ctx context.Context, src *backup.PostgresSource, tools bool) (*pgdb.DB, pgdb.Tools, error) {
	db, err := pgdb.Open(ctx, src.URL)
	if err != nil {
		return nil, pgdb.Tools{}, pgUnusable(err)
	}
	if !tools {
		return db, pgdb.Tools{}, nil
	}
	t, err := pgdb.FindTools(ctx, src.BinDir, db.Major)
	if err != nil {
		db.Close()
		return nil, pgdb.Tools{}, pgUnusable(err)
	}
	return db, t, nil
}

// pgCheck is db check of a PostgreSQL database: pg_amcheck, exit 0 ok, 2
// corrupt, 1 when relations could not be checked, 64 when the database
// cannot be checked at all.
func (a *app) pgCheck(ctx context.Context, src *backup.PostgresSource, full, asJSON bool) error {
	db, tools, err := pgOpen(ctx, src, true)
	if err != nil {
		return err
	}
	defer db.Close()
	res, err := pgdb.Check(ctx, tools, db, pgdb.CheckOptions{InstallExtension: a.pgOptions().InstallExtensions, HeapAllIndexed: full})
	if errors.Is(err, pgdb.ErrNoAmcheck) {
		return withCode(ExitUsage, fmt.Errorf("%w: CREATE EXTENSION amcheck in %s as a superuser, or set database.postgres.install_extensions: true", err, db.Name))
	}
	if err != nil {
		return pgUnusable(err)
	}
	name := pgdb.Redact(src.URL)
	corrupt := false
	for _, f := range res.Findings {
		corrupt = corrupt || f.Corruption
	}
	if asJSON {
		if err := a.encodeJSON(pgCheckJSON(name, res)); err != nil {
			return err
		}
	} else if res.OK {
		fmt.Fprintf(a.stdout, "%s: pg_amcheck ok (%s, %s)\n", name, countText(res.Relations, "relation", "relations"), human.Duration(res.Duration))
	} else {
		fmt.Fprintf(a.stdout, "%s: pg_amcheck FAILED:\n", name)
		for _, f := range res.Findings {
			fmt.Fprintf(a.stdout, "  %s\n", findingText(f))
		}
	}
	switch {
	case corrupt:
		return exitSilently(ExitFail)
	case !res.OK:
		return exitSilently(ExitWarn)
	}
	return nil
}

func findingText(f pgdb.CheckFinding) string {
	word := "not checked"
	if f.Corruption {
		word = "corrupt"
	}
	if f.Relation == "" {
		return word + ": " + f.Message
	}
	return f.Relation + " " + word + ": " + f.Message
}

type pgFindingJSON struct {
	Relation   string `json:"relation,omitempty"`
	Corruption bool   `json:"corruption"`
	Message    string `json:"message"`
}

type pgCheckOut struct {
	Database  string          `json:"database"`
	Check     string          `json:"check"`
	OK        bool            `json:"ok"`
	Relations int             `json:"relations"`
	Findings  []pgFindingJSON `json:"findings"`
	Tool      string          `json:"tool"`
	Duration  human.Seconds   `json:"duration_seconds"`
}

func pgCheckJSON(name string, res pgdb.CheckResult) pgCheckOut {
	out := pgCheckOut{Database: name, Check: "pg_amcheck", OK: res.OK, Relations: res.Relations,
		Findings: []pgFindingJSON{}, Tool: res.Tool, Duration: human.Seconds(res.Duration)}
	for _, f := range res.Findings {
		out.Findings = append(out.Findings, pgFindingJSON{f.Relation, f.Corruption, f.Message})
	}
	return out
}

// pgStats is db stats of a PostgreSQL database.
func (a *app) pgStats(ctx context.Context, src *backup.PostgresSource, asJSON bool) error {
	db, _, err := pgOpen(ctx, src, false)
	if err != nil {
		return err
	}
	defer db.Close()
	var count []string
	if in, err := a.installation(); err == nil {
		count = in.Database.CountTables
	}
	st, err := pgdb.ReadStats(ctx, db, pgdb.StatsOptions{CountTables: count, InstallExtension: a.pgOptions().InstallExtensions})
	if err != nil {
		return pgUnusable(err)
	}
	if asJSON {
		return a.encodeJSON(pgStatsJSON(st))
	}
	printPgStats(a.stdout, pgdb.Redact(src.URL), st)
	return nil
}

func printPgStats(w io.Writer, name string, st pgdb.Stats) {
	fmt.Fprintf(w, "%s\n  database %s, size %s, PostgreSQL %s\n", name, st.Database, human.Bytes(st.Size), st.ServerVersion)
	fmt.Fprintf(w, "  transaction ID age %s (%s before wraparound protection; autovacuum_freeze_max_age %s)\n",
		humanize.Comma(st.XIDAge), humanize.Comma(st.XIDLeft), humanize.Comma(st.FreezeMaxAge))
	bloat := "estimated"
	if st.PgStatTuple {
		bloat = "pgstattuple"
	}
	var rows [][]string
	for _, t := range st.Tables {
		rows = append(rows, []string{t.Name, humanize.Comma(t.LiveTuples), humanize.Comma(t.DeadTuples),
			human.Percent(t.DeadPercent), human.Bytes(t.TotalBytes), human.Percent(t.BloatPercent), lastVacuum(t)})
	}
	fmt.Fprintf(w, "  tables (bloat %s):\n", bloat)
	_ = writeTable(indent{w}, []string{"TABLE", "LIVE", "DEAD", "DEAD%", "SIZE", "BLOAT", "LAST VACUUM"}, rows)
	rows = nil
	for _, ix := range st.Indexes {
		valid := "yes"
		if !ix.Valid {
			valid = "NO"
		}
		rows = append(rows, []string{ix.Name, ix.Table, human.Bytes(ix.Bytes), human.Percent(ix.BloatPercent), valid, humanize.Comma(ix.Scans)})
	}
	if len(rows) > 0 {
		fmt.Fprintln(w, "  indexes:")
		_ = writeTable(indent{w}, []string{"INDEX", "TABLE", "SIZE", "BLOAT", "VALID", "SCANS"}, rows)
	}
	for t, n := range st.Counts {
		fmt.Fprintf(w, "  %-32s %12s rows\n", t, humanize.Comma(n))
	}
	for _, m := range st.Missing {
		fmt.Fprintf(w, "  note: table %s is missing\n", m)
	}
	for _, n := range st.Notes {
		fmt.Fprintf(w, "  note: %s\n", n)
	}
}

// lastVacuum is the newest of a table's manual and automatic vacuums.
func lastVacuum(t pgdb.TableStats) string {
	last := t.LastVacuum
	if t.LastAutovacuum.After(last) {
		last = t.LastAutovacuum
	}
	if last.IsZero() {
		return "never"
	}
	return last.UTC().Format("2006-01-02 15:04 MST")
}

// indent prefixes every line written with four spaces.
type indent struct{ w io.Writer }

func (i indent) Write(p []byte) (int, error) {
	s := strings.TrimSuffix(string(p), "\n")
	out := "    " + strings.ReplaceAll(s, "\n", "\n    ")
	if strings.HasSuffix(string(p), "\n") {
		out += "\n"
	}
	if _, err := io.WriteString(i.w, out); err != nil {
		return 0, err
	}
	return len(p), nil
}

type pgTableJSON struct {
	Name            string     `json:"name"`
	LiveTuples      int64      `json:"live_tuples"`
	DeadTuples      int64      `json:"dead_tuples"`
	DeadPercent     float64    `json:"dead_percent"`
	TableBytes      int64      `json:"table_bytes"`
	TotalBytes      int64      `json:"total_bytes"`
	BloatPercent    float64    `json:"bloat_percent"`
	LastVacuum      *time.Time `json:"last_vacuum,omitempty"`
	LastAutovacuum  *time.Time `json:"last_autovacuum,omitempty"`
	LastAnalyze     *time.Time `json:"last_analyze,omitempty"`
	LastAutoanalyze *time.Time `json:"last_autoanalyze,omitempty"`
	XIDAge          int64      `json:"xid_age"`
}

type pgIndexJSON struct {
	Name         string  `json:"name"`
	Table        string  `json:"table"`
	Bytes        int64   `json:"bytes"`
	BloatPercent float64 `json:"bloat_percent"`
	Valid        bool    `json:"valid"`
	Scans        int64   `json:"scans"`
}

type pgStatsOut struct {
	Database      string           `json:"database"`
	ServerVersion string           `json:"server_version"`
	Size          int64            `json:"size_bytes"`
	Tables        []pgTableJSON    `json:"tables"`
	Indexes       []pgIndexJSON    `json:"indexes"`
	Counts        map[string]int64 `json:"counts,omitempty"`
	Missing       []string         `json:"missing,omitempty"`
	XIDAge        int64            `json:"xid_age"`
	XIDLeft       int64            `json:"xid_left"`
	FreezeMaxAge  int64            `json:"autovacuum_freeze_max_age"`
	PgStatTuple   bool             `json:"pgstattuple"`
	Notes         []string         `json:"notes,omitempty"`
}

func timeOrNil(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}

func pgStatsJSON(st pgdb.Stats) pgStatsOut {
	out := pgStatsOut{Database: st.Database, ServerVersion: st.ServerVersion, Size: st.Size,
		Tables: []pgTableJSON{}, Indexes: []pgIndexJSON{}, Counts: st.Counts, Missing: st.Missing,
		XIDAge: st.XIDAge, XIDLeft: st.XIDLeft, FreezeMaxAge: st.FreezeMaxAge, PgStatTuple: st.PgStatTuple, Notes: st.Notes}
	for _, t := range st.Tables {
		out.Tables = append(out.Tables, pgTableJSON{t.Name, t.LiveTuples, t.DeadTuples, t.DeadPercent, t.TableBytes, t.TotalBytes,
			t.BloatPercent, timeOrNil(t.LastVacuum), timeOrNil(t.LastAutovacuum), timeOrNil(t.LastAnalyze), timeOrNil(t.LastAutoanalyze), t.XIDAge})
	}
	for _, ix := range st.Indexes {
		out.Indexes = append(out.Indexes, pgIndexJSON{ix.Name, ix.Table, ix.Bytes, ix.BloatPercent, ix.Valid, ix.Scans})
	}
	return out
}

// pgBackupTo is db backup --out of a PostgreSQL database: a verified
// custom-format dump with its manifest.
func (a *app) pgBackupTo(ctx context.Context, src *backup.PostgresSource, out, verify string, asJSON bool) error {
	created, err := backup.BackupTo(ctx, "", out, backup.ToOptions{Now: a.now(), Verify: verify, ToolVersion: Version, Postgres: src})
	if err != nil {
		if errors.Is(err, backup.ErrVerificationFailed) {
			return withCode(ExitFail, err)
		}
		return pgUnusable(err)
	}
	if asJSON {
		return a.encodeJSON(created)
	}
	m := created.Manifest
	fmt.Fprintf(a.stdout, "%s\n  %s, %s, PostgreSQL %s (pg_dump %s), %s %s, sha256 %s\n  dump %s, verify %s, manifest %s\n",
		created.Path, human.Bytes(m.Size), countText(m.TOC["TABLE"], "table", "tables"), m.ServerVersion, m.DumpVersion,
		m.Check, m.CheckResult, m.SHA256, created.BackupDuration, created.VerifyDuration, created.ManifestPath)
	return nil
}
