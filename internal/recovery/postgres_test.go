package recovery

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fossawork/fossamaint/internal/history"
	"github.com/fossawork/fossamaint/internal/pgdb"
	"github.com/fossawork/fossamaint/internal/runbook"
	"github.com/fossawork/fossamaint/internal/testkit"
)

// A restore killed between its two renames leaves the database's name
// missing: recover gives it back to the replaced database (undo). A copy
// alone (no replaced database: the run may have died before or during
// pg_restore or the count) is never put in: it is kept and reported
// Critical, with the restore to run again. A name in place is kept and a
// leftover copy reported, never dropped. A dry run renames nothing.
func TestRecoverPostgresMidSwitch(t *testing.T) {
	c := testkit.Postgres(t)
	ctx := context.Background()
	for _, n := range []string{"fw_replaced_20261128_020000", "fw_restore_20261128_020000", "solo_restore_20261128_020000", "kept", "kept_restore_20261128_020000"} {
		if err := c.CreateDatabase(ctx, n); err != nil {
			t.Fatal(err)
		}
	}
	maint := openMaint(t, c)
	cases := []struct {
		name, want, gone, say string
		dry                   bool
		sev                   runbook.Severity
	}{
		{name: "fw", dry: true, gone: "fw", sev: runbook.Warning},
		{name: "fw", want: "fw", gone: "fw_replaced_20261128_020000", sev: runbook.Warning, say: "renaming fw_replaced_20261128_020000 back"},
		{name: "solo", want: "solo_restore_20261128_020000", gone: "solo", sev: runbook.Critical, say: "not put in as solo (it is kept)"},
		{name: "kept", want: "kept_restore_20261128_020000", sev: runbook.Info},
		{name: "absent", gone: "absent", sev: runbook.Critical},
	}
	for _, tc := range cases {
		r := recoverPG(t, c, tc.name, tc.dry)
		have := databaseNames(t, maint)
		if tc.want != "" && !slices.Contains(have, tc.want) || tc.gone != "" && slices.Contains(have, tc.gone) {
			t.Errorf("%s (dry %v): databases %v, want %q there and %q gone", tc.name, tc.dry, have, tc.want, tc.gone)
		}
		if len(r.Findings) == 0 || r.Findings[0].Severity != tc.sev || !strings.Contains(r.Findings[0].Message, tc.say) {
			t.Errorf("%s: findings %+v, want %s first, saying %q", tc.name, r.Findings, tc.sev, tc.say)
		}
	}
	r := recoverPG(t, c, "solo", false)
	if len(r.Findings) == 0 || !strings.Contains(r.Findings[0].Recommendation, "fossamaint backup restore") {
		t.Errorf("solo: findings %+v, want the restore run again", r.Findings)
	}
}

// A restore killed after its hold-off (ALLOW_CONNECTIONS false) leaves a
// database refusing every connection: recover always ends with the live
// database and the newest replaced one accepting them, whether the name
// was renamed back or already in place, and reports it; a dry run
// changes nothing.
func TestRecoverPostgresAllowsConnectionsAgain(t *testing.T) {
	c := testkit.Postgres(t)
	ctx := context.Background()
	refusing := []string{"fw_replaced_20261128_020000", "held", "done", "done_replaced_20261128_020000", "done_replaced_20261121_020000"}
	for _, n := range append(refusing, "fw_restore_20261128_020000") {
		if err := c.CreateDatabase(ctx, n); err != nil {
			t.Fatal(err)
		}
	}
	maint := openMaint(t, c)
	for _, n := range refusing {
		if _, err := maint.Conn().Exec(ctx, "ALTER DATABASE "+n+" ALLOW_CONNECTIONS false"); err != nil {
			t.Fatal(err)
		}
	}
	if r := recoverPG(t, c, "held", true); allowsConn(t, maint, "held") || len(r.Findings) != 1 {
		t.Errorf("a dry run let held accept connections, or reported %+v", r.Findings)
	}
	cases := []struct {
		name  string
		allow []string
		warns int
	}{
		{"fw", []string{"fw"}, 2},     // renamed back, then opened
		{"held", []string{"held"}, 1}, // in place, never renamed
		{"done", []string{"done", "done_replaced_20261128_020000"}, 2},
	}
	for _, tc := range cases {
		r := recoverPG(t, c, tc.name, false)
		for _, n := range tc.allow {
			if !allowsConn(t, maint, n) {
				t.Errorf("%s: database %s still refuses connections", tc.name, n)
			}
			if db, err := pgdb.Open(ctx, c.URL(n)); err != nil {
				t.Errorf("%s: connecting to %s: %v", tc.name, n, err)
			} else {
				db.Close()
			}
		}
		said := 0
		for _, f := range r.Findings {
			if f.Severity == runbook.Warning && (strings.Contains(f.Message, "allowing connections again") || strings.Contains(f.Message, "renaming")) {
				said++
			}
		}
		if said != tc.warns {
			t.Errorf("%s: findings %+v, want %d warnings saying what was done", tc.name, r.Findings, tc.warns)
		}
	}
	if allowsConn(t, maint, "done_replaced_20261121_020000") {
		t.Error("an older replaced database was opened too")
	}
}

// Recovery finds a restore's databases by pgdb's naming function: for a
// long name, its clipped and hashed kept database is renamed back, and
// that of another long name sharing its first bytes is not taken.
func TestRecoverPostgresLongNames(t *testing.T) {
	c := testkit.Postgres(t)
	ctx := context.Background()
	at := time.Date(2026, 11, 28, 2, 0, 0, 0, time.UTC)
	one, two := strings.Repeat("n", 40)+"_one", strings.Repeat("n", 40)+"_two"
	keptOne, keptTwo := pgdb.DatedName(one, pgdb.KindReplaced, at), pgdb.DatedName(two, pgdb.KindReplaced, at)
	for _, n := range []string{keptOne, keptTwo} {
		if err := c.CreateDatabase(ctx, n); err != nil {
			t.Fatal(err)
		}
	}
	recoverPG(t, c, two, false)
	have := databaseNames(t, openMaint(t, c))
	if !slices.Contains(have, two) || !slices.Contains(have, keptOne) || slices.Contains(have, one) {
		t.Errorf("databases %v: want %s renamed back from %s, and %s untouched", have, two, keptTwo, keptOne)
	}
}

// recoverPG runs recoverPostgres for database name of c after a run that
// died while changing it.
func recoverPG(t *testing.T, c *pgdb.Cluster, name string, dry bool) runbook.Result {
	t.Helper()
	k, in := kit(t)
	in.Database.URL = c.URL(name)
	var r runbook.Result
	env := runbook.NewEnv(dry, k.now)
	if err := k.recoverPostgres(context.Background(), env, history.Abandoned{RunID: "r1", Mutating: true}, &r); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return r
}

func openMaint(t *testing.T, c *pgdb.Cluster) *pgdb.DB {
	t.Helper()
	db, err := pgdb.Open(context.Background(), c.URL("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func databaseNames(t *testing.T, maint *pgdb.DB) []string {
	t.Helper()
	rows, err := maint.Conn().Query(context.Background(), "SELECT datname FROM pg_database")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		_ = rows.Scan(&n)
		out = append(out, n)
	}
	return out
}

func allowsConn(t *testing.T, maint *pgdb.DB, name string) bool {
	t.Helper()
	var ok bool
	if err := maint.Conn().QueryRow(context.Background(), "SELECT datallowconn FROM pg_database WHERE datname = $1", name).Scan(&ok); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return ok
}
