package fleet_test

import (
	"context"
	"testing"
	"time"

	"github.com/fossawork/fossamaint/internal/fleet"
	"github.com/fossawork/fossamaint/internal/testkit"
)

// TestViewStates: an installation that synced but never ran is "never";
// one whose reported next window ended without a run is "overdue"; a
// database nothing synced to yet is an empty fleet, not an error.
func TestViewStates(t *testing.T) {
	c := testkit.Postgres(t)
	url := testkit.PostgresDB(t, c, "fleet")
	db, err := fleet.Open(url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	v, err := db.View(ctx, epoch, 12)
	if err != nil || len(v.Installations) != 0 || v.SchemaVersion != 0 {
		t.Fatalf("empty database: %+v, %v; want no installations", v, err)
	}
	idle, ran := newSite(t, "a-idle"), newSite(t, "b-ran")
	ran.record(t)
	for _, s := range []*site{idle, ran} {
		if _, err := s.sync(t, url); err != nil {
			t.Fatal(err)
		}
	}
	next := ran.options(url).Installation.NextWindow
	for _, tc := range []struct {
		at        time.Time
		idle, ran string
	}{
		{next.Start.Add(-time.Hour), fleet.StateNever, "ok"},
		{next.End.Add(time.Minute), fleet.StateOverdue, fleet.StateOverdue},
	} {
		v, err := db.View(ctx, tc.at, 12)
		if err != nil {
			t.Fatal(err)
		}
		if len(v.Installations) != 2 || v.Installations[0].State != tc.idle || v.Installations[1].State != tc.ran {
			t.Errorf("at %s: %+v; want states %s, %s", tc.at, v.Installations, tc.idle, tc.ran)
		}
	}
}
