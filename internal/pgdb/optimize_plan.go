package pgdb

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"

	"github.com/fossawork/fossamaint/internal/human"
)

// Floors below which PlanOptimize leaves a relation alone, whatever its
// percentage: the work would not be worth its churn.
const (
	minDeadTuples      = 1000
	minReindexBytes    = 1 << 20
	minVacuumFullBytes = 8 << 20
)

// PlanOptimize picks from st what th warrants:
//   - Vacuum: tables with DeadPercent >= th.DeadTuplePercent and at least
//     1,000 dead tuples (autovacuum keeps small tables tidy);
//   - Analyze: tables with rows that were never analysed (and are not
//     vacuumed, since VACUUM (ANALYZE) analyses them);
//   - Reindex: invalid indexes (REINDEX CONCURRENTLY rebuilds them), and
//     valid ones of at least 1 MiB with BloatPercent >= th.IndexBloatPercent;
//   - VacuumFull: only when th.VacuumFull, tables of at least 8 MiB with
//     BloatPercent >= th.VacuumFullBloatPercent, largest first.
//
// A threshold of 0 or less picks nothing of its kind.
func PlanOptimize(st Stats, th Thresholds) Plan {
	var p Plan
	for _, t := range st.Tables {
		switch {
		case th.DeadTuplePercent > 0 && t.DeadPercent >= th.DeadTuplePercent && t.DeadTuples >= minDeadTuples:
			p.Vacuum = append(p.Vacuum, Item{Name: t.Name, Bytes: t.TableBytes,
				Reason: fmt.Sprintf("dead tuples %s (%s of %s) >= %s", human.Percent(t.DeadPercent),
					thousands(t.DeadTuples), thousands(t.LiveTuples+t.DeadTuples), human.Percent(th.DeadTuplePercent))})
		case t.LiveTuples > 0 && t.LastAnalyze.IsZero() && t.LastAutoanalyze.IsZero():
			p.Analyze = append(p.Analyze, Item{Name: t.Name, Bytes: t.TableBytes,
				Reason: fmt.Sprintf("never analysed, %s rows", thousands(t.LiveTuples))})
		}
		if th.VacuumFull && th.VacuumFullBloatPercent > 0 && t.BloatPercent >= th.VacuumFullBloatPercent && t.TableBytes >= minVacuumFullBytes {
			p.VacuumFull = append(p.VacuumFull, Item{Name: t.Name, Bytes: t.TableBytes,
				Reason: fmt.Sprintf("bloat %s of %s >= %s", human.Percent(t.BloatPercent), human.Bytes(t.TableBytes), human.Percent(th.VacuumFullBloatPercent))})
		}
	}
	for _, x := range st.Indexes {
		switch {
		case !x.Valid:
			p.Reindex = append(p.Reindex, Item{Name: x.Name, Bytes: x.Bytes,
				Reason: "invalid (left by a failed CREATE INDEX CONCURRENTLY): not used by queries until rebuilt"})
		case th.IndexBloatPercent > 0 && x.BloatPercent >= th.IndexBloatPercent && x.Bytes >= minReindexBytes:
			p.Reindex = append(p.Reindex, Item{Name: x.Name, Bytes: x.Bytes,
				Reason: fmt.Sprintf("bloat %s of %s >= %s", human.Percent(x.BloatPercent), human.Bytes(x.Bytes), human.Percent(th.IndexBloatPercent))})
		}
	}
	slices.SortStableFunc(p.VacuumFull, largestFirst)
	return p
}

// thousands writes n with commas: 12,345.
func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := n < 0
	if neg {
		s = s[1:]
	}
	var out []byte
	for i, c := range []byte(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, c)
	}
	if neg {
		return "-" + string(out)
	}
	return string(out)
}

// largestFirst orders items by size, largest first.
func largestFirst(a, b Item) int { return cmp.Compare(b.Bytes, a.Bytes) }
