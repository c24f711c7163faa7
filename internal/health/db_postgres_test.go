package health

import (
	"context"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/fossawork/fossamaint/internal/testkit"
)

// ProbePostgres on a real server: an empty database, a missing one, one
// with a table, and an unreachable server whose URL holds a password.
func TestProbePostgres(t *testing.T) {
	c := testkit.Postgres(t)
	ctx := context.Background()
	empty := testkit.PostgresDB(t, c, "empty")
	full := testkit.PostgresDB(t, c, "full")
	if p, err := ProbePostgres(ctx, empty); err == nil || !strings.Contains(err.Error(), "no tables") || !p.Exists {
		t.Errorf("empty database: %+v, %v", p, err)
	}
	if p, err := ProbePostgres(ctx, c.URL("nothere")); err == nil || !strings.Contains(err.Error(), "does not exist") || p.Exists {
		t.Errorf("missing database: %+v, %v", p, err)
	}
	conn, err := pgx.Connect(ctx, full)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, "CREATE TABLE work_orders (id int)"); err != nil {
		t.Fatal(err)
	}
	conn.Close(ctx)
	if p, err := ProbePostgres(ctx, full); err != nil || p.Objects != 1 || p.Latency <= 0 {
		t.Errorf("database with a table: %+v, %v", p, err)
	}
	if _, err := ProbePostgres(ctx, "postgres://u:s3cretpw@/x?host=/nonexistent"); err == nil || strings.Contains(err.Error(), "s3cretpw") {
		t.Errorf("unreachable: %v (the password must not show)", err)
	}
}
