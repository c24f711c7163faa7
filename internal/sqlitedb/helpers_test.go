package sqlitedb

import (
	"context"
	"database/sql"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"testing"
)

const testSchema = `
CREATE TABLE users (id TEXT PRIMARY KEY, email TEXT NOT NULL);
CREATE TABLE work_orders (
	id TEXT PRIMARY KEY, user_id TEXT NOT NULL REFERENCES users(id),
	site_name TEXT NOT NULL, status TEXT, notes TEXT, created_at DATETIME);
CREATE INDEX ix_work_orders_status ON work_orders(status, site_name);
CREATE TABLE dispensers (
	id TEXT PRIMARY KEY, work_order_id TEXT NOT NULL REFERENCES work_orders(id),
	dispenser_number TEXT, make TEXT);
`

// rawOpen opens path read-write with the driver directly, as the
// application would; tests use it to build and damage files.
func rawOpen(t testing.TB, path string, pragmas ...string) *sql.DB {
	t.Helper()
	q := url.Values{"_pragma": pragmas}
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(path), RawQuery: q.Encode()}
	db, err := sql.Open("sqlite", u.String())
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	return db
}

// makeDB creates a FossaWork-like database with n work orders and two
// dispensers each, in rollback-journal mode, and returns its path.
func makeDB(t testing.TB, dir string, n int) string {
	t.Helper()
	path := filepath.Join(dir, "fossawork_v2.db")
	db := rawOpen(t, path)
	defer db.Close()
	if _, err := db.Exec(testSchema); err != nil {
		t.Fatal(err)
	}
	fill(t, db, 0, n)
	return path
}

// fill inserts work orders [from, from+n) in one transaction.
func fill(t testing.TB, db *sql.DB, from, n int) {
	t.Helper()
	ctx := context.Background()
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	rng := rand.New(rand.NewPCG(uint64(from), 7))
	statuses := []string{"pending", "in_progress", "completed", "cancelled"}
	if _, err := tx.Exec(`INSERT OR IGNORE INTO users VALUES ('u1', 'ops@example.com')`); err != nil {
		t.Fatal(err)
	}
	wo, err := tx.Prepare(`INSERT INTO work_orders VALUES (?, 'u1', ?, ?, ?, '2025-01-13 02:14:07')`)
	if err != nil {
		t.Fatal(err)
	}
	disp, err := tx.Prepare(`INSERT INTO dispensers VALUES (?, ?, ?, 'Wayne')`)
	if err != nil {
		t.Fatal(err)
	}
	for i := from; i < from+n; i++ {
		id := fmt.Sprintf("wo-%08d", i)
		site := fmt.Sprintf("Site %d #%d", rng.IntN(5000), i)
		notes := fmt.Sprintf("visit notes %x", rng.Uint64())
		if _, err := wo.Exec(id, site, statuses[i%4], notes); err != nil {
			t.Fatal(err)
		}
		for j := 0; j < 2; j++ {
			if _, err := disp.Exec(fmt.Sprintf("%s-d%d", id, j), id, fmt.Sprintf("%d/%d", 2*j+1, 2*j+2)); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
}

// corruptRoot overwrites the root page of the named b-tree with garbage.
func corruptRoot(t testing.TB, path, name string) {
	t.Helper()
	db := rawOpen(t, path)
	var root, pageSize int64
	if err := db.QueryRow(`SELECT rootpage FROM sqlite_schema WHERE name = ?`, name).Scan(&root); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRow(`PRAGMA page_size`).Scan(&pageSize); err != nil {
		t.Fatal(err)
	}
	db.Close()
	garbage := make([]byte, pageSize)
	for i := range garbage {
		garbage[i] = byte(i*7 + 3)
	}
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteAt(garbage, (root-1)*pageSize); err != nil {
		t.Fatal(err)
	}
}

func writeFile(t testing.TB, path string, data []byte) string {
	t.Helper()
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func dirEntries(t testing.TB, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return names
}

// corruptFreelist points the header's freelist at page 3, which is in use,
// so the checks find the page referenced twice and return rows of
// messages rather than aborting.
func corruptFreelist(t testing.TB, path string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var hdr [8]byte
	binary.BigEndian.PutUint32(hdr[:4], 3)
	binary.BigEndian.PutUint32(hdr[4:], 1)
	if _, err := f.WriteAt(hdr[:], 32); err != nil {
		t.Fatal(err)
	}
}

func readFile(t testing.TB, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}
