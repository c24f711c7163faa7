package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/fossawork/fossamaint/internal/config"
	"github.com/fossawork/fossamaint/internal/fleet"
	"github.com/fossawork/fossamaint/internal/history"
	"github.com/fossawork/fossamaint/internal/human"
	"github.com/fossawork/fossamaint/internal/install"
	"github.com/fossawork/fossamaint/internal/redact"
)

func (a *app) fleetCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "fleet",
		Short: "The fleet history (history.url): send this installation's runs, show every installation",
		Long: `With history.url (postgres://...) every installation writes its runs, their
steps, actions and headline measures to one PostgreSQL database; weekly
does it after each run. fleet sync sends what the central database lacks;
fleet status shows every installation side by side. fleet migrate is the
owner's, for installations that write with a role that may not create
tables (docs/fleet.md, Roles).`,
		Example: `  fossamaint fleet sync
  fossamaint fleet status --json
  fossamaint fleet migrate --grant fleet_writer`,
	}
	c.AddCommand(a.fleetSyncCmd(), a.fleetStatusCmd(), a.fleetMigrateCmd())
	return c
}

func (a *app) fleetSyncCmd() *cobra.Command {
	var asJSON, dryRun bool
	c := &cobra.Command{
		Use:   "sync",
		Short: "Send the runs the central database lacks or holds stale",
		Long: `Asks the central database (history.url) which runs of this installation it
holds, with a fingerprint of each, and sends the finished runs of the local
history it lacks or holds stale (status changed by rollback or recover), each
in one transaction; sent twice, a run leaves the same rows. The first sync
creates the schema, when the role may; a role that may only write the
fleet tables needs the owner's fleet migrate first. It keeps to history.timeout, retries included. weekly
does the same after every run: a sync run by hand catches up what an
unreachable database missed, but the next weekly would too.

With --dry-run it reads the central database and names the runs it would
send; it writes nothing, not even the schema. Exit 0 when in step, 2 when
the database cannot be reached or refuses, 64 without history.url.`,
		Example: `  fossamaint fleet sync
  fossamaint fleet sync --dry-run --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			in, err := a.fleetInstallation()
			if err != nil {
				return err
			}
			res, err := a.syncFleet(cmd.Context(), in, dryRun)
			if err != nil && res.Attempts == 0 {
				return err
			}
			if asJSON {
				if jerr := a.encodeJSON(res); jerr != nil {
					return jerr
				}
			} else {
				printSync(a.stdout, res)
			}
			return err
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print what was sent as JSON")
	c.Flags().BoolVar(&dryRun, "dry-run", false, "name the runs that would be sent; write nothing")
	return c
}

// fleetInstallation is the installation, refused (exit 64) without
// history.url.
func (a *app) fleetInstallation() (*install.Installation, error) {
	in, err := a.installation()
	if err != nil {
		return nil, err
	}
	if in.Config.History.URL == "" {
		return nil, usageErr("history.url is not set: there is no fleet database (set it to postgres://user@host:5432/fleet; docs/fleet.md)")
	}
	return in, nil
}

// syncFleet sends this installation's runs to history.url. The local
// history is opened as serve opens it: read-only, beside a running run.
func (a *app) syncFleet(ctx context.Context, in *install.Installation, dryRun bool) (fleet.Result, error) {
	store, err := history.OpenDashboard(ctx, in.StateDir, a.now)
	if err != nil {
		return fleet.Result{}, err
	}
	if store == nil {
		return fleet.Result{}, usageErr("no history in %s yet: nothing to send (run `fossamaint weekly` first)", in.StateDir)
	}
	defer store.Close()
	host, _ := os.Hostname()
	now := a.now()
	next := in.Window.Next(now)
	h := in.Config.History
	return fleet.Sync(ctx, store, fleet.SyncOptions{
		URL: h.URL, Timeout: h.Timeout.D(), Now: a.now, DryRun: dryRun, ExitCode: runExit,
		Redactor: redact.New(a.secrets(in.Config)),
		Installation: fleet.Installation{ID: config.InstallationID(in.Config), Host: host, Version: Version,
			Window: in.Window.String(), Zone: in.Window.Location.String(), NextWindow: next},
	})
}

// syncAfterRun is weekly's sync of a real run, once its report is
// written: bounded by history.timeout, and an unreachable or refusing
// central database is a warning on stderr, never the run's outcome. It
// honours ctx: a Ctrl-C during the sync ends it (the run is sent later).
func (a *app) syncAfterRun(ctx context.Context, in *install.Installation) {
	if in.Config.History.URL == "" {
		return
	}
	if ctx.Err() != nil {
		// An interrupted run is in the local history: the next sync sends it.
		fmt.Fprintf(a.stderr, "fleet history: not sent (interrupted); the next run or `fossamaint fleet sync` sends it\n")
		return
	}
	res, err := a.syncFleet(ctx, in, false)
	if err != nil {
		fmt.Fprintf(a.stderr, "warning: fleet history: %s\n", redact.New(a.secrets(in.Config)).String(err.Error()))
		return
	}
	fmt.Fprintf(a.stderr, "fleet: %s to %s\n", human.Count(len(res.Sent), "run sent", "runs sent"), res.URL)
}

func printSync(w io.Writer, r fleet.Result) {
	verb := "sent"
	if r.DryRun {
		verb = "would send"
	}
	fmt.Fprintf(w, "installation %s, fleet database %s\n", r.Installation, r.URL)
	fmt.Fprintf(w, "%d finished runs in the local history, %d held up to date; %s %d", r.Local, r.Held, verb, len(r.Sent))
	if r.Stale > 0 {
		fmt.Fprintf(w, " (%d held stale)", r.Stale)
	}
	fmt.Fprintf(w, " in %s, %d attempt(s)\n", human.Duration(r.Took), r.Attempts)
	for _, id := range r.Sent {
		fmt.Fprintf(w, "  %s\n", id)
	}
	if len(r.Migrated) > 0 {
		fmt.Fprintf(w, "schema upgraded to version %d\n", r.Migrated[len(r.Migrated)-1])
	}
}

func (a *app) fleetStatusCmd() *cobra.Command {
	var asJSON bool
	var weeks int
	c := &cobra.Command{
		Use:   "status",
		Short: "Show every installation of the fleet: last run, next window, state, trends",
		Long: `Reads the central database (history.url) and prints one row per installation:
its last weekly run and that run's status, downtime and findings (critical
/ warning / info), its next window as it last reported it, and the trend of
its database size, errors, failed logins and downtime over the last --weeks
weeks (one mark per finished weekly run). An installation whose next
window ended without a run is "overdue"; one that never ran is "never".
The same view is serve's /fleet page.

Exit 0 when every installation's last run was ok, 1 when one warned, is
overdue or never ran, 2 when one failed or was rolled back, or the
database cannot be reached; 64 without history.url. Reading changes nothing.`,
		Example: `  fossamaint fleet status
  fossamaint fleet status --weeks 26 --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if weeks < 1 || weeks > 260 {
				return usageErr("--weeks %d: give a number of weeks from 1 to 260", weeks)
			}
			in, err := a.fleetInstallation()
			if err != nil {
				return err
			}
			v, err := a.fleetView(cmd.Context(), in, weeks)
			if err != nil {
				return err
			}
			if asJSON {
				if err := a.encodeJSON(v); err != nil {
					return err
				}
			} else if err := printFleet(a.stdout, v, in.Zone); err != nil {
				return err
			}
			return exitSilently(fleetExit(v))
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print the fleet view as JSON")
	c.Flags().IntVar(&weeks, "weeks", 12, "how many weeks of trends")
	return c
}

// fleetView reads the fleet view within history.timeout.
func (a *app) fleetView(ctx context.Context, in *install.Installation, weeks int) (*fleet.View, error) {
	db, err := fleet.Open(in.Config.History.URL)
	if err != nil {
		return nil, withCode(ExitUsage, err)
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(ctx, in.Config.History.Timeout.D())
	defer cancel()
	v, err := db.View(ctx, a.now(), weeks)
	if errors.Is(err, context.DeadlineExceeded) {
		err = fmt.Errorf("%w (history.timeout %s)", err, in.Config.History.Timeout.D())
	}
	return v, err
}

// fleetExit: 2 when an installation's last run failed or was rolled
// back, 1 when one warned, is overdue or never ran, else 0.
func fleetExit(v *fleet.View) int {
	code := ExitOK
	for _, r := range v.Installations {
		switch r.State {
		case "ok":
		case "warn", fleet.StateOverdue, fleet.StateNever:
			code = max(code, ExitWarn)
		default:
			return ExitFail
		}
	}
	return code
}

func printFleet(w io.Writer, v *fleet.View, loc *time.Location) error {
	if len(v.Installations) == 0 {
		_, err := fmt.Fprintln(w, "no installation has synced to the fleet database yet (`fossamaint fleet sync`)")
		return err
	}
	header := []string{"INSTALLATION", "HOST", "STATE", "LAST RUN", "DOWNTIME", "FINDINGS C/W/I", "NEXT WINDOW", "LAST SEEN"}
	for _, m := range v.Measures {
		header = append(header, strings.ToUpper(trendLabel(m)))
	}
	var rows [][]string
	for _, r := range v.Installations {
		row := []string{r.ID, r.Host, r.State, "-", "-", "-", "-", r.LastSeen.In(loc).Format("2006-01-02 15:04")}
		if l := r.Last; l != nil {
			row[3] = l.StartedAt.In(loc).Format("2006-01-02 15:04")
			row[4] = human.DurationSeconds(l.Downtime)
			row[5] = fmt.Sprintf("%d/%d/%d", l.Critical, l.Warning, l.Info)
		}
		if r.NextWindow != nil {
			row[6] = r.NextWindow.Start.In(loc).Format("Mon 2006-01-02 15:04")
		}
		for _, m := range v.Measures {
			row = append(row, sparkline(r.Trends[m]))
		}
		rows = append(rows, row)
	}
	if err := writeTable(w, header, rows); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "%d installations; trends: the finished weekly runs of the last %d weeks, oldest first; times in %s\n",
		len(v.Installations), v.Weeks, loc)
	return err
}

func trendLabel(measure string) string {
	switch measure {
	case history.MeasureDatabaseSize:
		return "db size"
	case history.MeasureErrors:
		return "errors"
	case history.MeasureFailedLogins:
		return "failed logins"
	case history.MeasureDowntime:
		return "downtime"
	}
	return measure
}

// sparkline draws values as block characters scaled between their
// minimum and maximum; "-" without values.
func sparkline(points []fleet.Point) string {
	if len(points) == 0 {
		return "-"
	}
	const marks = "▁▂▃▄▅▆▇█"
	runes := []rune(marks)
	lo, hi := points[0].Value, points[0].Value
	for _, p := range points {
		lo, hi = min(lo, p.Value), max(hi, p.Value)
	}
	var b strings.Builder
	for _, p := range points {
		i := 0
		if hi > lo {
			i = int((p.Value - lo) / (hi - lo) * float64(len(runes)-1))
		}
		b.WriteRune(runes[i])
	}
	return b.String()
}
