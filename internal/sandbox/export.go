package sandbox

import (
	"context"
	"io"
	"time"
)

// The demo's database generator, exported for tools that need FossaWork
// V2 rows at other sizes (bench/gendb): one schema and one row generator
// for the whole project.

// Schema returns FossaWork V2's DDL statements (tables and indexes).
func Schema() []string { return append([]string(nil), schema...) }

// Insert statements matching the rows Rows generates.
const (
	InsertUser      = insertUser
	InsertWorkOrder = insertWorkOrder
	InsertDispenser = insertDispenser
)

// Rows generates realistic FossaWork V2 rows, deterministic for a seed.
type Rows struct{ f *faker }

// NewRows returns a generator for seed.
func NewRows(seed int64) *Rows { return &Rows{f: newFaker(seed, 7)} }

// ID returns a uuid4.
func (r *Rows) ID() string { return r.f.uuid4() }

// Between returns a number in [lo, hi].
func (r *Rows) Between(lo, hi int) int { return r.f.between(lo, hi) }

// User is a users row for InsertUser.
func (r *Rows) User(id string, i int, now time.Time) []any { return r.f.userRow(id, i, now) }

// WorkOrder is a work_orders row for InsertWorkOrder and whether it is
// completed (its dispensers then are too).
func (r *Rows) WorkOrder(id, userID string, created, now time.Time) ([]any, bool) {
	row := r.f.workOrderRow(id, userID, created, now)
	return row, row[6] == "completed"
}

// Dispenser is the n-th dispensers row of a work order for InsertDispenser.
func (r *Rows) Dispenser(id, workOrderID string, n int, created time.Time, done bool) []any {
	return r.f.dispenserRow(id, workOrderID, n, created, done)
}

// LoadPostgres fills the empty PostgreSQL database at url with FossaWork
// V2's tables, indexes and the rows of workOrders generated work orders
// (users, dispensers, jobs, scraping history as the demo makes them), then
// deletes the oldest 15 % as the demo does, and returns the work orders
// left and the database's size (bench/pg).
func LoadPostgres(ctx context.Context, url string, workOrders int, seed int64, now time.Time, progress io.Writer) (left int, bytes int64, err error) {
	spec := dbSpec{WorkOrders: workOrders, Users: max(10, workOrders/400), History: 730 * 24 * time.Hour, Purge: purgeFraction}
	st, err := createPG(ctx, url, spec, newFaker(seed, 1), now, progress)
	return st.WorkOrders, st.Bytes, err
}
