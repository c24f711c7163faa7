package weekly

import (
	"slices"
	"strings"
	"testing"

	"github.com/fossawork/fossamaint/internal/backup"
	"github.com/fossawork/fossamaint/internal/pgdb"
	"github.com/fossawork/fossamaint/internal/runbook"
	"github.com/fossawork/fossamaint/internal/sqlitedb"
)

func TestXIDFindings(t *testing.T) {
	tests := []struct {
		name     string
		age      int64
		freeze   int64
		want     runbook.Severity
		none     bool
		contains string
	}{
		{name: "young", age: 50_000_000, freeze: 200_000_000, none: true},
		{name: "twice the freeze age: autovacuum behind", age: 450_000_000, freeze: 200_000_000, want: runbook.Warning, contains: "not keeping up"},
		{name: "a tenth left: wraparound", age: xidWraparound - 3_000_000 - 200_000_000, freeze: 200_000_000, want: runbook.Critical, contains: "wraparound"},
		{name: "100 million left", age: xidWraparound - 3_000_000 - 100_000_000, freeze: 2_000_000_000, want: runbook.Critical, contains: "wraparound"},
		{name: "freeze age unknown", age: 450_000_000, none: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := pgdb.Stats{Database: "fossawork", XIDAge: tt.age, XIDLeft: xidWraparound - 3_000_000 - tt.age, FreezeMaxAge: tt.freeze}
			var r runbook.Result
			xidFindings(&r, st)
			if tt.none {
				if len(r.Findings) != 0 {
					t.Fatalf("findings %v", r.Findings)
				}
				return
			}
			if len(r.Findings) != 1 || r.Findings[0].Severity != tt.want || !strings.Contains(r.Findings[0].Message, tt.contains) {
				t.Fatalf("findings %+v, want one %s about %q", r.Findings, tt.want, tt.contains)
			}
			checkNoGoValues(t, tt.name, r)
		})
	}
}

func TestInvalidIndexFindings(t *testing.T) {
	var r runbook.Result
	invalidIndexFindings(&r, pgdb.Stats{Indexes: []pgdb.IndexStats{
		{Name: "public.ix_ok", Table: "public.work_orders", Valid: true},
		{Name: "public.ix_half", Table: "public.work_orders"},
	}})
	if len(r.Findings) != 1 || r.Findings[0].Severity != runbook.Warning || r.Findings[0].Evidence != "public.ix_half on public.work_orders" {
		t.Fatalf("findings %+v", r.Findings)
	}
}

// TestPgQueriesAreTheApplicationReads: PostgreSQL times the same reads,
// by name, as SQLite, so the report compares like with like.
func TestPgQueriesAreTheApplicationReads(t *testing.T) {
	var sqlite, pg []string
	for _, q := range sqlitedb.AppQueries {
		sqlite = append(sqlite, q.Name)
	}
	for _, q := range pgAppQueries {
		pg = append(pg, q.Name)
		if strings.Contains(q.SQL+q.ParamsSQL, "?") || strings.Contains(strings.ToLower(q.SQL+q.ParamsSQL), "rowid") {
			t.Errorf("%s uses SQLite's SQL", q.Name)
		}
	}
	if !slices.Equal(sqlite, pg) {
		t.Errorf("reads %v, SQLite's %v", pg, sqlite)
	}
}

func TestCountOf(t *testing.T) {
	for _, tt := range []struct {
		counts map[string]int64
		n      int64
		ok     bool
	}{
		{map[string]int64{"work_orders": 3}, 3, true},
		{map[string]int64{"public.work_orders": 4}, 4, true},
		{map[string]int64{"dispensers": 4}, 0, false},
	} {
		if n, ok := countOf(tt.counts, "work_orders"); n != tt.n || ok != tt.ok {
			t.Errorf("%v: %d %v", tt.counts, n, ok)
		}
	}
}

// TestDumpsOf: on PostgreSQL a SQLite file left from before the move is
// no backup of the database: verify and the corruption procedure pass
// over it.
func TestDumpsOf(t *testing.T) {
	list := []backup.Backup{
		{Path: "/b/weekly/fw_full_20261128_030000.dump"},
		{Path: "/b/weekly/fw_full_20261121_030000.db"},
		{Path: "/b/daily/20261127/fw.DUMP"},
		{Path: "/b/daily/20261120/fw.db"},
	}
	var got []string
	for _, b := range dumpsOf(list) {
		got = append(got, b.Path)
	}
	if want := []string{"/b/weekly/fw_full_20261128_030000.dump", "/b/daily/20261127/fw.DUMP"}; !slices.Equal(got, want) {
		t.Errorf("dumpsOf = %v, want %v", got, want)
	}
}
