package sandbox

// Measured on generated trees (small: 20k work orders, ~4 MiB of logs and
// a ~67 MiB database; medium: 16.8 MB of logs): what one work order costs
// in the database, with its dispensers, free pages and indexes, and what
// one unit of a size's log scale costs in log files.
const (
	dbBytesPerWorkOrder = 3500
	logBytesPerScale    = 4_200_000
)

// Estimate is roughly what Generate will write for a size, said before
// it starts: the data generation prints little while it runs.
type Estimate struct {
	WorkOrders int
	DBBytes    int64
	LogBytes   int64
}

// EstimateOf returns the estimate for size; false for an unknown size.
func EstimateOf(size Size) (Estimate, bool) {
	spec, ok := sizes[size]
	if !ok {
		return Estimate{}, false
	}
	return Estimate{
		WorkOrders: spec.workOrders,
		DBBytes:    int64(spec.workOrders) * dbBytesPerWorkOrder,
		LogBytes:   int64(spec.logScale) * logBytesPerScale,
	}, true
}
