package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"strings"
	"time"

	"github.com/fossawork/fossamaint/internal/fleet"
	"github.com/fossawork/fossamaint/internal/history"
	"github.com/fossawork/fossamaint/internal/human"
)

// The fleet page (/fleet, /api/fleet): with history.url, every
// installation of the central database side by side. The CLI hands the
// reader (Options.Fleet); each request reads with a short timeout, and a
// central database that cannot be reached is said on the page (HTTP 503),
// while the other pages, which read the local history, keep working.

// FleetReader reads the fleet view at now with weeks of trends.
type FleetReader func(ctx context.Context, now time.Time, weeks int) (*fleet.View, error)

// fleetTimeout bounds one read of the central database by a page.
const fleetTimeout = 5 * time.Second

type fleetView struct {
	Weeks    int
	Ranges   []int
	Error    string
	Measures []string
	Rows     []fleetRow
	Count    int
}

type fleetRow struct {
	ID, Host, Version, Window         string
	State, StateClass                 string
	LastRun, LastStarted, Downtime    string
	Critical, Warning, Info           int
	HasLast                           bool
	NextWindow, LastSeen, LastSeenAgo string
	Runs                              int
	Trends                            []fleetTrend
}

type fleetTrend struct {
	Label, Last string
	SVG         template.HTML
}

// readFleet reads the fleet view for a request of ?weeks=.
func (s *Server) readFleet(r *http.Request) (*fleet.View, int, error) {
	n, err := parseWeeks(r.URL.Query().Get("weeks"))
	if err != nil {
		return nil, http.StatusBadRequest, err
	}
	ctx, cancel := context.WithTimeout(r.Context(), fleetTimeout)
	defer cancel()
	v, err := s.o.Fleet(ctx, s.o.Now(), n)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			err = fmt.Errorf("%w (no answer within %s)", err, fleetTimeout)
		}
		return nil, http.StatusServiceUnavailable, err
	}
	return v, http.StatusOK, nil
}

// fleetPage is GET /fleet.
func (s *Server) fleetPage(w http.ResponseWriter, r *http.Request) {
	v, code, err := s.readFleet(r)
	page := fleetView{Ranges: weekRanges, Weeks: defaultWeeks}
	if err != nil {
		if code == http.StatusBadRequest {
			http.Error(w, err.Error(), code)
			return
		}
		page.Error = fmt.Sprintf("The fleet database cannot be read: %v. The other pages read this installation's own history and still work.", err)
		w.WriteHeader(code)
		s.render(w, r, "fleet.html", "Fleet", "fleet", page)
		return
	}
	loc := s.zone()
	page.Weeks, page.Count = v.Weeks, len(v.Installations)
	for _, m := range v.Measures {
		page.Measures = append(page.Measures, measureLabel(m))
	}
	for _, in := range v.Installations {
		page.Rows = append(page.Rows, fleetRowOf(in, v, loc))
	}
	s.render(w, r, "fleet.html", "Fleet", "fleet", page)
}

func fleetRowOf(in fleet.Row, v *fleet.View, loc *time.Location) fleetRow {
	row := fleetRow{ID: in.ID, Host: in.Host, Version: in.Version, Window: in.Window, State: in.State,
		StateClass: "status-" + in.State, Runs: in.Runs, NextWindow: "-",
		LastSeen: in.LastSeen.In(loc).Format(timeLayout), LastSeenAgo: seenAgo(v.At.Sub(in.LastSeen))}
	if l := in.Last; l != nil {
		row.HasLast, row.LastRun, row.LastStarted = true, l.ID, l.StartedAt.In(loc).Format(timeLayout)
		row.Downtime = human.DurationSeconds(l.Downtime)
		row.Critical, row.Warning, row.Info = l.Critical, l.Warning, l.Info
	}
	if in.NextWindow != nil {
		row.NextWindow = in.NextWindow.Start.In(loc).Format(timeLayout)
	}
	for _, m := range v.Measures {
		pts := in.Trends[m]
		t := fleetTrend{Label: measureLabel(m), Last: "-"}
		if len(pts) > 0 {
			t.Last = formatValue(pts[len(pts)-1].Value, history.Unit(m))
			t.SVG = sparkSVG(pts, t.Label)
		}
		row.Trends = append(row.Trends, t)
	}
	return row
}

// seenAgo is how long ago an installation was last seen: "3 days ago",
// or "in the future" when its clock is ahead of this one's.
func seenAgo(d time.Duration) string {
	if d < 0 {
		return human.Age(d)
	}
	return human.Age(d) + " ago"
}

// measureLabel names a trend measure for people.
func measureLabel(m string) string {
	switch m {
	case history.MeasureDatabaseSize:
		return "database size"
	case history.MeasureErrors:
		return "errors"
	case history.MeasureFailedLogins:
		return "failed logins"
	case history.MeasureDowntime:
		return "downtime"
	}
	return m
}

// sparkSVG is a small line of the points, scaled between their minimum
// and maximum: numbers only, built here, so it is safe markup.
func sparkSVG(pts []fleet.Point, label string) template.HTML {
	const w, h = 96.0, 20.0
	lo, hi := pts[0].Value, pts[0].Value
	for _, p := range pts {
		lo, hi = min(lo, p.Value), max(hi, p.Value)
	}
	var b strings.Builder
	for i, p := range pts {
		x := w / 2
		if len(pts) > 1 {
			x = float64(i) * w / float64(len(pts)-1)
		}
		y := h / 2
		if hi > lo {
			y = h - 2 - (p.Value-lo)/(hi-lo)*(h-4)
		}
		fmt.Fprintf(&b, "%.1f,%.1f ", x, y)
	}
	return template.HTML(fmt.Sprintf(`<svg class="spark" viewBox="0 0 %.0f %.0f" width="%.0f" height="%.0f" role="img" aria-label="%s, %d runs"><polyline points="%s" fill="none" stroke="currentColor" stroke-width="1.5"/></svg>`,
		w, h, w, h, template.HTMLEscapeString(label), len(pts), strings.TrimSpace(b.String())))
}

// fleetAPI is GET /api/fleet: the view as `fleet status --json` prints it.
func (s *Server) fleetAPI(w http.ResponseWriter, r *http.Request) {
	v, code, err := s.readFleet(r)
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if err != nil {
		w.WriteHeader(code)
		_ = json.NewEncoder(w).Encode(map[string]string{"error": err.Error()})
		return
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}
