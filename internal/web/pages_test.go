package web

import (
	"context"
	"flag"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/fossawork/fossamaint/internal/backup"
	"github.com/fossawork/fossamaint/internal/history"
	"github.com/fossawork/fossamaint/internal/install"
	"github.com/fossawork/fossamaint/internal/runbook"
	"github.com/fossawork/fossamaint/internal/testkit"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata")

// plantStart is a Saturday 02:00 in Chicago (CDT): the window's start.
var plantStart = time.Date(2026, 9, 5, 7, 0, 0, 0, time.UTC)

func chicago(t testing.TB) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("America/Chicago")
	if err != nil {
		t.Skip("no tzdata:", err)
	}
	return loc
}

// fixture is a dashboard over an installation under a temp root: its
// history (state/) with n planted weekly runs, its backups (backups/).
type fixture struct {
	root, state string
	ids         []string
	in          *install.Installation
	s           *Server
	srv         *httptest.Server
}

func newFixture(t testing.TB, root string, n int, now time.Time) *fixture {
	t.Helper()
	f := &fixture{root: root, state: filepath.Join(root, "state")}
	if n > 0 {
		f.ids = testkit.PlantRuns(t, f.state, n, plantStart)
	}
	loc := chicago(t)
	f.in = &install.Installation{Root: root, StateDir: f.state, Zone: loc,
		Window: runbook.Window{Weekday: time.Saturday, Hour: 2, Duration: 2 * time.Hour, Location: loc},
		Backups: install.Backups{Dir: filepath.Join(root, "backups"), Layout: backup.Layout{
			DailyDir: filepath.Join(root, "backups", "daily"), WeeklyDir: filepath.Join(root, "backups", "weekly")}}}
	s, err := New(Options{Installation: f.in, Now: func() time.Time { return now }, Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	f.s = s
	f.srv = httptest.NewServer(s.Handler())
	t.Cleanup(func() { f.srv.Close(); s.Close() })
	return f
}

func (f *fixture) get(t testing.TB, path string) (int, string) {
	t.Helper()
	res, err := http.Get(f.srv.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, string(b)
}

// afterRuns is a clock a day after the n-th planted run.
func afterRuns(n int) time.Time { return plantStart.AddDate(0, 0, 7*(n-1)+1) }

var rowRE = regexp.MustCompile(`<tr data-run-id="([^"]+)" data-status="([^"]+)">`)

func runRows(body string) []string {
	var out []string
	for _, m := range rowRE.FindAllStringSubmatch(body, -1) {
		out = append(out, m[1]+" "+m[2])
	}
	return out
}

func TestRunsPageAndFilters(t *testing.T) {
	f := newFixture(t, t.TempDir(), 8, afterRuns(8))
	w, err := history.Open(context.Background(), f.state, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	prune := &runbook.Run{RunID: "prune-1", Command: runbook.CommandPrune, StartedAt: afterRuns(8).Add(-time.Hour), Status: runbook.RunOK}
	if err := w.RunFinished(context.Background(), prune); err != nil {
		t.Fatal(err)
	}
	w.Close()
	id := func(i int) string { return f.ids[i] }
	tests := []struct {
		query string
		want  []string
	}{
		{"", []string{id(7) + " ok", id(6) + " rolled_back", id(5) + " warn", id(4) + " ok", id(3) + " fail", id(2) + " ok", id(1) + " warn", id(0) + " ok"}},
		{"?status=fail", []string{id(3) + " fail"}},
		{"?status=warn&command=weekly", []string{id(5) + " warn", id(1) + " warn"}},
		{"?command=all&status=ok", []string{"prune-1 ok", id(7) + " ok", id(4) + " ok", id(2) + " ok", id(0) + " ok"}},
		{"?q=" + strings.ToLower(id(6)[:12]), []string{id(6) + " rolled_back"}},
		{"?q=nothing-like-it", nil},
	}
	for _, tt := range tests {
		code, body := f.get(t, "/"+tt.query)
		got := runRows(body)
		if code != http.StatusOK || strings.Join(got, ",") != strings.Join(tt.want, ",") {
			t.Errorf("GET /%s: %d %v, want %v", tt.query, code, got, tt.want)
		}
		if !strings.Contains(body, `<form id="run-filters"`) {
			t.Errorf("GET /%s: no filter form", tt.query)
		}
		if tt.want == nil && !strings.Contains(body, `id="no-match"`) {
			t.Errorf("GET /%s: no 'no match' paragraph", tt.query)
		}
	}
	_, body := f.get(t, "/?status=fail")
	if !strings.Contains(body, `<a href="/runs/`+id(3)+`">`) || !strings.Contains(body, `<span class="sev sev-critical" title="critical">1</span>`) {
		t.Errorf("the failed run's row lacks its link or its critical finding:\n%s", body)
	}
}

func TestRunsPagePaging(t *testing.T) {
	defer func(n int) { pageSize = n }(pageSize)
	pageSize = 3
	f := newFixture(t, t.TempDir(), 7, afterRuns(7))
	id := func(i int) string { return f.ids[i] }
	tests := []struct {
		query        string
		want         []string
		newer, older string
	}{
		{"", []string{id(6), id(5), id(4)}, "", "/?page=2"},
		{"?page=2", []string{id(3), id(2), id(1)}, "/", "/?page=3"},
		{"?page=3", []string{id(0)}, "/?page=2", ""},
		{"?status=ok", []string{id(4), id(2), id(0)}, "", ""},
		{"?page=2&q=2026", []string{id(3), id(2), id(1)}, "/?q=2026", "/?page=3&amp;q=2026"},
	}
	for _, tt := range tests {
		_, body := f.get(t, "/"+tt.query)
		var got []string
		for _, r := range runRows(body) {
			got = append(got, strings.Fields(r)[0])
		}
		if strings.Join(got, " ") != strings.Join(tt.want, " ") {
			t.Errorf("GET /%s: %v, want %v", tt.query, got, tt.want)
		}
		if tt.newer != "" && !strings.Contains(body, `<a href="`+tt.newer+`" rel="prev">`) || tt.newer == "" && strings.Contains(body, `rel="prev"`) {
			t.Errorf("GET /%s: the newer page's link is not %q", tt.query, tt.newer)
		}
		if tt.older != "" && !strings.Contains(body, `<a href="`+tt.older+`" rel="next">`) || tt.older == "" && strings.Contains(body, `rel="next"`) {
			t.Errorf("GET /%s: the older page's link is not %q", tt.query, tt.older)
		}
	}
	if _, body := f.get(t, "/?page=9"); !strings.Contains(body, "There is no page 9.") {
		t.Error("a page past the end says nothing")
	}
}

// No history when the dashboard starts: the page says so, and shows the
// runs once a weekly run wrote them, without a restart.
func TestRunsPagePicksUpANewHistory(t *testing.T) {
	f := newFixture(t, t.TempDir(), 0, afterRuns(2))
	for _, path := range []string{"/", "/now", "/backups"} {
		if code, body := f.get(t, path); code != http.StatusOK || strings.Contains(body, `class="error"`) {
			t.Errorf("GET %s without a history: %d\n%s", path, code, body)
		}
	}
	if _, body := f.get(t, "/"); !strings.Contains(body, `<p id="no-runs">`) {
		t.Errorf("empty history: no #no-runs:\n%s", body)
	}
	ids := testkit.PlantRuns(t, f.state, 2, plantStart)
	if _, body := f.get(t, "/"); len(runRows(body)) != 2 || !strings.Contains(body, ids[1]) {
		t.Errorf("the new history is not shown: %v", runRows(body))
	}
}

func TestRunsPageGolden(t *testing.T) {
	f := newFixture(t, "/nonexistent-root", 0, afterRuns(4))
	f.state = filepath.Join(t.TempDir(), "state")
	f.in.StateDir = f.state
	testkit.PlantRuns(t, f.state, 4, plantStart)
	_, body := f.get(t, "/")
	checkGolden(t, "runs.golden.html", body)
}
