package pgdb_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fossawork/fossamaint/internal/durable"
	"github.com/fossawork/fossamaint/internal/pgdb"
	"github.com/jackc/pgx/v5"
)

// testCtx is a context that ends with the test (or after two minutes).
func testCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// findTools are the client programs for the test server.
func findTools(t testing.TB, db *pgdb.DB) pgdb.Tools {
	t.Helper()
	tools, err := pgdb.FindTools(testCtx(t), "", db.Major)
	if err != nil {
		t.Fatal(err)
	}
	return tools
}

// openPG opens the database at url for the rest of the test.
func openPG(t testing.TB, url string) *pgdb.DB {
	t.Helper()
	db, err := pgdb.Open(testCtx(t), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// connectRaw is a plain connection, closed with the test.
func connectRaw(t testing.TB, url string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(testCtx(t), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close(context.Background()) })
	return conn
}

// execSQL runs statements on the database at url.
func execSQL(t testing.TB, url string, stmts ...string) {
	t.Helper()
	conn, err := pgx.Connect(testCtx(t), url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	for _, s := range stmts {
		if _, err := conn.Exec(testCtx(t), s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

// schemaSQL is a small application schema: users, work orders with a
// foreign key to them, an index, a view, a table in a second schema with
// a name that needs quoting.
var schemaSQL = []string{
	`CREATE TABLE users (id serial PRIMARY KEY, name text NOT NULL UNIQUE)`,
	`CREATE TABLE work_orders (id bigserial PRIMARY KEY, user_id int NOT NULL REFERENCES users(id),
	   status text NOT NULL, created timestamptz NOT NULL DEFAULT now())`,
	`CREATE INDEX ix_work_orders_status ON work_orders (status)`,
	`CREATE VIEW open_orders AS SELECT * FROM work_orders WHERE status = 'open'`,
	`CREATE SCHEMA audit`,
	`CREATE TABLE audit."Event Log" (id int, what text)`,
	`INSERT INTO audit."Event Log" VALUES (1, 'created')`,
}

// seed makes the schema in the database at url with n users of two work
// orders each.
func seed(t testing.TB, url string, n int) {
	t.Helper()
	execSQL(t, url, schemaSQL...)
	fill(t, url, n)
}

// fill adds n users of two work orders each.
func fill(t testing.TB, url string, n int) {
	t.Helper()
	execSQL(t, url,
		`INSERT INTO users (name) SELECT 'user-' || g || '-' || md5(random()::text) FROM generate_series(1, `+itoa(n)+`) g`,
		`INSERT INTO work_orders (user_id, status) SELECT u.id, s FROM users u, (VALUES ('open'), ('done')) v(s)
		   WHERE NOT EXISTS (SELECT 1 FROM work_orders w WHERE w.user_id = u.id)`)
}

func itoa(n int) string { return strconv.Itoa(n) }

// databases lists the server's databases.
func databases(t testing.TB, url string) []string {
	t.Helper()
	conn := connectRaw(t, url)
	rows, err := conn.Query(testCtx(t), "SELECT datname FROM pg_database ORDER BY 1")
	if err != nil {
		t.Fatal(err)
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return names
}

// noScratch fails when a verify or restore left a database behind.
func noScratch(t testing.TB, url string) {
	t.Helper()
	for _, name := range databases(t, url) {
		if strings.HasPrefix(name, "fossamaint_verify_") || strings.Contains(name, "_restore_") {
			t.Errorf("database %s was left behind", name)
		}
	}
}

// noTemp fails when dir holds a temporary file.
func noTemp(t testing.TB, dir string) {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if durable.IsTemp(e.Name()) {
			t.Errorf("temporary file %s was left behind", filepath.Join(dir, e.Name()))
		}
	}
}

// dumpOf dumps the database at url into a new file.
func dumpOf(t testing.TB, tools pgdb.Tools, url string) pgdb.DumpResult {
	t.Helper()
	db := openPG(t, url)
	res, err := pgdb.Dump(testCtx(t), tools, db, filepath.Join(t.TempDir(), db.Name+".dump"))
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// flipMiddle flips one byte in the middle of a copy of path.
func flipMiddle(t testing.TB, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	data = slices.Clone(data)
	data[len(data)/2] ^= 0xFF
	out := filepath.Join(t.TempDir(), "flipped.dump")
	if err := os.WriteFile(out, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return out
}
