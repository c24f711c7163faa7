package cli

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/fossawork/fossamaint/internal/schedule"
)

func (a *app) daemonCmd() *cobra.Command {
	var simulate int
	c := &cobra.Command{
		Use:   "daemon",
		Short: "Run the maintenance schedule in-process, for hosts without systemd",
		Long: `Runs what the systemd units of schedule install run, at the same times
(schedule show lists them): the weekly procedure at the window's start, the
stakeholder notice window.notice before it, and the daily backup one hour
before the window's start time every day. Blackout dates skip the window
and its notice. Each job is the fossamaint command the unit would run
(weekly; notice; backup create --kind daily), in this process, one at a
time; a job whose time passes while another runs (two at the same minute,
a long weekly run over the daily backup's hour) runs when that one is
done, and the log says it is late: none skips its turn.

It logs one line per event on stdout (the time in the window's zone, the
job, its exit code and report), the jobs' own output on stderr. SIGTERM or
Ctrl-C stops it: at once while it waits (exit 0); during a job, that job
stops as it would on its own (a weekly run between steps, the step in
flight undone, the report written) and the daemon exits 130. It does not
run the performance sampler: run fossamaint perf monitor beside it.`,
		Example: `  fossamaint daemon --config /etc/fossamaint/fossamaint.yaml
  docker run ... fossamaint daemon`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			in, err := a.installation()
			if err != nil {
				return err
			}
			cfg, err := filepath.Abs(a.configPath)
			if err != nil {
				return err
			}
			var clock schedule.Clock = schedule.WallClock{NowFunc: a.now}
			if simulate > 0 {
				clock = &schedule.SimClock{T: a.now()}
			}
			shifted := simulate > 0 || cmd.Flags().Changed("now")
			run := func(ctx context.Context, name string, at time.Time) (string, error) {
				return a.runJob(ctx, cfg, name, clock, shifted)
			}
			d := &schedule.Daemon{Jobs: schedule.Jobs(in.Window, in.Config.Window.Notice.D(), run),
				Clock: clock, Location: in.Window.Location, Log: a.stdout, MaxEvents: simulate}
			if err := d.Run(cmd.Context()); err != nil {
				return fmt.Errorf("daemon stopped during a job: %w", err)
			}
			return nil
		},
	}
	c.Flags().IntVar(&simulate, "simulate", 0, "")
	_ = c.Flags().MarkHidden("simulate")
	return c
}

// runJob runs one job as the fossamaint command its unit runs, in this
// process, under ctx (a stop signal reaches it as it reaches a command
// run by hand). A shifted clock (--now, a simulation) is handed on as
// --now. Its output goes to stderr; the outcome line names the exit code
// and the report.
func (a *app) runJob(ctx context.Context, cfg, name string, clock schedule.Clock, shifted bool) (string, error) {
	args := []string{"--config", cfg}
	if shifted {
		args = append(args, "--now", clock.Now().Format(time.RFC3339))
	}
	if a.noColor {
		args = append(args, "--no-color")
	}
	args = append(args, schedule.JobArgs[name]...)
	rec := &reportLine{w: a.stderr}
	code := Main(ctx, args, rec, rec)
	outcome := fmt.Sprintf("exit %d (%s)", code, exitMeaning(code))
	if r := rec.report(); r != "" {
		outcome += ", report " + r
	}
	return outcome, nil
}

// exitMeaning is the head of an exit code's meaning in the one table,
// e.g. "finished with warnings".
func exitMeaning(code int) string {
	for _, e := range exitTable {
		if e.code == code {
			if i := strings.IndexAny(e.what, ":(;,"); i > 0 {
				return strings.TrimSpace(e.what[:i])
			}
			return e.what
		}
	}
	return "not an exit code of fossamaint"
}

// reportLine passes output on and keeps the last "report: " line.
type reportLine struct {
	mu      sync.Mutex
	w       io.Writer
	partial []byte
	last    string
}

func (r *reportLine) Write(p []byte) (int, error) {
	r.mu.Lock()
	r.partial = append(r.partial, p...)
	for {
		i := bytes.IndexByte(r.partial, '\n')
		if i < 0 {
			break
		}
		if line := string(r.partial[:i]); strings.HasPrefix(line, "report: ") {
			r.last = strings.TrimPrefix(line, "report: ")
		}
		r.partial = r.partial[i+1:]
	}
	r.mu.Unlock()
	return r.w.Write(p)
}

func (r *reportLine) report() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.last
}
