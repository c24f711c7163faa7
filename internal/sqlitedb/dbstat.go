package sqlitedb

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/fossawork/fossamaint/internal/human"
)

// Default thresholds of NeedsVacuum: a tenth of the pages on the freelist
// (DESIGN.md's rule), or a quarter of the file as slack inside pages.
const (
	DefaultFreelistThreshold = 0.10
	DefaultUnusedThreshold   = 0.25
)

// largestCount is how many objects Stats.AddSpace keeps in Largest.
const largestCount = 10

// NoteNoDBStat is the note added when the SQLite build lacks dbstat.
const NoteNoDBStat = "the dbstat table is not compiled into this SQLite build: unused bytes and per-table sizes were not measured"

// TableSize is the space one table or index takes: Bytes is the size of
// its pages and Unused the free bytes inside them.
type TableSize struct {
	Name   string `json:"name"`
	Bytes  int64  `json:"bytes"`
	Unused int64  `json:"unused"`
}

// Fragmentation is what a VACUUM would reclaim. The freelist figures come
// from the header and cost nothing; the dbstat figures read every page.
type Fragmentation struct {
	Path          string  `json:"path"`
	PageSize      int64   `json:"page_size"`
	PageCount     int64   `json:"page_count"`
	FreelistCount int64   `json:"freelist_count"`
	FreelistRatio float64 `json:"freelist_ratio"`
	// DBStatAvailable is false when this SQLite build has no dbstat
	// table; the fields below are then zero.
	DBStatAvailable bool `json:"dbstat_available"`
	// UnusedBytes is the free space inside in-use pages; UnusedRatio is
	// it as a share of the file (PageCount * PageSize).
	UnusedBytes int64   `json:"unused_bytes"`
	UnusedRatio float64 `json:"unused_ratio"`
	// Objects are all tables and indexes, largest first.
	Objects  []TableSize   `json:"objects,omitempty"`
	Duration human.Seconds `json:"duration_seconds"`
}

// Fragmentation measures the freelist and, through the dbstat virtual
// table when the build has it, the unused bytes inside pages and the size
// of every table and index. dbstat reads every b-tree page of the file
// (measured with BenchmarkFragmentation on a cached 50 MB database: 27-44
// ms, against 82 ms for quick_check), so it is not part of Stats: callers run
// it when deciding on a VACUUM or for `db stats`. A cancelled ctx
// interrupts it.
func (d *DB) Fragmentation(ctx context.Context) (f Fragmentation, err error) {
	start := time.Now()
	defer func() { f.Duration = human.Seconds(time.Since(start)) }()
	f.Path = d.path
	ints := []struct {
		pragma string
		dst    *int64
	}{
		{"PRAGMA page_size", &f.PageSize},
		{"PRAGMA page_count", &f.PageCount},
		{"PRAGMA freelist_count", &f.FreelistCount},
	}
	for _, q := range ints {
		if err := d.sql.QueryRowContext(ctx, q.pragma).Scan(q.dst); err != nil {
			return f, d.wrap(ctx, "reading "+q.pragma+" of", err)
		}
	}
	if f.PageCount > 0 {
		f.FreelistRatio = float64(f.FreelistCount) / float64(f.PageCount)
	}
	objs, ok, err := d.dbstat(ctx)
	if err != nil || !ok {
		return f, err
	}
	f.DBStatAvailable = true
	f.Objects = objs
	for _, o := range objs {
		f.UnusedBytes += o.Unused
	}
	if total := f.PageCount * f.PageSize; total > 0 {
		f.UnusedRatio = float64(f.UnusedBytes) / float64(total)
	}
	return f, nil
}

// dbstat returns per-object sizes, or ok false when the build lacks the
// dbstat module. aggregate=TRUE has the module sum per object instead of
// returning a row per page.
func (d *DB) dbstat(ctx context.Context) (objs []TableSize, ok bool, err error) {
	rows, err := d.sql.QueryContext(ctx,
		`SELECT name, pgsize, unused FROM dbstat WHERE aggregate = TRUE`)
	if err != nil {
		if ctx.Err() == nil && strings.Contains(err.Error(), "no such table: dbstat") {
			return nil, false, nil
		}
		return nil, false, d.wrap(ctx, "reading dbstat of", err)
	}
	defer rows.Close()
	for rows.Next() {
		var o TableSize
		if err := rows.Scan(&o.Name, &o.Bytes, &o.Unused); err != nil {
			return nil, false, d.wrap(ctx, "reading dbstat of", err)
		}
		objs = append(objs, o)
	}
	if err := rows.Err(); err != nil {
		return nil, false, d.wrap(ctx, "reading dbstat of", err)
	}
	slices.SortStableFunc(objs, func(a, b TableSize) int {
		return cmp.Or(cmp.Compare(b.Bytes, a.Bytes), strings.Compare(a.Name, b.Name))
	})
	return objs, true, nil
}

// NeedsVacuum decides whether a VACUUM is worth its downtime: when the
// freelist ratio or the unused share of the file reaches its threshold.
// A threshold <= 0 means its default. The reason states the figures
// either way, for the report.
func NeedsVacuum(f Fragmentation, freelistThreshold, unusedThreshold float64) (bool, string) {
	if freelistThreshold <= 0 {
		freelistThreshold = DefaultFreelistThreshold
	}
	if unusedThreshold <= 0 {
		unusedThreshold = DefaultUnusedThreshold
	}
	freelist := fmt.Sprintf("freelist %d of %d pages (%s)", f.FreelistCount, f.PageCount, pct(f.FreelistRatio))
	unused := fmt.Sprintf("unused space inside pages %s (%s of the file)", human.Bytes(f.UnusedBytes), pct(f.UnusedRatio))
	switch {
	case f.PageCount <= 1:
		return false, "the database is empty: nothing to reclaim"
	case f.FreelistRatio >= freelistThreshold:
		return true, fmt.Sprintf("%s reaches the %s threshold", freelist, pct(freelistThreshold))
	case f.DBStatAvailable && f.UnusedRatio >= unusedThreshold:
		return true, fmt.Sprintf("%s reaches the %s threshold", unused, pct(unusedThreshold))
	case !f.DBStatAvailable:
		return false, fmt.Sprintf("%s is below the %s threshold (unused space inside pages not measured: no dbstat)", freelist, pct(freelistThreshold))
	}
	return false, fmt.Sprintf("%s is below the %s threshold and %s below %s",
		freelist, pct(freelistThreshold), unused, pct(unusedThreshold))
}

// pct shows a fraction (0..1) as a percentage.
func pct(r float64) string { return human.Percent(100 * r) }

// AddSpace copies the dbstat figures of f into the statistics: the ten
// largest tables and indexes and the unused bytes, or a note saying they
// could not be measured. It is separate from Stats because dbstat reads
// the whole file; a caller that needs both measures once.
func (st *Stats) AddSpace(f Fragmentation) {
	if !f.DBStatAvailable {
		st.Notes = append(st.Notes, NoteNoDBStat)
		return
	}
	st.SpaceMeasured = true
	st.UnusedBytes = f.UnusedBytes
	st.Largest = slices.Clone(f.Objects[:min(largestCount, len(f.Objects))])
}
