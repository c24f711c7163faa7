package testkit

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	_ "modernc.org/sqlite" // the driver the application uses
)

// T is what the helpers need of a test: testing.TB, or a testscript's
// *TestScript for script commands. Helper is called when T has it.
type T interface {
	Fatalf(format string, args ...any)
}

func helper(t T) {
	if h, ok := t.(interface{ Helper() }); ok {
		h.Helper()
	}
}

// Schema is a FossaWork-like database: users, work orders with an index
// on (status, site_name), and dispensers referencing work orders.
const Schema = `
CREATE TABLE users (id TEXT PRIMARY KEY, email TEXT NOT NULL);
CREATE TABLE work_orders (
	id TEXT PRIMARY KEY, user_id TEXT NOT NULL REFERENCES users(id),
	site_name TEXT NOT NULL, status TEXT, notes TEXT, created_at DATETIME);
CREATE INDEX ix_work_orders_status ON work_orders(status, site_name);
CREATE TABLE dispensers (
	id TEXT PRIMARY KEY, work_order_id TEXT NOT NULL REFERENCES work_orders(id),
	dispenser_number TEXT, make TEXT);
`

// OpenDB opens path read-write with the driver directly, as the
// application would, on one connection (pragmas are per connection);
// tests use it to build and damage files. The caller closes it.
func OpenDB(t T, path string, pragmas ...string) *sql.DB {
	helper(t)
	q := url.Values{"_pragma": pragmas}
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(path), RawQuery: q.Encode()}
	db, err := sql.Open("sqlite", u.String())
	if err != nil {
		t.Fatalf("opening %s: %v", path, err)
	}
	db.SetMaxOpenConns(1)
	return db
}

// MakeDB creates the database at path (its directory too) with Schema and
// n work orders of two dispensers each, in rollback-journal mode, and
// returns path.
func MakeDB(t T, path string, n int) string {
	helper(t)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatalf("%v", err)
	}
	db := OpenDB(t, path)
	defer db.Close()
	if _, err := db.Exec(Schema); err != nil {
		t.Fatalf("creating the schema in %s: %v", path, err)
	}
	Fill(t, db, 0, n)
	return path
}

// DBName is the application's database file name.
const DBName = "fossawork_v2.db"

// MakeDBIn is MakeDB at dir/DBName.
func MakeDBIn(t T, dir string, n int) string {
	helper(t)
	return MakeDB(t, filepath.Join(dir, DBName), n)
}

// Fill inserts work orders [from, from+n) and their dispensers in one
// transaction; the content is a function of the row number only.
func Fill(t T, db *sql.DB, from, n int) {
	helper(t)
	ctx := context.Background()
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatalf("%v", err)
	}
	defer tx.Rollback()
	rng := rand.New(rand.NewPCG(uint64(from), 7))
	statuses := []string{"pending", "in_progress", "completed", "cancelled"}
	if _, err := tx.Exec(`INSERT OR IGNORE INTO users VALUES ('u1', 'ops@example.com')`); err != nil {
		t.Fatalf("%v", err)
	}
	wo, err := tx.Prepare(`INSERT INTO work_orders VALUES (?, 'u1', ?, ?, ?, '2025-01-13 02:14:07')`)
	if err != nil {
		t.Fatalf("%v", err)
	}
	disp, err := tx.Prepare(`INSERT INTO dispensers VALUES (?, ?, ?, 'Wayne')`)
	if err != nil {
		t.Fatalf("%v", err)
	}
	for i := from; i < from+n; i++ {
		id := fmt.Sprintf("wo-%08d", i)
		site := fmt.Sprintf("Site %d #%d", rng.IntN(5000), i)
		notes := fmt.Sprintf("visit notes %x", rng.Uint64())
		if _, err := wo.Exec(id, site, statuses[i%4], notes); err != nil {
			t.Fatalf("inserting %s: %v", id, err)
		}
		for j := range 2 {
			if _, err := disp.Exec(fmt.Sprintf("%s-d%d", id, j), id, fmt.Sprintf("%d/%d", 2*j+1, 2*j+2)); err != nil {
				t.Fatalf("inserting a dispenser of %s: %v", id, err)
			}
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatalf("%v", err)
	}
}

// Exec runs SQL (one or more statements) on the database at path.
func Exec(t T, path, q string) {
	helper(t)
	db := OpenDB(t, path)
	defer db.Close()
	if _, err := db.Exec(q); err != nil {
		t.Fatalf("%s on %s: %v", q, path, err)
	}
}

// QueryInt returns the integer a one-value query yields.
func QueryInt(t T, db *sql.DB, q string, args ...any) int64 {
	helper(t)
	var n int64
	if err := db.QueryRow(q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

// CountRows counts the rows of table in the database at path, read-only
// and waiting out a writer's lock.
func CountRows(t T, path, table string) int64 {
	helper(t)
	db := OpenDB(t, path, "query_only(1)", "busy_timeout(5000)")
	defer db.Close()
	var n int64
	if err := db.QueryRow("SELECT count(*) FROM " + table).Scan(&n); err != nil {
		t.Fatalf("counting %s in %s: %v", table, path, err)
	}
	return n
}

// WriteFile writes data to path with exactly mode perm (the umask does not
// narrow it), creating the directory, and returns path.
func WriteFile(t T, path string, data []byte, perm os.FileMode) string {
	helper(t)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatalf("%v", err)
	}
	if err := os.WriteFile(path, data, perm); err != nil {
		t.Fatalf("%v", err)
	}
	if err := os.Chmod(path, perm); err != nil {
		t.Fatalf("%v", err)
	}
	return path
}

var _ T = testing.TB(nil)
