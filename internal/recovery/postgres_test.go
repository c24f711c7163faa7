package recovery

import (
	"context"
	"slices"
	"testing"

	"github.com/fossawork/fossamaint/internal/history"
	"github.com/fossawork/fossamaint/internal/pgdb"
	"github.com/fossawork/fossamaint/internal/runbook"
	"github.com/fossawork/fossamaint/internal/testkit"
)

// A restore killed between its two renames leaves the database's name
// missing: recover gives it back to the replaced database (undo), or,
// when there was none, to the counted copy (finish); a name in place is
// kept and a leftover copy reported, never dropped. A dry run renames
// nothing.
func TestRecoverPostgresMidSwitch(t *testing.T) {
	c := testkit.Postgres(t)
	ctx := context.Background()
	for _, n := range []string{"fw_replaced_20261128_020000", "fw_restore_20261128_020000", "solo_restore_20261128_020000", "kept", "kept_restore_20261128_020000"} {
		if err := c.CreateDatabase(ctx, n); err != nil {
			t.Fatal(err)
		}
	}
	maint, err := pgdb.Open(ctx, c.URL("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer maint.Close()
	dbs := func() []string {
		rows, err := maint.Conn().Query(ctx, "SELECT datname FROM pg_database")
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
	cases := []struct {
		name, want, gone string
		dry              bool
		sev              runbook.Severity
	}{
		{name: "fw", dry: true, gone: "fw", sev: runbook.Warning},
		{name: "fw", want: "fw", gone: "fw_replaced_20261128_020000", sev: runbook.Warning},
		{name: "solo", want: "solo", gone: "solo_restore_20261128_020000", sev: runbook.Warning},
		{name: "kept", want: "kept_restore_20261128_020000", sev: runbook.Info},
		{name: "absent", gone: "absent", sev: runbook.Critical},
	}
	for _, tc := range cases {
		k, in := kit(t)
		in.Database.URL = c.URL(tc.name)
		var r runbook.Result
		env := runbook.NewEnv(tc.dry, k.now)
		if err := k.recoverPostgres(ctx, env, history.Abandoned{RunID: "r1", Mutating: true}, &r); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		have := dbs()
		if tc.want != "" && !slices.Contains(have, tc.want) || tc.gone != "" && slices.Contains(have, tc.gone) {
			t.Errorf("%s (dry %v): databases %v, want %q there and %q gone", tc.name, tc.dry, have, tc.want, tc.gone)
		}
		if len(r.Findings) == 0 || r.Findings[0].Severity != tc.sev {
			t.Errorf("%s: findings %+v, want %s first", tc.name, r.Findings, tc.sev)
		}
	}
}
