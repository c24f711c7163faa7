package pgdb

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"
)

// querier is what counting needs: a connection or a transaction.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// userTablesSQL lists the tables whose rows a dump carries: ordinary and
// partitioned tables (relkind r, p) outside the system schemas, not
// temporary and not members of an extension (CREATE EXTENSION makes
// those, pg_dump does not dump their rows).
const userTablesSQL = `
SELECT n.nspname, c.relname
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p') AND c.relpersistence <> 't'
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT LIKE 'pg\_toast%' AND n.nspname NOT LIKE 'pg\_temp\_%'
  AND NOT EXISTS (SELECT 1 FROM pg_depend d
                  WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
ORDER BY 1, 2`

// countUserRows counts every user table's rows through q (in the dump's
// snapshot when q is its transaction), keyed "schema.table". A
// partitioned table counts its partitions' rows, and each partition its
// own: the same on both sides of a comparison.
func countUserRows(ctx context.Context, q querier) (map[string]int64, error) {
	rows, err := q.Query(ctx, userTablesSQL)
	if err != nil {
		return nil, fmt.Errorf("listing the tables: %w", err)
	}
	type table struct{ schema, name string }
	tables, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (table, error) {
		var t table
		return t, r.Scan(&t.schema, &t.name)
	})
	if err != nil {
		return nil, fmt.Errorf("listing the tables: %w", err)
	}
	counts := make(map[string]int64, len(tables))
	for _, t := range tables {
		var n int64
		sql := "SELECT count(*) FROM " + QuoteIdent(t.schema) + "." + QuoteIdent(t.name)
		if err := q.QueryRow(ctx, sql).Scan(&n); err != nil {
			return nil, fmt.Errorf("counting the rows of %s.%s: %w", t.schema, t.name, err)
		}
		counts[t.schema+"."+t.name] = n
	}
	return counts, nil
}

// compareTables names every difference between the counts a dump should
// restore to (want) and those of the restored copy (got): a table in
// either map only, or with other counts. Sorted by table.
func compareTables(want, got map[string]int64) []string {
	names := make([]string, 0, len(want)+len(got))
	for n := range want {
		names = append(names, n)
	}
	for n := range got {
		if _, ok := want[n]; !ok {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	var diffs []string
	for _, n := range names {
		w, inWant := want[n]
		g, inGot := got[n]
		switch {
		case !inGot:
			diffs = append(diffs, fmt.Sprintf("table %s (%d rows in the manifest) is missing from the restored copy", n, w))
		case !inWant:
			diffs = append(diffs, fmt.Sprintf("table %s (%d rows restored) is not in the manifest", n, g))
		case w != g:
			diffs = append(diffs, fmt.Sprintf("table %s restored %d rows, the manifest has %d", n, g, w))
		}
	}
	return diffs
}

// summarise joins problems for an error message, the first few only.
func summarise(problems []string) string {
	const most = 3
	if len(problems) <= most {
		return strings.Join(problems, "; ")
	}
	return strings.Join(problems[:most], "; ") + fmt.Sprintf("; and %d more", len(problems)-most)
}
