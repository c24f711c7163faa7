package pgdb

import (
	"context"
	"fmt"
	"math"
)

// Page layout of PostgreSQL's default build (BLCKSZ 8192), for the bloat
// estimates.
const (
	pageBytes       = 8192
	pageHeaderBytes = 24 // PageHeaderData
	btreeSpecial    = 16 // BTPageOpaqueData at a B-tree page's end
	linePointer     = 4  // ItemIdData
	heapTupleHeader = 24 // HeapTupleHeaderData, 23 bytes MAXALIGNed
	indexTupleHdr   = 8  // IndexTupleData
	btreeLeafFill   = 0.9
	// minBloatBytes: smaller relations get no bloat figure (a few pages
	// are mostly "free" by nature, and not worth a rewrite).
	minBloatBytes = 8 * pageBytes
	// approxBytes: from this size a heap is measured by
	// pgstattuple_approx, which skips the pages the visibility map says
	// are all-visible (their free space comes from the free space map),
	// instead of pgstattuple reading every page in the window.
	approxBytes = 256 << 20
)

// maxAlign rounds n up to 8 bytes (MAXALIGN on 64-bit servers).
func maxAlign(n float64) float64 { return math.Ceil(n/8) * 8 }

// heapTupleBytes is the space a row of the given summed average column
// width takes on a heap page: header and data MAXALIGNed, plus its line
// pointer (the null bitmap is ignored: it only makes the estimate lower).
func heapTupleBytes(width float64) float64 {
	return maxAlign(heapTupleHeader+width) + linePointer
}

// estimateTableBloat is the share of a heap that is neither live rows
// nor page headers: the live rows' bytes (n_live_tup times rowBytes, the
// row width pg_stats reports, see heapTupleBytes) packed into full pages,
// against the heap's size. Dead rows count as bloat, as does free space.
// Without statistics (rowBytes 0: never analysed) it is the dead-tuple
// share, the only thing known. Tiny heaps get 0.
func estimateTableBloat(heapBytes, live, dead int64, rowBytes float64) float64 {
	if heapBytes < minBloatBytes {
		return 0
	}
	if rowBytes <= 0 {
		if live+dead == 0 {
			return 0
		}
		return float64(dead) * 100 / float64(live+dead)
	}
	pages := math.Ceil(float64(live) * rowBytes / (pageBytes - pageHeaderBytes))
	return clampPercent(100 * (1 - pages*pageBytes/float64(heapBytes)))
}

// estimateIndexBloat compares a B-tree's size with what reltuples
// entries of keyWidth bytes take on leaf pages filled to the build's 90%,
// plus the metapage (upper levels are a fraction of a percent and are
// ignored). Deduplicated indexes are smaller than the estimate, so it
// errs on the side of no bloat. An unknown width (keyWidth 0: an
// expression, or never analysed) or a tiny index gives 0.
func estimateIndexBloat(indexBytes, reltuples int64, keyWidth float64) float64 {
	if indexBytes < minBloatBytes || keyWidth <= 0 {
		return 0
	}
	entry := maxAlign(indexTupleHdr+keyWidth) + linePointer
	leaf := math.Ceil(float64(reltuples) * entry / ((pageBytes - pageHeaderBytes - btreeSpecial) * btreeLeafFill))
	return clampPercent(100 * (1 - (leaf+1)*pageBytes/float64(indexBytes)))
}

func clampPercent(p float64) float64 {
	if math.IsNaN(p) || p < 0 {
		return 0
	}
	return min(p, 100)
}

const estimateNote = "bloat figures are estimates: tables from pg_stats row widths against the heap's size (the dead-tuple share when never analysed), B-tree indexes from reltuples and key widths against their size"

// readBloat fills the tables' and indexes' BloatPercent, from pgstattuple
// when it is there (or may be installed), else estimated.
func readBloat(ctx context.Context, db *DB, install bool, st *Stats, tables []table, indexes []index) error {
	schema, err := pgstattupleSchema(ctx, db, install, st)
	if err != nil {
		return err
	}
	var failed error
	exact := func(q string, oid uint32) (float64, bool) {
		if schema == "" || failed != nil {
			return 0, false
		}
		var p float64
		if err := db.conn.QueryRow(ctx, fmt.Sprintf(q, QuoteIdent(schema)), oid).Scan(&p); err != nil {
			failed = err
			return 0, false
		}
		st.PgStatTuple = true
		return clampPercent(p), true
	}
	for i := range tables {
		t := &tables[i]
		if t.TableBytes < minBloatBytes {
			continue
		}
		q := "SELECT free_percent + dead_tuple_percent FROM %s.pgstattuple($1::oid::regclass)"
		if t.TableBytes >= approxBytes {
			q = "SELECT approx_free_percent + dead_tuple_percent FROM %s.pgstattuple_approx($1::oid::regclass)"
		}
		p, ok := exact(q, t.oid)
		if !ok {
			p = estimateTableBloat(t.TableBytes, t.LiveTuples, t.DeadTuples, t.width)
		}
		t.BloatPercent = p
	}
	for i := range indexes {
		x := &indexes[i]
		if !x.btree || !x.Valid || x.Bytes < minBloatBytes {
			continue
		}
		p, ok := exact("SELECT 100 - avg_leaf_density FROM %s.pgstatindex($1::oid::regclass)", x.oid)
		if !ok {
			p = estimateIndexBloat(x.Bytes, x.reltuples, x.keyWidth)
		}
		x.BloatPercent = p
	}
	switch {
	case failed != nil:
		st.Notes = append(st.Notes, fmt.Sprintf("pgstattuple failed (%v); %s", failed, estimateNote))
	case st.PgStatTuple:
		st.Notes = append(st.Notes, "bloat figures are pgstattuple's (free and dead space of each heap, pgstattuple_approx's from 256 MiB; 100 - average leaf density of each B-tree)")
	case schema == "":
		st.Notes = append(st.Notes, estimateNote)
	}
	return ctx.Err()
}

// pgstattupleSchema is the schema pgstattuple is installed in, after
// installing it when allowed; "" (and a note saying how to get exact
// figures) when it is not there.
func pgstattupleSchema(ctx context.Context, db *DB, install bool, st *Stats) (string, error) {
	ok, err := hasExtension(ctx, db, "pgstattuple")
	if err != nil {
		return "", err
	}
	if !ok && install {
		if _, err := db.conn.Exec(ctx, "CREATE EXTENSION IF NOT EXISTS pgstattuple"); err != nil {
			st.Notes = append(st.Notes, fmt.Sprintf("installing pgstattuple failed: %v (run CREATE EXTENSION pgstattuple as a superuser for exact bloat figures)", err))
			return "", ctx.Err()
		}
		ok = true
	}
	if !ok {
		st.Notes = append(st.Notes, "pgstattuple is not installed: set database.postgres.install_extensions: true, or run CREATE EXTENSION pgstattuple, for exact bloat figures")
		return "", nil
	}
	var schema string
	err = db.conn.QueryRow(ctx, "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pgstattuple'").Scan(&schema)
	if err != nil {
		return "", fmt.Errorf("locating pgstattuple in %s: %w", db.Name, err)
	}
	return schema, nil
}
