package cli

import (
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/fossawork/fossamaint/internal/config"
	"github.com/fossawork/fossamaint/internal/human"
	"github.com/fossawork/fossamaint/internal/install"
	"github.com/fossawork/fossamaint/internal/perf"
)

// minMonitorInterval keeps an operator's --interval sane; the hidden
// --test-interval goes below it for tests.
const minMonitorInterval = time.Second

func (a *app) perfMonitorCmd() *cobra.Command {
	var interval, testInterval time.Duration
	var count, keep int
	var out string
	var rotateBytes int64
	c := &cobra.Command{
		Use:   "monitor [--interval 1h] [--count N] [--out FILE]",
		Short: "Sample CPU, memory, disk, network, load and the backend process into the metrics file",
		Long: `Writes one JSON line every --interval (default 1h, as upstream's sampler) to
the metrics file (logs.metrics_file, or --out) in upstream's shape:
timestamp, system.{cpu_percent, memory_percent, memory_available_mb,
disk_percent, disk_free_gb, network_sent_mb, network_recv_mb} and
process.{memory_rss_mb, memory_vms_mb, cpu_percent, num_threads, open_files}
for the backend process named by services.units[].pid_file (left out, with
a note, when no unit names one), plus a "load" object (load1, load5,
load15, cpus) that upstream's readers ignore. CPU percentages are over the
time since the previous line; the first line comes after one second.

Each line is appended whole and fsynced (a new file is created 0600); a
restart appends, never truncates. When the file would pass --rotate-bytes
it becomes FILE.1 (FILE.1 becomes FILE.2, ... --keep files), so readers of
FILE (perf trends, perf check) always find the newest samples. The schedule
runs on a monotonic clock, so a wall-clock step neither bunches nor skips
lines; timestamps are the wall clock's, naive as upstream writes them, in
the installation's zone (window.timezone), which perf trends and perf check
read them in. SIGTERM or Ctrl-C stops it between
lines with exit 0. Disk figures are of the installation root's file system.`,
		Example: `  fossamaint perf monitor
  fossamaint perf monitor --interval 5m --out /var/log/fossawork/metrics.jsonl
  fossamaint perf monitor --interval 1s --count 5 --out /tmp/m.jsonl`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if testInterval > 0 {
				interval = testInterval
			} else if interval < minMonitorInterval {
				return usageErr("--interval %s is below %s: give e.g. 1s, 1m or 1h", interval, minMonitorInterval)
			}
			if count < 0 || keep < 1 || rotateBytes < 0 {
				return usageErr("--count, --rotate-bytes must not be negative and --keep must be at least 1")
			}
			in, err := a.monitorInstallation(out, "--out")
			if err != nil {
				return err
			}
			if out == "" {
				out = in.Logs.MetricsFile
			}
			return a.runMonitor(cmd, in, perf.Monitor{Interval: interval, Count: count,
				Out: &perf.Appender{Path: out, MaxBytes: rotateBytes, Keep: keep}})
		},
	}
	f := c.Flags()
	f.DurationVar(&interval, "interval", perf.DefaultMonitorInterval, "time between lines (at least 1s)")
	f.IntVar(&count, "count", 0, "stop after N lines (0: run until stopped)")
	f.StringVar(&out, "out", "", "metrics file to append to (default: logs.metrics_file; with it the config is optional)")
	f.Int64Var(&rotateBytes, "rotate-bytes", perf.DefaultRotateBytes, "rotate the file before it passes this size (0: never)")
	f.IntVar(&keep, "keep", perf.DefaultRotateKeep, "rotated files to keep (FILE.1 ... FILE.N)")
	f.DurationVar(&testInterval, "test-interval", 0, "")
	_ = f.MarkHidden("test-interval")
	return c
}

// monitorInstallation is the config's installation, or without a config
// file and with a file named by flag the defaults (no backend process then).
func (a *app) monitorInstallation(out, flag string) (*install.Installation, error) {
	in, err := a.installation()
	switch {
	case err == nil:
		return in, nil
	case out != "" && errors.Is(err, config.ErrNotFound):
		in, err = defaultInstallation()
		if err != nil {
			return nil, err
		}
		in.Root = filepath.Dir(out)
		in.Services.Units = nil
		return in, nil
	case errors.Is(err, config.ErrNotFound):
		return nil, withCode(ExitUsage, fmt.Errorf("%w (or name the metrics file with %s)", err, flag))
	}
	return nil, err
}

func (a *app) runMonitor(cmd *cobra.Command, in *install.Installation, m perf.Monitor) error {
	pidFile := ""
	for _, u := range in.Services.Units {
		if u.PidFile != "" {
			pidFile = u.PidFile
			break
		}
	}
	if pidFile == "" {
		fmt.Fprintln(a.stderr, "perf monitor: no services.units[].pid_file in the config: the backend's \"process\" figures are left out")
	}
	m.Sampler = perf.NewHostSampler(cmd.Context(), in.Root, pidFile)
	m.Now, m.Zone = a.now, in.Zone
	m.Note = onceNoter(func(s string) { fmt.Fprintln(a.stderr, "perf monitor: "+s) })
	fmt.Fprintf(a.stderr, "perf monitor: a line every %s to %s\n", human.Duration(m.Interval), m.Out.Path)
	n, err := m.Run(cmd.Context())
	fmt.Fprintf(a.stderr, "perf monitor: %s written\n", human.Count(n, "line", "lines"))
	return err
}

// onceNoter passes a note on only when it differs from the previous one, so
// a pid file missing for hours says so once, not every second.
func onceNoter(say func(string)) func(string) {
	var mu sync.Mutex
	last := ""
	return func(s string) {
		mu.Lock()
		defer mu.Unlock()
		if s != last {
			last = s
			say(s)
		}
	}
}

func (a *app) perfCheckCmd() *cobra.Command {
	var asJSON bool
	var window time.Duration
	var newest int
	var metrics string
	c := &cobra.Command{
		Use:   "check [--json] [--window 1h] [--samples N] [--metrics FILE]",
		Short: "Grade the latest metrics samples against the thresholds (exit 0 ok, 1 warnings)",
		Long: `Reads the metrics file (logs.metrics_file, or --metrics, and its rotated
FILE.1) and grades the samples of the last --window (default 1h), or the
newest --samples N whatever their age, against thresholds.cpu_percent
(the average CPU over them, so one busy second does not warn),
thresholds.memory_percent and thresholds.disk_percent (the newest sample)
and thresholds.load_percent (load1 per CPU, averaged). No sample in the
window, or no file, is a warning too: the sampler (perf monitor) is not
running. Exit 0 when all is well, 1 on any warning: for scripts and timers.`,
		Example: `  fossamaint perf check
  fossamaint perf check --samples 12 --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if window <= 0 || newest < 0 {
				return usageErr("--window must be positive and --samples not negative")
			}
			in, err := a.monitorInstallation(metrics, "--metrics")
			if err != nil {
				return err
			}
			if metrics == "" {
				metrics = in.Logs.MetricsFile
			}
			th := in.Thresholds
			rep, err := perf.Check(cmd.Context(), metrics, perf.CheckOptions{Now: a.now(), Window: window, Newest: newest,
				Loc: in.Zone, Th: perf.CheckThresholds{CPUPercent: th.CPUPercent, MemoryPercent: th.MemoryPercent,
					DiskPercent: th.DiskPercent, LoadPercent: th.LoadPercent}})
			if err != nil {
				return err
			}
			if asJSON {
				err = a.encodeJSON(rep)
			} else {
				err = a.printCheck(in.Root, rep)
			}
			if err == nil && rep.Warnings > 0 {
				return exitSilently(ExitWarn)
			}
			return err
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	c.Flags().DurationVar(&window, "window", perf.DefaultCheckWindow, "grade the samples of this last span")
	c.Flags().IntVar(&newest, "samples", 0, "grade the newest N samples instead, whatever their age")
	c.Flags().StringVar(&metrics, "metrics", "", "metrics file (default: logs.metrics_file; with it the config is optional)")
	return c
}

func (a *app) printCheck(root string, rep perf.CheckReport) error {
	w := a.stdout
	switch {
	case rep.Samples == 0:
		fmt.Fprintf(w, "%s: no samples\n", underRoot(root, rep.Path))
	default:
		fmt.Fprintf(w, "%s: %s from %s to %s\n", underRoot(root, rep.Path), human.Count(rep.Samples, "sample", "samples"),
			rep.First.Format(time.RFC3339), rep.Latest.Format(time.RFC3339))
	}
	rows := make([][]string, 0, len(rep.Checks))
	for _, c := range rep.Checks {
		value, limit := "-", "off"
		if c.Status != perf.CheckNoData {
			value = human.Percent(c.Value)
		}
		if c.Threshold > 0 {
			limit = human.Percent(c.Threshold)
		}
		rows = append(rows, []string{c.Name, value, limit, c.Status, c.Basis})
	}
	if err := writeTable(w, []string{"CHECK", "VALUE", "THRESHOLD", "STATUS", "BASIS"}, rows); err != nil {
		return err
	}
	if rep.Note != "" {
		fmt.Fprintln(w, "warning: "+rep.Note)
	}
	fmt.Fprintf(w, "%s\n", human.Count(rep.Warnings, "warning", "warnings"))
	return nil
}
