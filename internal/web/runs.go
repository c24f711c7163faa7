package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/fossawork/fossamaint/internal/history"
	"github.com/fossawork/fossamaint/internal/human"
)

// pageSize is the number of runs a page of the run list shows (two years
// of weekly runs): rendering is what costs, not reading the history.
var pageSize = 100 // a variable for the paging test

// statuses are the run statuses the filter offers, with their labels.
var statuses = []struct{ value, label string }{
	{"ok", "ok"}, {"warn", "warn"}, {"fail", "fail"}, {"rolled_back", "rolled back"}, {"running", "running"},
}

// statusClass keeps a badge's class to the stylesheet's set, whatever a
// status says.
func statusClass(status string) string {
	for _, s := range statuses {
		if s.value == status {
			return "status-" + status
		}
	}
	return "status-other"
}

type option struct {
	Value, Label string
	Selected     bool
}

type runsView struct {
	Statuses []option
	All      bool
	Query    string
	// Filtered: a filter is set (the page offers to clear it).
	Filtered bool
	Rows     []runRow
	// NoHistory: there is no run at all yet.
	NoHistory bool
	Error     string
	// Total runs the filters select, on Pages pages; Newer and Older
	// link to the pages beside this one ("" : none).
	Total, Page, Pages, First, Last int
	Newer, Older                    string
}

type runRow struct {
	ID, Href, Command, Status, StatusClass string
	Started, StartedISO                    string
	Duration, Downtime                     string
	Critical, Warning, Info                int
	Note                                   string
}

// runsPage is GET /: every run, newest first, filtered by the form's
// status, command (weekly or all) and q (part of the run id).
func (s *Server) runsPage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := history.RunFilter{Status: q.Get("status"), All: q.Get("command") == "all", Query: strings.TrimSpace(q.Get("q")), Limit: pageSize}
	v := runsView{All: f.All, Query: f.Query, Filtered: f.Status != "" || f.All || f.Query != "", Page: 1}
	if p, err := strconv.Atoi(q.Get("page")); err == nil && p > 1 {
		v.Page = p
	}
	f.Offset = (v.Page - 1) * pageSize
	for _, st := range statuses {
		v.Statuses = append(v.Statuses, option{Value: st.value, Label: st.label, Selected: st.value == f.Status})
	}
	store, err := s.history(r.Context())
	switch {
	case err != nil:
		v.Error = err.Error()
	case store == nil:
		v.NoHistory = true
	default:
		rows, err := store.Runs(r.Context(), f)
		if err == nil {
			v.Total, err = store.CountRuns(r.Context(), f)
		}
		if err != nil {
			v.Error = err.Error()
			break
		}
		v.paging(r.URL.Query(), len(rows))
		loc := s.zone()
		for _, row := range rows {
			v.Rows = append(v.Rows, s.runRow(row, loc))
		}
		if v.Total == 0 && !v.Filtered {
			v.NoHistory = true
		}
	}
	s.render(w, r, "runs.html", "Runs", "runs", v)
}

// paging fills the page counts and the links to the pages beside this
// one, keeping the filters.
func (v *runsView) paging(q url.Values, shown int) {
	v.Pages = max((v.Total+pageSize-1)/pageSize, 1)
	v.First, v.Last = (v.Page-1)*pageSize+1, (v.Page-1)*pageSize+shown
	link := func(page int) string {
		q.Set("page", strconv.Itoa(page))
		if page == 1 {
			q.Del("page")
		}
		if len(q) == 0 {
			return "/"
		}
		return "/?" + q.Encode()
	}
	if v.Page > 1 {
		v.Newer = link(min(v.Page-1, v.Pages))
	}
	if v.Page < v.Pages {
		v.Older = link(v.Page + 1)
	}
}

func (s *Server) runRow(row history.RunRow, loc *time.Location) runRow {
	out := runRow{ID: row.ID, Href: "/runs/" + url.PathEscape(row.ID), Command: row.Command, Status: row.Status,
		StatusClass: statusClass(row.Status), Started: row.StartedAt.In(loc).Format(timeLayout),
		StartedISO: row.StartedAt.UTC().Format(time.RFC3339), Duration: "—", Downtime: "—",
		Critical: row.Critical, Warning: row.Warning, Info: row.Info}
	if d := row.Duration(); d > 0 {
		out.Duration = human.Duration(d)
	} else if row.Status == "running" {
		out.Duration = "running"
	}
	if row.Downtime > 0 {
		out.Downtime = human.DurationSeconds(row.Downtime)
	}
	var notes []string
	if row.Partial {
		notes = append(notes, "some phases only")
	}
	if row.DryRun {
		notes = append(notes, "dry run")
	}
	if row.Future {
		notes = append(notes, "started after the clock (--now)")
	}
	out.Note = strings.Join(notes, ", ")
	return out
}

// errorView is the error page's data.
type errorView struct {
	Message string
	// Back is a link to go on from ("" : the run list).
	Back string
}

// fail answers code with the error page.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, code int, format string, a ...any) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(code)
	s.render(w, r, "error.html", http.StatusText(code), "", errorView{Message: fmt.Sprintf(format, a...), Back: "/"})
}
