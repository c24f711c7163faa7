package testkit

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/fossawork/fossamaint/internal/pgdb"
)

// Postgres starts a private PostgreSQL server for t (initdb and pg_ctl
// from Debian's postgresql package, socket only, no TCP; as the postgres
// or nobody user when the test runs as root) and stops it when t ends.
// fsync is off: the tests that damage files stop the server first. It
// skips when the server programs are not installed, and fails when CI is
// set (.ci/run installs them).
func Postgres(t testing.TB) *pgdb.Cluster {
	t.Helper()
	bin, err := pgdb.ServerBin()
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("CI is set but PostgreSQL is missing (.ci/run installs it: apt-get install -y postgresql): %v", err)
		}
		t.Skipf("PostgreSQL server not installed (apt-get install -y postgresql): %v", err)
	}
	// Not t.TempDir: its 0700 parent would keep the server's user out.
	dir, err := os.MkdirTemp("", "fossamaint-pgtest-")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o711); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c, err := pgdb.StartCluster(ctx, pgdb.ClusterOptions{Dir: dir + "/cluster", Bin: bin,
		Settings: []string{"fsync = off", "synchronous_commit = off", "full_page_writes = off"}})
	if err != nil {
		t.Fatalf("starting PostgreSQL: %v", err)
	}
	t.Cleanup(func() {
		if err := c.Close(); err != nil {
			t.Errorf("stopping PostgreSQL: %v", err)
		}
	})
	return c
}

// PostgresDB makes database name in c and returns its URL.
func PostgresDB(t testing.TB, c *pgdb.Cluster, name string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := c.CreateDatabase(ctx, name); err != nil {
		t.Fatal(err)
	}
	return c.URL(name)
}
