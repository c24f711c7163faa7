package cli

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/fossawork/fossamaint/internal/human"
	"github.com/fossawork/fossamaint/internal/install"
	"github.com/fossawork/fossamaint/internal/schedule"
)

// defaultUnitDir is where administrators' own units live.
const defaultUnitDir = "/etc/systemd/system"

func (a *app) scheduleCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "schedule",
		Short: "Install, show or remove the systemd timers that run maintenance",
		Long: `The weekly run at the window's start, the stakeholder notice window.notice
before it, the daily backup one hour before the window's start time every
day, and the performance sampler, as systemd units generated from the
config. On a host without systemd, fossamaint daemon runs the same schedule.`,
		Example: `  fossamaint schedule show
  fossamaint schedule install --dry-run
  fossamaint schedule remove`,
		Args: cobra.NoArgs,
	}
	c.AddCommand(a.scheduleInstallCmd(), a.scheduleShowCmd(), a.scheduleRemoveCmd())
	return c
}

func (a *app) scheduleInstallCmd() *cobra.Command {
	var unitDir, binary string
	var dryRun bool
	c := &cobra.Command{
		Use:   "install [--unit-dir D] [--dry-run] [--binary P]",
		Short: "Write the systemd timers and services for this config",
		Long: `Writes fossamaint-weekly.timer/.service, fossamaint-notice.timer/.service
(left out when window.notice is 0), fossamaint-daily-backup.timer/.service
and fossamaint-monitor.service into --unit-dir, each atomically, mode 0644,
and removes files of ours the config no longer needs. It never replaces a
file it did not write (recognised by its first line). ExecStart= runs this
binary (--binary to name another) by absolute path with --config and the
config's absolute path. The services run sandboxed: read-only file system
but for the directories the config names writable. It does not run
systemctl: it prints the commands to run next.`,
		Example: `  fossamaint schedule install --dry-run
  sudo fossamaint schedule install --config /etc/fossamaint/fossamaint.yaml
  fossamaint schedule install --unit-dir /tmp/units --binary /usr/bin/fossamaint`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			in, err := a.installation()
			if err != nil {
				return err
			}
			opts, err := a.unitOptions(binary)
			if err != nil {
				return err
			}
			units, err := schedule.Units(in, opts)
			if err != nil {
				return withCode(ExitUsage, err)
			}
			if unitDir, err = filepath.Abs(unitDir); err != nil {
				return usageErr("--unit-dir: %v", err)
			}
			changes, err := schedule.Install(unitDir, units, dryRun)
			if errors.Is(err, schedule.ErrNotOurs) {
				return withCode(ExitUsage, err)
			} else if err != nil {
				return fmt.Errorf("%w: run it as root for %s, or choose --unit-dir", err, defaultUnitDir)
			}
			a.printChanges(changes, dryRun)
			a.installAdvice(in, unitDir, opts.Binary, units, removedUnits(changes))
			return nil
		},
	}
	c.Flags().StringVar(&unitDir, "unit-dir", defaultUnitDir, "directory to write the unit files into")
	c.Flags().BoolVar(&dryRun, "dry-run", false, "say what would be written and removed; write nothing")
	c.Flags().StringVar(&binary, "binary", "", "fossamaint binary the units run (default: this one)")
	return c
}

// unitOptions are the absolute binary and config paths the units run.
func (a *app) unitOptions(binary string) (schedule.Options, error) {
	if binary == "" {
		exe, err := os.Executable()
		if err != nil {
			return schedule.Options{}, fmt.Errorf("finding this binary's path: %w; name it with --binary", err)
		}
		binary = exe
	}
	bin, err := filepath.Abs(binary)
	if err != nil {
		return schedule.Options{}, usageErr("--binary %s: %v", binary, err)
	}
	if fi, err := os.Stat(bin); err != nil || fi.IsDir() || fi.Mode().Perm()&0o111 == 0 {
		return schedule.Options{}, usageErr("--binary %s is not an executable file: install fossamaint first (e.g. /usr/bin/fossamaint) and name it", bin)
	}
	cfg, err := filepath.Abs(a.configPath)
	if err != nil {
		return schedule.Options{}, err
	}
	return schedule.Options{Binary: bin, Config: cfg}, nil
}

func (a *app) printChanges(changes []schedule.Change, dryRun bool) {
	verbs := map[string][2]string{"write": {"wrote", "would write"}, "remove": {"removed", "would remove"},
		"unchanged": {"unchanged", "unchanged"}}
	for _, c := range changes {
		v := verbs[c.Action][0]
		if dryRun {
			v = verbs[c.Action][1]
		}
		fmt.Fprintf(a.stdout, "%s %s\n", v, c.Path)
	}
}

// within tells whether path is inside dir.
func within(path, dir string) bool {
	rel, err := filepath.Rel(dir, path)
	return err == nil && filepath.IsLocal(rel)
}

// installAdvice prints the systemctl commands to run next, and what the
// sandbox will not find.
func (a *app) installAdvice(in *install.Installation, unitDir, binary string, units []schedule.Unit, removed []string) {
	for _, p := range schedule.WritablePaths(in) {
		if _, err := os.Stat(p); err != nil {
			fmt.Fprintf(a.stdout, "note: %s does not exist yet; create it (mkdir -p) so that the sandboxed services may write there\n", p)
		}
	}
	if within(binary, os.TempDir()) {
		fmt.Fprintf(a.stdout, "note: the units run %s, in %s (go run?): give the installed binary with --binary\n", binary, os.TempDir())
	}
	if in.Services.ManagerName == "exec" {
		fmt.Fprintln(a.stderr, "warning: services.manager is exec: a service the weekly run starts would run inside the unit's sandbox (read-only file system) and be killed when the run ends; with systemd timers use services.manager: systemd, or run fossamaint daemon instead")
	}
	enable := strings.Join(schedule.ToEnable(units), " ")
	if filepath.Clean(unitDir) != defaultUnitDir {
		fmt.Fprintf(a.stdout, "next: the units are in %s; link them (systemctl link %s/*.timer %s/*.service) or copy them to %s, then:\n",
			unitDir, unitDir, unitDir, defaultUnitDir)
	} else {
		fmt.Fprintln(a.stdout, "next:")
	}
	if len(removed) > 0 {
		fmt.Fprintf(a.stdout, "  systemctl stop %s\n", strings.Join(removed, " "))
	}
	fmt.Fprintf(a.stdout, "  systemctl daemon-reload && systemctl enable --now %s\n", enable)
	fmt.Fprintln(a.stdout, "  systemctl list-timers 'fossamaint-*'")
}

func (a *app) scheduleRemoveCmd() *cobra.Command {
	var unitDir string
	var dryRun bool
	c := &cobra.Command{
		Use:   "remove [--unit-dir D] [--dry-run]",
		Short: "Delete the unit files schedule install wrote",
		Long: `Deletes the fossamaint-*.timer and fossamaint-*.service files in --unit-dir
whose first line says schedule install wrote them, and the links systemctl
enable made to them (in *.wants/ and *.requires/ of --unit-dir); any other
file is left alone. It prints the systemctl commands that stop the units
and reload systemd.`,
		Example: `  sudo fossamaint schedule remove
  fossamaint schedule remove --unit-dir /tmp/units --dry-run`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if fi, err := os.Stat(unitDir); err != nil || !fi.IsDir() {
				return usageErr("--unit-dir %s is not a directory", unitDir)
			}
			dir, err := filepath.Abs(unitDir)
			if err != nil {
				return usageErr("--unit-dir: %v", err)
			}
			changes, err := schedule.Remove(dir, dryRun)
			if err != nil {
				return err
			}
			if len(changes) == 0 {
				fmt.Fprintf(a.stdout, "no unit file of fossamaint in %s\n", unitDir)
				return nil
			}
			a.printChanges(changes, dryRun)
			fmt.Fprintf(a.stdout, "next:\n  systemctl stop %s\n  systemctl daemon-reload && systemctl reset-failed\n",
				strings.Join(removedUnits(changes), " "))
			return nil
		},
	}
	c.Flags().StringVar(&unitDir, "unit-dir", defaultUnitDir, "directory the unit files are in")
	c.Flags().BoolVar(&dryRun, "dry-run", false, "say what would be removed; remove nothing")
	return c
}

// removedUnits are the unit names that changes remove.
func removedUnits(changes []schedule.Change) []string {
	var out []string
	for _, c := range changes {
		if c.Action == "remove" {
			out = append(out, filepath.Base(c.Path))
		}
	}
	return out
}

// showJSON is schedule show --json.
type showJSON struct {
	Window   string         `json:"window"`
	Timezone string         `json:"timezone"`
	Timers   []timerJSON    `json:"timers"`
	Upcoming []upcomingJSON `json:"upcoming"`
}

type timerJSON struct {
	Unit       string `json:"unit"`
	OnCalendar string `json:"on_calendar"`
}

type upcomingJSON struct {
	Opens   time.Time  `json:"opens"`
	Closes  time.Time  `json:"closes"`
	Notice  *time.Time `json:"notice,omitempty"`
	Skipped string     `json:"skipped,omitempty"`
}

func (a *app) scheduleShowCmd() *cobra.Command {
	var asJSON bool
	var count int
	c := &cobra.Command{
		Use:   "show [--json] [--count N]",
		Short: "Print the timers' calendar and the next window starts and notices",
		Long: `Prints each timer's OnCalendar= and the next --count windows that open, with
their notice times, in the window's zone (--now shifts the clock). Windows
that do not open are listed between them, saying why: a window.blackout
entry, or a start time that a DST change leaves out of that day (systemd
has no elapse then). The times are the ones systemd-analyze calendar gives
for the OnCalendar= expressions, and the ones fossamaint daemon uses.`,
		Example: `  fossamaint schedule show
  fossamaint schedule show --count 10 --json
  fossamaint schedule show --now 2026-12-20T00:00:00Z`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if count < 1 || count > 520 {
				return usageErr("--count %d: give 1 to 520 (ten years of weeks)", count)
			}
			in, err := a.installation()
			if err != nil {
				return err
			}
			notice := in.Config.Window.Notice.D()
			up := schedule.Upcoming(in.Window, notice, a.now(), count)
			timers := scheduleTimers(in, notice)
			if asJSON {
				return a.encodeJSON(scheduleJSON(in, timers, up))
			}
			return a.printSchedule(in, timers, up)
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	c.Flags().IntVar(&count, "count", 5, "how many windows that open to list")
	return c
}

func scheduleTimers(in *install.Installation, notice time.Duration) []timerJSON {
	w := in.Window
	timers := []timerJSON{{schedule.WeeklyTimer, schedule.WeeklyEvent(w).OnCalendar()}}
	if notice > 0 {
		timers = append(timers, timerJSON{schedule.NoticeTimer, schedule.NoticeEvent(w, notice).OnCalendar()})
	}
	return append(timers, timerJSON{schedule.DailyBackupTimer, schedule.DailyBackupEvent(w).OnCalendar()})
}

func windowLine(in *install.Installation) string {
	w := in.Window
	return fmt.Sprintf("%s %02d:%02d for %s", w.Weekday, w.Hour, w.Minute, human.Duration(w.Duration))
}

func scheduleJSON(in *install.Installation, timers []timerJSON, up []schedule.Occurrence) showJSON {
	out := showJSON{Window: windowLine(in), Timezone: in.Window.Location.String(), Timers: timers, Upcoming: []upcomingJSON{}}
	for _, o := range up {
		u := upcomingJSON{Opens: o.Window.Start, Closes: o.Window.End, Skipped: o.Skipped}
		if !o.Notice.IsZero() {
			n := o.Notice
			u.Notice = &n
		}
		out.Upcoming = append(out.Upcoming, u)
	}
	return out
}

func (a *app) printSchedule(in *install.Installation, timers []timerJSON, up []schedule.Occurrence) error {
	const layout = "Mon 2006-01-02 15:04 MST"
	fmt.Fprintf(a.stdout, "window: %s, %s\n", windowLine(in), in.Window.Location)
	var rows [][]string
	for _, t := range timers {
		rows = append(rows, []string{t.Unit, "OnCalendar=" + t.OnCalendar})
	}
	if err := writeTable(a.stdout, []string{"TIMER", "CALENDAR"}, rows); err != nil {
		return err
	}
	fmt.Fprintln(a.stdout)
	rows = nil
	skipped := 0
	for _, o := range up {
		if o.Skipped != "" {
			skipped++
			rows = append(rows, []string{o.Window.Start.Format(layout), "-", "skipped: " + o.Skipped})
			continue
		}
		notice := "-"
		if !o.Notice.IsZero() {
			notice = o.Notice.Format(layout)
		}
		rows = append(rows, []string{o.Window.Start.Format(layout), o.Window.End.Format(layout), notice})
	}
	if err := writeTable(a.stdout, []string{"OPENS", "CLOSES", "NOTICE"}, rows); err != nil {
		return err
	}
	if skipped > 0 {
		fmt.Fprintf(a.stdout, "%d skipped: no run starts then (on a blackout date weekly exits 3, naming the entry)\n", skipped)
	}
	return nil
}
