package web_test

import (
	"fmt"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fossawork/fossamaint/internal/fleet"
	"github.com/fossawork/fossamaint/internal/testkit"
	"github.com/fossawork/fossamaint/internal/web"
)

// TestFleetPageInChromium loads /fleet over a real fleet database holding
// three synced installations, at a laptop's and a phone's width: the
// table lists each installation with its state, every trend cell holds
// a drawn SVG line with a point per run, nothing goes to the console
// (a CSP violation by the inline SVG included), and the page does not
// scroll sideways.
func TestFleetPageInChromium(t *testing.T) {
	ctx := testkit.Chromium(t, time.Minute)
	c := testkit.Postgres(t)
	url := testkit.PostgresDB(t, c, "fleet")
	sites := web.PlantFleet(t, url, 3)
	db, err := fleet.Open(url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	d := plantDash(t, "", 1, web.FleetNow)
	srv := httptest.NewServer(d.server(t, web.Options{Fleet: db.View}).Handler())
	t.Cleanup(srv.Close)
	b := &browserRun{ctx: ctx, base: srv.URL, shots: shotDirs(t)}
	tab := b.newTab(t)
	for _, vp := range viewports {
		tab.load(t, b.base+"/fleet", vp.width, vp.height, vp.mobile)
		if vp.name == "laptop" {
			checkFleet(t, tab, sites)
		}
		checkLayout(t, tab.ctx, vp.width)
		b.shoot(t, tab.ctx, "fleet-"+vp.name)
	}
	tab.noConsoleErrors(t)
}

// checkFleet: table#fleet has a row per installation, in order, with its
// state as data-state and as the badge's text, when it was last seen
// (days before the page's clock), and each of its trend
// cells holds an svg.spark that the browser laid out, whose polyline
// has a point per weekly run.
func checkFleet(t *testing.T, tb *tab, sites []web.FleetSite) {
	t.Helper()
	type row struct {
		ID     string  `json:"id"`
		State  string  `json:"state"`
		Badge  string  `json:"badge"`
		Seen   string  `json:"seen"`
		Sparks [][]int `json:"sparks"` // width, height, points
	}
	rows := js[[]row](t, tb.ctx, `[...document.querySelectorAll("table#fleet tbody tr")].map(r => ({
		id: r.dataset.installation, state: r.dataset.state, badge: r.querySelector(".badge")?.textContent.trim() ?? "",
		seen: r.querySelector("td.seen")?.firstChild?.textContent.trim() ?? "",
		sparks: [...r.querySelectorAll("td.trend")].map(td => {
			const svg = td.querySelector("svg.spark"), line = svg?.querySelector("polyline"), box = svg?.getBoundingClientRect();
			return svg && line ? [Math.round(box.width), Math.round(box.height), line.points.numberOfItems] : [0, 0, 0];
		})}))`)
	var got, want []string
	for _, r := range rows {
		got = append(got, r.ID+" "+r.State+" "+r.Badge)
	}
	for _, s := range sites {
		want = append(want, s.ID+" "+s.State+" "+s.State)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("table#fleet rows (id, data-state, badge):\n got %q\nwant %q", got, want)
	}
	for i, r := range rows {
		if !strings.HasSuffix(r.Seen, " days ago") {
			t.Errorf("%s: last seen %q, want N days ago", r.ID, r.Seen)
		}
		if len(r.Sparks) != len(fleet.TrendMeasures) {
			t.Errorf("%s: %d trend cells, want %d", r.ID, len(r.Sparks), len(fleet.TrendMeasures))
		}
		var bad []string
		for j, s := range r.Sparks {
			if s[0] < 50 || s[1] < 10 || s[2] != sites[i].Runs {
				bad = append(bad, fmt.Sprintf("%s: %d × %d px, %d points", fleet.TrendMeasures[j], s[0], s[1], s[2]))
			}
		}
		if len(bad) > 0 {
			t.Errorf("%s: trend lines not drawn with its %d runs: %s", r.ID, sites[i].Runs, strings.Join(bad, "; "))
		}
	}
}
