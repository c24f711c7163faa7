package sqlitedb

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
)

// AllTables, given as an entry of Stats' countTables, counts the rows of
// every table in the database as well.
const AllTables = "*"

// NoteEmpty is the note Stats adds for a database without tables (such as
// a 0-byte file, which SQLite treats as a new empty database).
const NoteEmpty = "empty database: no tables"

// Stats describes a database file for the report.
type Stats struct {
	Path string `json:"path"`
	// FileSize is the main file plus its -wal, i.e. the disk the database
	// uses; MainSize and WALSize are the parts.
	FileSize      int64   `json:"file_size_bytes"`
	MainSize      int64   `json:"main_size_bytes"`
	WALSize       int64   `json:"wal_size_bytes"`
	PageSize      int64   `json:"page_size"`
	PageCount     int64   `json:"page_count"`
	FreelistCount int64   `json:"freelist_count"`
	FreelistRatio float64 `json:"freelist_ratio"`
	JournalMode   string  `json:"journal_mode"`
	SQLiteVersion string  `json:"sqlite_version"`
	// Tables and Indexes exclude SQLite's internal sqlite_* objects.
	Tables  int `json:"tables"`
	Indexes int `json:"indexes"`
	// Rows holds the requested tables in the order asked, then (with
	// AllTables) the remaining tables by name.
	Rows  []TableRows `json:"rows,omitempty"`
	Empty bool        `json:"empty"`
	// SpaceMeasured says AddSpace filled Largest (the ten largest tables
	// and indexes) and UnusedBytes (free space inside pages) from dbstat.
	SpaceMeasured bool        `json:"space_measured"`
	Largest       []TableSize `json:"largest,omitempty"`
	UnusedBytes   int64       `json:"unused_bytes,omitempty"`
	Notes         []string    `json:"notes,omitempty"`
}

// TableRows is a table's row count; a table that does not exist is Missing
// with Rows 0, never an error and never a silent zero.
type TableRows struct {
	Table   string `json:"table"`
	Rows    int64  `json:"rows"`
	Missing bool   `json:"missing,omitempty"`
}

// Stats gathers sizes, page statistics and counts. Rows are counted with
// count(*), which reads every page of each table: ask only for what the
// report needs on a large database. Counts include committed rows still in
// the -wal file.
func (d *DB) Stats(ctx context.Context, countTables []string) (Stats, error) {
	st := Stats{Path: d.path}
	if err := st.fileSizes(d.path); err != nil {
		return st, err
	}
	ints := []struct {
		pragma string
		dst    *int64
	}{
		{"PRAGMA page_size", &st.PageSize},
		{"PRAGMA page_count", &st.PageCount},
		{"PRAGMA freelist_count", &st.FreelistCount},
	}
	for _, q := range ints {
		if err := d.sql.QueryRowContext(ctx, q.pragma).Scan(q.dst); err != nil {
			return st, d.wrap(ctx, "reading "+q.pragma+" of", err)
		}
	}
	if st.PageCount > 0 {
		st.FreelistRatio = float64(st.FreelistCount) / float64(st.PageCount)
	}
	err := d.sql.QueryRowContext(ctx, "SELECT sqlite_version()").Scan(&st.SQLiteVersion)
	if err == nil {
		err = d.sql.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&st.JournalMode)
	}
	if err != nil {
		return st, d.wrap(ctx, "reading version and journal mode of", err)
	}
	tables, err := d.tableNames(ctx)
	if err != nil {
		return st, err
	}
	st.Tables = len(tables)
	err = d.sql.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_schema
		WHERE type = 'index' AND name NOT LIKE 'sqlite\_%' ESCAPE '\'`).Scan(&st.Indexes)
	if err != nil {
		return st, d.wrap(ctx, "counting indexes of", err)
	}
	if st.Tables == 0 {
		st.Empty = true
		st.Notes = append(st.Notes, NoteEmpty)
	}
	st.Rows, err = d.rowCounts(ctx, tables, countTables)
	return st, err
}

func (st *Stats) fileSizes(path string) error {
	fi, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("reading size of database %s: %w", path, err)
	}
	st.MainSize = fi.Size()
	wal, err := os.Stat(path + "-wal")
	switch {
	case err == nil:
		st.WALSize = wal.Size()
	case !errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("reading size of %s-wal: %w", path, err)
	}
	st.FileSize = st.MainSize + st.WALSize
	return nil
}

// tableNames lists user tables (type 'table', not sqlite_*), sorted.
func (d *DB) tableNames(ctx context.Context) ([]string, error) {
	rows, err := d.sql.QueryContext(ctx, `SELECT name FROM sqlite_schema
		WHERE type = 'table' AND name NOT LIKE 'sqlite\_%' ESCAPE '\' ORDER BY name`)
	if err != nil {
		return nil, d.wrap(ctx, "listing tables of", err)
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, d.wrap(ctx, "listing tables of", err)
		}
		names = append(names, n)
	}
	if err := rows.Err(); err != nil {
		return nil, d.wrap(ctx, "listing tables of", err)
	}
	return names, nil
}

func (d *DB) rowCounts(ctx context.Context, tables, want []string) ([]TableRows, error) {
	exists := make(map[string]bool, len(tables))
	for _, t := range tables {
		exists[t] = true
	}
	var order []string
	seen := map[string]bool{}
	all := false
	for _, t := range want {
		if t == AllTables {
			all = true
			continue
		}
		if !seen[t] {
			seen[t] = true
			order = append(order, t)
		}
	}
	if all {
		for _, t := range tables {
			if !seen[t] {
				seen[t] = true
				order = append(order, t)
			}
		}
	}
	out := make([]TableRows, 0, len(order))
	for _, t := range order {
		tr := TableRows{Table: t, Missing: !exists[t]}
		if !tr.Missing {
			// The name is quoted as an identifier and known to exist in
			// sqlite_schema, so it cannot inject SQL.
			q := "SELECT count(*) FROM " + quoteIdent(t)
			if err := d.sql.QueryRowContext(ctx, q).Scan(&tr.Rows); err != nil {
				return out, d.wrap(ctx, "counting rows of table "+t+" in", err)
			}
		}
		out = append(out, tr)
	}
	return out, nil
}

func quoteIdent(s string) string {
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}
