package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/fossawork/fossamaint/internal/fleet"
	"github.com/fossawork/fossamaint/internal/history"
	"github.com/fossawork/fossamaint/internal/runbook"
	"github.com/fossawork/fossamaint/internal/testkit"
)

// fleetServer is a dashboard whose /fleet reads url.
func fleetServer(t *testing.T, url string, now time.Time) *fixture {
	t.Helper()
	f := newFixture(t, t.TempDir(), 0, now)
	db, err := fleet.Open(url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	s, err := New(Options{Installation: f.in, Now: func() time.Time { return now }, Version: "test", Fleet: db.View})
	if err != nil {
		t.Fatal(err)
	}
	f.s, f.srv = s, httptest.NewServer(s.Handler())
	t.Cleanup(f.srv.Close)
	return f
}

// FleetSite is an installation plantFleet synced: its id, the state
// the fleet view gives it, and how many weekly runs it holds.
type FleetSite struct {
	ID    string
	State string
	Runs  int
}

// fleetNow is when the planted fleet is looked at: after every planted
// run, before any next window ends.
var fleetNow = plantStart.AddDate(0, 0, 7*5)

// plantFleet syncs n installations into the fleet database at url, site-i
// with 3+i planted weekly runs (its last, run 2+i, gives its state),
// through fleet.Sync as installations do.
func plantFleet(t testing.TB, url string, n int) []FleetSite {
	t.Helper()
	ctx := context.Background()
	var sites []FleetSite
	for i := range n {
		state := filepath.Join(t.TempDir(), "state")
		testkit.PlantRuns(t, state, 3+i, plantStart)
		store, err := history.Open(ctx, state, time.Now)
		if err != nil {
			t.Fatal(err)
		}
		id := fmt.Sprintf("site-%d", i)
		// Seen at its last run's end (an hour after its start).
		seen := plantStart.AddDate(0, 0, 7*(2+i)).Add(time.Hour)
		_, err = fleet.Sync(ctx, store, fleet.SyncOptions{URL: url, Timeout: 20 * time.Second, Now: func() time.Time { return seen },
			Installation: fleet.Installation{ID: id, Host: "h", Version: "test", Window: "Sat 02:00", Zone: "UTC",
				NextWindow: runbook.Span{Start: plantStart.AddDate(0, 0, 70), End: plantStart.AddDate(0, 0, 70).Add(2 * time.Hour)}}})
		store.Close()
		if err != nil {
			t.Fatal(err)
		}
		sites = append(sites, FleetSite{ID: id, State: string(testkit.PlantedStatuses[2+i]), Runs: 3 + i})
	}
	return sites
}

// TestFleetPage: three installations synced to a real PostgreSQL are
// listed side by side with their last run, state and trends; the JSON is
// the same view; an unreachable database is said on the page (503).
func TestFleetPage(t *testing.T) {
	c := testkit.Postgres(t)
	url := testkit.PostgresDB(t, c, "fleet")
	ctx := context.Background()
	sites := plantFleet(t, url, 3)
	now := fleetNow
	f := fleetServer(t, url, now)
	code, body := f.get(t, "/fleet")
	if code != http.StatusOK {
		t.Fatalf("GET /fleet: %d\n%s", code, body)
	}
	rows := regexp.MustCompile(`<tr data-installation="(site-\d)" data-state="(\w+)">`).FindAllStringSubmatch(body, -1)
	if len(rows) != 3 {
		t.Fatalf("/fleet lists %d installations, want 3:\n%s", len(rows), body)
	}
	for i, r := range rows {
		if r[1] != sites[i].ID || r[2] != sites[i].State {
			t.Errorf("row %d: %s %s, want %s %s", i, r[1], r[2], sites[i].ID, sites[i].State)
		}
	}
	if n := strings.Count(body, `<svg class="spark"`); n != 3*len(fleet.TrendMeasures) {
		t.Errorf("%d trend lines, want %d", n, 3*len(fleet.TrendMeasures))
	}
	if !strings.Contains(body, `href="/fleet" aria-current="page"`) {
		t.Error("no current Fleet entry in the navigation")
	}
	code, body = f.get(t, "/api/fleet?weeks=26")
	var v fleet.View
	if err := json.Unmarshal([]byte(body), &v); code != http.StatusOK || err != nil || len(v.Installations) != 3 || v.Weeks != 26 {
		t.Errorf("GET /api/fleet: %d, %v, %+v", code, err, v)
	}
	if code, _ := f.get(t, "/fleet?weeks=x"); code != http.StatusBadRequest {
		t.Errorf("GET /fleet?weeks=x: %d, want 400", code)
	}

	// The central database stops: the page says so, the others work.
	if err := c.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	defer c.Start(ctx)
	down := fleetServer(t, url, now)
	code, body = down.get(t, "/fleet")
	if code != http.StatusServiceUnavailable || !strings.Contains(body, "The fleet database cannot be read") {
		t.Errorf("GET /fleet with the database down: %d\n%s", code, body)
	}
	if code, _ := down.get(t, "/api/fleet"); code != http.StatusServiceUnavailable {
		t.Errorf("GET /api/fleet with the database down: %d, want 503", code)
	}
	if code, _ := down.get(t, "/"); code != http.StatusOK {
		t.Errorf("GET / with the fleet database down: %d, want 200", code)
	}
}

// TestNoFleetWithoutURL: without a reader there is no /fleet and no nav
// entry.
func TestNoFleetWithoutURL(t *testing.T) {
	f := newFixture(t, t.TempDir(), 0, plantStart)
	if code, _ := f.get(t, "/fleet"); code != http.StatusNotFound {
		t.Errorf("GET /fleet without history.url: %d, want 404", code)
	}
	if _, body := f.get(t, "/"); strings.Contains(body, `href="/fleet"`) {
		t.Error("a Fleet entry without history.url")
	}
}

func TestSeenAgo(t *testing.T) {
	for _, c := range []struct {
		d    time.Duration
		want string
	}{{3 * 24 * time.Hour, "3 days ago"}, {-time.Minute, "in the future"}} {
		if got := seenAgo(c.d); got != c.want {
			t.Errorf("seenAgo(%s) = %q, want %q", c.d, got, c.want)
		}
	}
}
