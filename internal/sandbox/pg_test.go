package sandbox

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/fossawork/fossamaint/internal/config"
	"github.com/fossawork/fossamaint/internal/pgdb"
	"github.com/fossawork/fossamaint/internal/testkit"
)

func TestPGSchemaTranslation(t *testing.T) {
	got := pgSchema()
	if len(got) != len(schema) {
		t.Fatalf("%d statements, want %d", len(got), len(schema))
	}
	intBool := regexp.MustCompile(`BOOLEAN[^,]*DEFAULT [01]`)
	for i, ddl := range got {
		if strings.Contains(ddl, "DATETIME") || intBool.MatchString(ddl) {
			t.Errorf("statement %d keeps a SQLite type or an integer boolean default:\n%s", i, ddl)
		}
	}
	for _, want := range []string{"is_active BOOLEAN NOT NULL DEFAULT true", "is_admin BOOLEAN NOT NULL DEFAULT false",
		"automation_completed BOOLEAN DEFAULT false", "enabled BOOLEAN DEFAULT true", "last_login TIMESTAMP,",
		"sync_retry_count INTEGER DEFAULT 0"} {
		if !strings.Contains(strings.Join(got, "\n"), want) {
			t.Errorf("translated schema lacks %q", want)
		}
	}
}

func TestPGRebind(t *testing.T) {
	for in, want := range map[string]string{
		"SELECT 1":                          "SELECT 1",
		"VALUES (?,?,?)":                    "VALUES ($1,$2,$3)",
		"a = ? AND b IN (SELECT ? LIMIT ?)": "a = $1 AND b IN (SELECT $2 LIMIT $3)",
	} {
		if got := pgRebind(in); got != want {
			t.Errorf("pgRebind(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestPGSameRows loads one spec and seed into SQLite and PostgreSQL: the
// same rows come out of both, purge included.
func TestPGSameRows(t *testing.T) {
	c := testkit.Postgres(t)
	url := testkit.PostgresDB(t, c, "same_rows")
	ctx := context.Background()
	spec := dbSpec{WorkOrders: 400, Users: 4, History: 90 * 24 * time.Hour, Purge: 0.2}
	path := filepath.Join(t.TempDir(), "x.db")
	lite, err := createDB(ctx, path, spec, newFaker(3, 1), testNow, nil)
	if err != nil {
		t.Fatal(err)
	}
	pg, err := createPG(ctx, url, spec, newFaker(3, 1), testNow, nil)
	if err != nil {
		t.Fatal(err)
	}
	if pg.Bytes <= 0 {
		t.Errorf("PostgreSQL database size %d", pg.Bytes)
	}
	lite.PageCount, lite.FreelistCount, pg.Bytes = 0, 0, 0
	if lite != pg {
		t.Errorf("counts differ: SQLite %+v, PostgreSQL %+v", lite, pg)
	}
	if pg.WorkOrders != 320 {
		t.Errorf("%d work orders after the purge, want 320", pg.WorkOrders)
	}
	db := openRO(t, path)
	conn := pgConn(t, url)
	for _, q := range []string{
		"SELECT id || '|' || site_name || '|' || status || '|' || sync_retry_count FROM work_orders ORDER BY id",
		"SELECT id || '|' || work_order_id || '|' || dispenser_number FROM dispensers ORDER BY id",
		"SELECT id || '|' || username FROM users ORDER BY id",
		"SELECT id || '|' || part_number FROM filter_inventory ORDER BY id",
		"SELECT id FROM scraping_history ORDER BY id",
	} {
		var fromLite, fromPG []string
		rows, err := db.Query(q)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				t.Fatal(err)
			}
			fromLite = append(fromLite, s)
		}
		rows.Close()
		prow, err := conn.Query(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if fromPG, err = pgx.CollectRows(prow, pgx.RowTo[string]); err != nil {
			t.Fatal(err)
		}
		if len(fromLite) == 0 || !slices.Equal(fromLite, fromPG) {
			t.Errorf("%s: SQLite has %d rows, PostgreSQL %d, or they differ", q, len(fromLite), len(fromPG))
		}
	}
	// Typed as SQLAlchemy would make them: real timestamps and booleans.
	var created time.Time
	var admin bool
	if err := conn.QueryRow(ctx, "SELECT created_at, is_admin FROM users WHERE username = 'admin'").Scan(&created, &admin); err != nil || !admin || created.IsZero() {
		t.Errorf("admin row: created %v admin %v: %v", created, admin, err)
	}
}

func pgConn(t *testing.T, url string) *pgx.Conn {
	t.Helper()
	db, err := pgdb.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db.Conn()
}

// TestGeneratePostgres builds a whole small installation on PostgreSQL:
// the rows are in the server, .env names it as the application reads it,
// the earlier backups are dumps, and the backend serves from it.
func TestGeneratePostgres(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a whole installation")
	}
	c := testkit.Postgres(t)
	url := testkit.PostgresDB(t, c, "fossawork_v2")
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "demo")
	inst, err := Generate(ctx, Options{Dir: dir, Size: Small, Now: testNow, Seed: 42,
		Executable: "/usr/local/bin/fossamaint", DatabaseURL: url})
	if err != nil {
		t.Fatalf("Generate: %v", err)
	}
	if inst.DBPath != "" || inst.DatabaseURL != url || inst.DBBytes < 10<<20 {
		t.Errorf("DBPath %q DatabaseURL %q DBBytes %d", inst.DBPath, inst.DatabaseURL, inst.DBBytes)
	}
	if _, err := os.Stat(filepath.Join(dir, "backend", "fossawork_v2.db")); !os.IsNotExist(err) {
		t.Errorf("a SQLite file was written too: %v", err)
	}
	conn := pgConn(t, url)
	var wo, disp int
	if err := conn.QueryRow(ctx, "SELECT (SELECT count(*) FROM work_orders), (SELECT count(*) FROM dispensers)").Scan(&wo, &disp); err != nil {
		t.Fatal(err)
	}
	if wo != 17_000 || wo != inst.WorkOrders || disp != inst.Dispensers {
		t.Errorf("%d work orders, %d dispensers; installation says %d, %d; want 17000 work orders", wo, disp, inst.WorkOrders, inst.Dispensers)
	}
	checkPGEnv(t, dir, url)
	checkPGBackups(t, dir)
	var leftover bool
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", pgHistoryDB).Scan(&leftover); err != nil || leftover {
		t.Errorf("scratch database %s left behind (%v)", pgHistoryDB, err)
	}
	checkPGBackend(t, dir, conn)
}

// checkPGEnv: DATABASE_URL in postgresql:// form, and the config does not
// name the database (fossamaint finds it in .env, as the application).
func checkPGEnv(t *testing.T, dir, url string) {
	t.Helper()
	env, err := os.ReadFile(filepath.Join(dir, "backend", ".env"))
	if err != nil {
		t.Fatal(err)
	}
	got, ok := config.DatabaseURLFromEnv(env)
	if !ok || !strings.HasPrefix(got, "postgresql://") || config.NormalizePostgresURL(got) != "postgresql://"+strings.TrimPrefix(url, "postgres://") {
		t.Errorf(".env DATABASE_URL = %q, want the postgresql:// form of %s", got, url)
	}
	cfg, err := config.Load(filepath.Join(dir, ConfigFile))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Database.URL != "" {
		t.Errorf("config names database.url %q: the demo must find DATABASE_URL in .env", cfg.Database.URL)
	}
	if !cfg.Database.Postgres.InstallExtensions {
		t.Error("the demo's own server should let check and stats install amcheck and pgstattuple")
	}
}

func checkPGBackups(t *testing.T, dir string) {
	t.Helper()
	daily, _ := filepath.Glob(filepath.Join(dir, "backups/daily/*/fossawork_v2.dump"))
	weekly, _ := filepath.Glob(filepath.Join(dir, "backups/weekly/fossawork_v2_full_*_*.dump"))
	if len(daily) != DailyBackups || len(weekly) != WeeklyBackups {
		t.Fatalf("%d daily, %d weekly dumps; want %d, %d", len(daily), len(weekly), DailyBackups, WeeklyBackups)
	}
	for _, p := range append(daily, weekly...) {
		data, err := os.ReadFile(p)
		if err != nil || !strings.HasPrefix(string(data), "PGDMP") {
			t.Errorf("%s is not a custom-format dump (%v)", p, err)
		}
	}
	var m Manifest
	data, err := os.ReadFile(filepath.Join(filepath.Dir(daily[0]), "manifest.json"))
	if err != nil || json.Unmarshal(data, &m) != nil {
		t.Fatalf("manifest of %s: %v", daily[0], err)
	}
	sum, size, _ := sha256File(daily[0])
	if m.Engine != "postgresql" || m.SHA256 != sum || m.Size != size || m.Tables["work_orders"] == 0 ||
		m.ServerVersion == "" || m.DumpVersion == "" || m.CheckResult != "ok" || m.PageSize != 0 {
		t.Errorf("manifest %+v (sha %s size %d)", m, sum, size)
	}
}

// checkPGBackend runs the backend on the installation's settings: it
// reads its database from .env and answers from PostgreSQL.
func checkPGBackend(t *testing.T, dir string, conn *pgx.Conn) {
	t.Helper()
	s, err := LoadSettings(dir)
	if err != nil {
		t.Fatal(err)
	}
	b, err := newBackend(s, fixedClock())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.close() })
	if b.sql.engine != "postgresql" {
		t.Fatalf("backend engine %q, want postgresql", b.sql.engine)
	}
	srv := httptest.NewServer(b.handler())
	t.Cleanup(srv.Close)
	if code, body := do(t, "GET", srv.URL+"/api/health", "", ""); code != 200 || !strings.Contains(body, `"database":"connected"`) {
		t.Errorf("health: %d %s", code, body)
	}
	var first string
	if err := conn.QueryRow(context.Background(), "SELECT id FROM work_orders ORDER BY id LIMIT 1 OFFSET 5").Scan(&first); err != nil {
		t.Fatal(err)
	}
	code, body := do(t, "GET", srv.URL+"/api/work-orders?limit=3&offset=5", "", "")
	var page struct {
		Items []map[string]any `json:"items"`
		Count int              `json:"count"`
	}
	if code != 200 || json.Unmarshal([]byte(body), &page) != nil || page.Count != 3 || page.Items[0]["id"] != first {
		t.Errorf("work orders: %d %s; want 3 items from %s", code, body, first)
	}
	if code, body := do(t, "GET", srv.URL+"/api/dispensers?limit=2", "", ""); code != 200 || !strings.Contains(body, `"count":2`) {
		t.Errorf("dispensers: %d %s", code, body)
	}
	for i, want := range []int{201, 409} {
		code, body := do(t, "POST", srv.URL+"/api/work-orders?id=pg-demo-1", "", "")
		if code != want {
			t.Errorf("create #%d: %d %s, want %d", i+1, code, body, want)
		}
	}
	var n int
	if err := conn.QueryRow(context.Background(), "SELECT count(*) FROM dispensers WHERE work_order_id = 'pg-demo-1'").Scan(&n); err != nil || n != 2 {
		t.Errorf("the created work order has %d dispensers (%v), want 2", n, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	f := newFaker(1, 9)
	for i := range 3 {
		if err := b.updateWorkOrder(ctx, f, i); err != nil {
			t.Errorf("writer's update: %v", err)
		}
	}
	if err := b.insertWorkOrder(ctx, f, fmt.Sprint(page.Items[0]["user_id"])); err != nil {
		t.Errorf("writer's insert: %v", err)
	}
}

func TestEnvDatabaseURL(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name, pgURL, wantEnv, wantBackend string
	}{
		{"sqlite", "", "sqlite:///./fossawork_v2.db", ""},
		{"postgres socket", "postgres://postgres@/fossawork_v2?host=%2Ftmp%2Fs&port=5432",
			"postgresql://postgres@/fossawork_v2?host=%2Ftmp%2Fs&port=5432", "postgresql://postgres@/fossawork_v2?host=%2Ftmp%2Fs&port=5432"},
		{"postgresql kept", "postgresql://u:pw@db:5432/app", "postgresql://u:pw@db:5432/app", "postgresql://u:pw@db:5432/app"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := envDatabaseURL(tc.pgURL); got != tc.wantEnv {
				t.Errorf("envDatabaseURL = %q, want %q", got, tc.wantEnv)
			}
			// The backend reads it back from the .env as the application would.
			root := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "-"))
			if err := os.MkdirAll(filepath.Join(root, "backend"), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := writeEnv(root, envDatabaseURL(tc.pgURL), testNow, newFaker(1, 6)); err != nil {
				t.Fatal(err)
			}
			got, err := config.PostgresURLFromEnvFile(filepath.Join(root, "backend", ".env"))
			if err != nil || got != tc.wantBackend {
				t.Errorf("PostgresURLFromEnvFile = %q, %v; want %q", got, err, tc.wantBackend)
			}
		})
	}
	if got, err := config.PostgresURLFromEnvFile(filepath.Join(dir, "missing", ".env")); got != "" || err != nil {
		t.Errorf("a missing .env: %q, %v; want SQLite", got, err)
	}
}
