package main

import (
	"fmt"
	"math/rand/v2"
	"time"
)

// schema is the part of FossaWork V2's schema (as SQLAlchemy creates it;
// see internal/sandbox/schema.go) that holds nearly all of a real
// database's bytes: users, work_orders and dispensers, with the app's
// indexes. The column lists match upstream so page layouts are realistic.
var schema = []string{
	`CREATE TABLE users (
	id VARCHAR NOT NULL PRIMARY KEY,
	username VARCHAR NOT NULL UNIQUE,
	email VARCHAR,
	hashed_password VARCHAR NOT NULL,
	full_name VARCHAR,
	is_active BOOLEAN NOT NULL DEFAULT 1,
	is_admin BOOLEAN NOT NULL DEFAULT 0,
	preferences JSON,
	last_login DATETIME,
	created_at DATETIME,
	updated_at DATETIME)`,
	`CREATE TABLE work_orders (
	id VARCHAR NOT NULL PRIMARY KEY,
	user_id VARCHAR NOT NULL REFERENCES users (id),
	external_id VARCHAR,
	site_name VARCHAR NOT NULL,
	address VARCHAR,
	scheduled_date DATETIME,
	status VARCHAR,
	work_type VARCHAR,
	notes TEXT,
	scraped_data JSON,
	store_number VARCHAR,
	service_code VARCHAR,
	service_description VARCHAR,
	visit_id VARCHAR,
	visit_url VARCHAR,
	visit_number VARCHAR,
	instructions TEXT,
	service_name VARCHAR,
	service_items JSON,
	street VARCHAR,
	city_state VARCHAR,
	county VARCHAR,
	created_date DATETIME,
	created_by VARCHAR,
	customer_url VARCHAR,
	last_synced_at DATETIME,
	sync_status VARCHAR,
	sync_error_message TEXT,
	sync_retry_count INTEGER DEFAULT 0,
	sync_session_id VARCHAR,
	created_at DATETIME,
	updated_at DATETIME)`,
	`CREATE TABLE dispensers (
	id VARCHAR NOT NULL PRIMARY KEY,
	work_order_id VARCHAR NOT NULL REFERENCES work_orders (id),
	dispenser_number VARCHAR NOT NULL,
	dispenser_type VARCHAR,
	fuel_grades JSON,
	status VARCHAR,
	progress_percentage FLOAT DEFAULT 0,
	form_data JSON,
	automation_completed BOOLEAN DEFAULT 0,
	testing_requirements JSON,
	make VARCHAR,
	model VARCHAR,
	serial_number VARCHAR,
	meter_type VARCHAR,
	number_of_nozzles VARCHAR,
	created_at DATETIME,
	updated_at DATETIME)`,
	`CREATE INDEX ix_work_orders_user_id ON work_orders (user_id)`,
	`CREATE INDEX ix_work_orders_external_id ON work_orders (external_id)`,
	`CREATE INDEX ix_work_orders_scheduled_date ON work_orders (scheduled_date)`,
	`CREATE INDEX ix_work_orders_status ON work_orders (status)`,
	`CREATE INDEX ix_dispensers_work_order_id ON dispensers (work_order_id)`,
}

const insertUser = `INSERT INTO users VALUES (?,?,?,?,?,?,?,?,?,?,?)`

const insertWorkOrder = `INSERT INTO work_orders VALUES
	(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`

const insertDispenser = `INSERT INTO dispensers VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`

// faker draws reproducible values from one seeded source.
type faker struct{ r *rand.Rand }

func newFaker(seed uint64) *faker { return &faker{r: rand.New(rand.NewPCG(seed, 0x5eed))} }

func (f *faker) between(lo, hi int) int  { return lo + f.r.IntN(hi-lo+1) }
func (f *faker) chance(p float64) bool   { return f.r.Float64() < p }
func (f *faker) pick(xs []string) string { return xs[f.r.IntN(len(xs))] }

func (f *faker) uuid4() string {
	a, b := f.r.Uint64(), f.r.Uint64()
	a = a&^0xf000 | 0x4000
	b = b&^(0xc<<60) | 0x8<<60
	return fmt.Sprintf("%08x-%04x-%04x-%04x-%012x", a>>32, (a>>16)&0xffff, a&0xffff, b>>48, b&0xffffffffffff)
}

func sqlTime(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05.000000") }

var (
	brands   = []string{"Circle K", "Speedway", "7-Eleven", "Wawa", "Sheetz", "QuikTrip", "RaceTrac", "Casey's"}
	streets  = []string{"Main St", "Oak Ave", "Route 9", "Highway 41", "Market St", "Lincoln Blvd", "Center Rd"}
	places   = [][3]string{{"Tampa", "FL", "Hillsborough"}, {"Orlando", "FL", "Orange"}, {"Atlanta", "GA", "Fulton"}, {"Charlotte", "NC", "Mecklenburg"}, {"Richmond", "VA", "Henrico"}}
	services = [][3]string{{"2861", "Testing", "AccuMeasure - All Dispensers"}, {"2862", "Testing", "AccuMeasure - Specific Dispensers"}, {"3002", "Calibration", "Open Neck Prover Calibration"}, {"3146", "Filter Change", "Dispenser Filter Replacement"}}
	makes    = [][2]string{{"Gilbarco", "Encore 700 S"}, {"Wayne", "Ovation2"}, {"Gilbarco", "Encore 500"}, {"Bennett", "Pacific 3000"}}
	notes    = []string{"Gate code 4412", "Call manager on arrival", "Dispenser 3/4 bagged", "Customer requested morning visit", "Prover cart needed"}
	names    = []string{"alice", "bruno", "carla", "deepak", "erin", "farid", "grace", "hiro"}
)

func (f *faker) userRow(id string, i int, now time.Time) []any {
	name := fmt.Sprintf("tech%03d", i)
	created := now.AddDate(-2, 0, 0).Add(time.Duration(i) * 36 * time.Hour)
	prefs := fmt.Sprintf(`{"theme": "%s", "notifications": {"email": %t}, "timezone": "America/New_York"}`,
		f.pick([]string{"light", "dark"}), f.chance(0.7))
	return []any{id, name, name + "@fossawork.example", "$2b$12$" + f.uuid4() + f.uuid4()[:17],
		f.pick(names), true, i == 0, prefs, sqlTime(now), sqlTime(created), sqlTime(created)}
}

// workOrderRow returns the row and its status.
func (f *faker) workOrderRow(id, userID string, created, now time.Time, dispensers int) ([]any, string) {
	store := fmt.Sprint(f.between(1000, 9999))
	site := f.pick(brands) + " #" + store
	street := fmt.Sprintf("%d %s", f.between(10, 9999), f.pick(streets))
	pl := places[f.r.IntN(len(places))]
	cityState := pl[0] + ", " + pl[1]
	svc := services[f.r.IntN(len(services))]
	scheduled := created.Add(time.Duration(f.between(1, 30*24)) * time.Hour)
	status := "completed"
	switch {
	case f.chance(0.04):
		status = "cancelled"
	case scheduled.After(now.Add(-48 * time.Hour)):
		status = f.pick([]string{"in_progress", "pending"})
	}
	ext := fmt.Sprintf("W-%06d", f.between(100000, 999999))
	visit := fmt.Sprintf("%06d", f.between(100000, 999999))
	synced := created.Add(time.Duration(f.between(1, 600)) * time.Minute)
	sync, syncErr, retries := "synced", any(nil), 0
	if f.chance(0.03) {
		sync, syncErr, retries = "failed", "WorkFossa returned HTTP 502", f.between(1, 5)
	}
	scraped := fmt.Sprintf(`{"source": "workfossa", "scraped_at": "%s", "customer": "%s", "dispenser_count": %d, "page_version": "v2.%d"}`,
		synced.Format("2006-01-02T15:04:05"), site, dispensers*2, f.between(1, 9))
	var note any
	if f.chance(0.3) {
		note = f.pick(notes)
	}
	return []any{id, userID, ext, site, street + ", " + cityState, sqlTime(scheduled), status, svc[1],
		note, scraped, store, svc[0], svc[2], visit,
		fmt.Sprintf("https://app.workfossa.com/app/work/%s/visits/%s/", ext[2:], visit),
		fmt.Sprint(f.between(1, 3)), "Complete all required tests. Record results in the visit form.",
		svc[1], fmt.Sprintf(`["%d x %s"]`, dispensers*2, svc[2]), street, cityState, pl[2] + " County",
		sqlTime(created), f.pick(names), fmt.Sprintf("https://app.workfossa.com/app/customers/locations/%d/", f.between(10000, 99999)),
		sqlTime(synced), sync, syncErr, retries, f.uuid4(), sqlTime(created), sqlTime(synced)}, status
}

func (f *faker) dispenserRow(id, woID string, n int, created time.Time, done bool) []any {
	mk := makes[f.r.IntN(len(makes))]
	grades := `{"regular": {"octane": 87}, "plus": {"octane": 89}, "premium": {"octane": 93}}`
	if f.chance(0.25) {
		grades = `{"regular": {"octane": 87}, "premium": {"octane": 93}, "diesel": {"octane": null}}`
	}
	status, progress := "pending", 0.0
	if done {
		status, progress = "completed", 100.0
	}
	form := fmt.Sprintf(`{"prover_volume": "5 gal", "tests": {"regular": [%d, %d], "premium": [%d, %d]}}`,
		f.between(-6, 6), f.between(-6, 6), f.between(-6, 6), f.between(-6, 6))
	return []any{id, woID, fmt.Sprintf("%d/%d", 2*n+1, 2*n+2), mk[0] + " " + mk[1], grades, status,
		progress, form, done, `{"prover": "5 gallon", "tests_per_grade": 2, "filters": true}`,
		mk[0], mk[1], fmt.Sprintf("%s%08d", mk[0][:2], f.between(0, 99999999)),
		f.pick([]string{"Electronic", "Mechanical"}), fmt.Sprint(2 * f.between(2, 4)),
		sqlTime(created), sqlTime(created)}
}
