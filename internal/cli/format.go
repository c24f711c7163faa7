package cli

import (
	"sort"
	"strconv"

	"github.com/fossawork/fossamaint/internal/runbook"
)

func sortedMetricNames(m map[string]runbook.Metric) []string {
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

func fmtNum(v float64) string {
	if v == float64(int64(v)) {
		return strconv.FormatInt(int64(v), 10)
	}
	return strconv.FormatFloat(v, 'f', 2, 64)
}
