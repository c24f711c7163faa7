package testkit

import (
	"context"
	"testing"

	"github.com/fossawork/fossamaint/internal/pgdb"
)

func TestPostgresCluster(t *testing.T) {
	c := Postgres(t)
	u := PostgresDB(t, c, "fossawork")
	ctx := context.Background()
	db, err := pgdb.Open(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if db.Name != "fossawork" || db.Major < 10 {
		t.Fatalf("opened %q, server %s", db.Name, db.Version)
	}
	var listen string
	if err := db.Conn().QueryRow(ctx, "SHOW listen_addresses").Scan(&listen); err != nil || listen != "" {
		t.Fatalf("listen_addresses %q (%v): the test server must not listen on TCP", listen, err)
	}
	tools, err := pgdb.FindTools(ctx, "", db.Major)
	if err != nil || tools.Major < db.Major {
		t.Fatalf("tools %+v: %v", tools, err)
	}
}
