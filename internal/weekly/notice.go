package weekly

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/fossawork/fossamaint/internal/history"
	"github.com/fossawork/fossamaint/internal/human"
	"github.com/fossawork/fossamaint/internal/install"
	"github.com/fossawork/fossamaint/internal/notify"
	"github.com/fossawork/fossamaint/internal/runbook"
	"github.com/fossawork/fossamaint/internal/sqlitedb"
)

// downtimeRuns is how many past runs the notice's expected downtime is
// taken from.
const downtimeRuns = 8

// Notice is the stakeholder notice (the seed's Friday "notify stakeholders
// 24 hours in advance"): the next window, what will run, the expected
// downtime and the rollback plan. It lives here, beside the plan it
// describes, because it is read from the plan, the history and the
// database as a run would read them.
type Notice struct {
	Host        string    `json:"host"`
	Root        string    `json:"root"`
	WindowStart time.Time `json:"window_start"`
	WindowEnd   time.Time `json:"window_end"`
	Zone        string    `json:"zone"`
	// Cancelled says that the calendar's next window does not open (a
	// blackout date), when it does not: the notice then announces a later
	// window, and says so.
	Cancelled string `json:"cancelled,omitempty"`
	// Phases are what will run, in order.
	Phases []NoticePhase `json:"phases"`
	// SkippedByConfig are the parts the configuration turns off.
	SkippedByConfig []string `json:"skipped_by_config"`
	Downtime        Expected `json:"expected_downtime"`
	Vacuum          Vacuum   `json:"vacuum"`
	Updates         string   `json:"updates"`
	Rollback        []string `json:"rollback_plan"`
}

// NoticePhase is one phase of the plan.
type NoticePhase struct {
	Name  string   `json:"name"`
	Title string   `json:"title"`
	Steps []string `json:"steps"`
}

// Expected is the downtime past runs measured (downtime_seconds).
type Expected struct {
	// Runs is how many runs it is taken from (0: none yet).
	Runs   int           `json:"runs"`
	Median human.Seconds `json:"median_seconds"`
	Worst  human.Seconds `json:"worst_seconds"`
	// Note says why there is no figure, or that nothing is stopped.
	Note string `json:"note,omitempty"`
}

// Vacuum is whether the database phase will VACUUM, from the current
// fragmentation, and why.
type Vacuum struct {
	Expected bool   `json:"expected"`
	Reason   string `json:"reason"`
}

// Notice builds the notice of the next window after the clock's now.
func (p *Procedure) Notice(ctx context.Context) (*Notice, error) {
	in := p.in
	now := p.d.Now()
	span := in.Window.Next(now)
	loc := in.Window.Location
	host, _ := os.Hostname()
	n := &Notice{Host: host, Root: in.Root, WindowStart: span.Start.In(loc), WindowEnd: span.End.In(loc), Zone: loc.String(),
		SkippedByConfig: p.skippedByConfig(), Vacuum: p.expectVacuum(ctx),
		Updates: noticeUpdates(in.UpdatePolicies)}
	n.Cancelled = cancelled(in.Window, now, span)
	for _, ph := range p.plan(PhaseNames, runInputs{}).Phases {
		np := NoticePhase{Name: ph.Name, Title: ph.Title}
		for _, st := range ph.Steps {
			np.Steps = append(np.Steps, st.Name)
		}
		n.Phases = append(n.Phases, np)
	}
	var err error
	if n.Downtime, err = p.expectDowntime(ctx); err != nil {
		return nil, err
	}
	n.Rollback = []string{
		"before any change, an online verified backup of the database is taken (rollback point A, " + in.Backups.Layout.WeeklyDir + ")",
		"the database swap keeps the original file (rollback point B, " + in.Backups.Layout.MaintenanceDir + "); any failure after the service stops restores it, restarts the service and checks it",
		"afterwards, `fossamaint rollback` restores the run's rollback point and its .env snapshot, starts the services and probes the endpoints",
	}
	switch o := in.Overrun; o.Policy {
	case runbook.OverrunExtend:
		n.Rollback = append(n.Rollback, fmt.Sprintf("if the work outgrows the window it may run until %s (window.overrun: extend, window.max_extension %s); stakeholders are told the revised end",
			n.WindowEnd.Add(o.MaxExtension).Format("15:04"), human.Duration(o.MaxExtension)))
	case runbook.OverrunRollback:
		n.Rollback = append(n.Rollback, "if the window closes before the work is done, the run stops and restores its rollback point, unless the application has written to the database since (window.overrun: rollback)")
	}
	return n, nil
}

func (p *Procedure) skippedByConfig() []string {
	in := p.in
	out := []string{}
	for _, u := range []struct {
		name string
		on   bool
	}{{"apt", in.Updates.Apt.Enabled}, {"pip", in.Updates.Pip.Enabled}, {"npm", in.Updates.Npm.Enabled}} {
		if !u.on {
			out = append(out, fmt.Sprintf("updates/%s: updates.%s.enabled is false", u.name, u.name))
		}
	}
	if in.Services.ManagerName == "none" {
		out = append(out, "database/optimize downtime: services.manager is none, nothing is stopped (an online PRAGMA optimize only)")
	}
	if in.Database.Vacuum == "never" {
		out = append(out, "database/optimize VACUUM: database.vacuum is never")
	}
	if !in.Backups.Prune {
		out = append(out, "backups/retention deletions: backups.prune is false, what retention would remove is only reported")
	}
	return out
}

// expectDowntime is the median and worst downtime of the last runs.
func (p *Procedure) expectDowntime(ctx context.Context) (Expected, error) {
	if p.in.Services.ManagerName == "none" {
		return Expected{Note: "none: services.manager is none, nothing is stopped"}, nil
	}
	store, err := history.OpenReadOnly(ctx, p.in.StateDir, p.d.Now)
	if err != nil {
		return Expected{}, err
	}
	if store == nil {
		return Expected{Note: "unknown: no run in the history yet"}, nil
	}
	defer store.Close()
	ds, err := store.RecentDowntimes(ctx, downtimeRuns)
	if err != nil {
		return Expected{}, err
	}
	if len(ds) == 0 {
		return Expected{Note: "unknown: no finished run in the history yet"}, nil
	}
	med, worst := medianWorst(ds)
	sec := func(v float64) human.Seconds { return human.Seconds(time.Duration(v * float64(time.Second))) }
	return Expected{Runs: len(ds), Median: sec(med), Worst: sec(worst)}, nil
}

// medianWorst are the median and the largest of a non-empty list.
func medianWorst(ds []float64) (median, worst float64) {
	ds = slices.Sorted(slices.Values(ds))
	median = ds[len(ds)/2]
	if len(ds)%2 == 0 {
		median = (ds[len(ds)/2-1] + ds[len(ds)/2]) / 2
	}
	return median, ds[len(ds)-1]
}

// expectVacuum is the database phase's VACUUM decision on today's file:
// database.vacuum, then the fragmentation against its thresholds.
func (p *Procedure) expectVacuum(ctx context.Context) Vacuum {
	d := p.in.Database
	if d.Engine() == install.EnginePostgres {
		if d.Postgres.VacuumFull != "downtime" {
			return Vacuum{Reason: "PostgreSQL: VACUUM and REINDEX CONCURRENTLY run online; VACUUM FULL never runs (database.postgres.vacuum_full is never)"}
		}
		return Vacuum{Reason: "unknown: PostgreSQL decides per table during the run (VACUUM FULL, with downtime, above database.postgres.vacuum_full_bloat_percent)"}
	}
	switch d.Vacuum {
	case "always":
		return Vacuum{Expected: true, Reason: "database.vacuum is always"}
	case "never":
		return Vacuum{Reason: "database.vacuum is never"}
	}
	db, err := sqlitedb.Open(ctx, d.Path, sqlitedb.MaintenanceOptions(true))
	if err != nil {
		return Vacuum{Reason: "unknown: " + err.Error()}
	}
	defer db.Close()
	frag, err := db.Fragmentation(ctx)
	if err != nil {
		return Vacuum{Reason: "unknown: " + err.Error()}
	}
	need, reason := sqlitedb.NeedsVacuum(frag, d.VacuumFreelistRatio, d.VacuumUnusedRatio)
	if d.Vacuum == "incremental" {
		reason += " (database.vacuum is incremental: free pages may be given back online instead)"
	}
	return Vacuum{Expected: need, Reason: reason}
}

// cancelled names the blackout that keeps the calendar's next window
// after now from opening, "" when none does.
func cancelled(w runbook.Window, now time.Time, open runbook.Span) string {
	cal := w
	cal.Blackout = nil
	first := cal.Next(now)
	b, out := w.BlackedOut(first)
	if !first.Start.Before(open.Start) || !out {
		return ""
	}
	return fmt.Sprintf("no maintenance on %s: window.blackout %s", first.Start.In(w.Location).Format("Monday 2006-01-02"), b.Entry)
}

// Text is the notice as people read it (the message sent and printed).
func (n *Notice) Text() string {
	var b strings.Builder
	if n.Cancelled != "" {
		fmt.Fprintf(&b, "Note: %s; the next window is the one below.\n", n.Cancelled)
	}
	fmt.Fprintf(&b, "Maintenance window: %s to %s (%s, %s).\n", n.WindowStart.Format(timeLayout), n.WindowEnd.Format(timeLayout),
		human.Duration(n.WindowEnd.Sub(n.WindowStart)), n.Zone)
	fmt.Fprintf(&b, "Installation: %s on %s.\n", n.Root, n.Host)
	if d := n.Downtime; d.Runs > 0 {
		fmt.Fprintf(&b, "Expected downtime: median %s, worst %s (last %s).\n", d.Median, d.Worst, human.Count(d.Runs, "run", "runs"))
	} else {
		fmt.Fprintf(&b, "Expected downtime: %s.\n", d.Note)
	}
	verdict := "not expected"
	if n.Vacuum.Expected {
		verdict = "expected (the application is stopped for the database swap)"
	}
	fmt.Fprintf(&b, "VACUUM: %s: %s.\n", verdict, n.Vacuum.Reason)
	fmt.Fprintf(&b, "Updates: %s.\n", n.Updates)
	b.WriteString("\nWhat will run:\n")
	for i, ph := range n.Phases {
		fmt.Fprintf(&b, "  %d. %s (%s): %s\n", i+1, ph.Title, ph.Name, strings.Join(ph.Steps, ", "))
	}
	if len(n.SkippedByConfig) > 0 {
		b.WriteString("\nLeft out by the configuration:\n")
		for _, s := range n.SkippedByConfig {
			fmt.Fprintf(&b, "  - %s\n", s)
		}
	}
	b.WriteString("\nRollback plan:\n")
	for _, s := range n.Rollback {
		fmt.Fprintf(&b, "  - %s\n", s)
	}
	return b.String()
}

// Message is the notice as a notification.
func (n *Notice) Message() notify.Message {
	return notify.Message{Event: notify.Notice,
		Title: fmt.Sprintf("FossaWork maintenance %s to %s", n.WindowStart.Format(timeLayout), n.WindowEnd.Format("15:04 MST")),
		Body:  n.Text()}
}

// SendNotice sends the notice (event notice) and records in the history
// that it went out, with how many destinations took it, for the next
// run's report. It is recorded also without destinations: printing it is
// sending it.
func (p *Procedure) SendNotice(ctx context.Context, n *Notice, s *notify.Sender) ([]notify.Result, error) {
	rs := s.Send(ctx, n.Message())
	store, err := history.Open(ctx, p.in.StateDir, p.d.Now)
	if err != nil {
		return rs, err
	}
	defer store.Close()
	rec := sentRecord(p.d.Now(), notify.Notice, "", rs)
	rec.WindowStart = n.WindowStart
	return rs, store.RecordNotification(ctx, rec)
}
