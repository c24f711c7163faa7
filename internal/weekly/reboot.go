package weekly

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"github.com/fossawork/fossamaint/internal/runbook"
	"github.com/fossawork/fossamaint/internal/updates"
)

// RebootCommands are how the host is rebooted when an applied update asks
// for it (updates.reboot). Tests point them at a harmless program.
type RebootCommands struct {
	// Schedule is the argv that reboots the host after delay, saying
	// message (default: systemd-run --on-active=<seconds> systemctl
	// reboot).
	Schedule func(delay time.Duration, message string) []string
	// Now is the argv that reboots the host at once (default: systemctl
	// reboot).
	Now []string
	// Delay is how long after the run's last step a window-end reboot
	// happens: time to write the report and send the notification
	// (default 2 minutes). It must end inside the window.
	Delay time.Duration
}

func (c RebootCommands) withDefaults() RebootCommands {
	if c.Schedule == nil {
		c.Schedule = func(delay time.Duration, message string) []string {
			return []string{"systemd-run", fmt.Sprintf("--on-active=%d", int(delay.Seconds())),
				"--description=" + message, "systemctl", "reboot"}
		}
	}
	if len(c.Now) == 0 {
		c.Now = []string{"systemctl", "reboot"}
	}
	if c.Delay <= 0 {
		c.Delay = 2 * time.Minute
	}
	return c
}

// rebootStep is postflight's last step: when the reboot-required file
// appeared after this run applied updates, it reboots per updates.reboot:
// never (a finding with the packages), window-end (scheduled Delay after
// the last step, never outside the window, not when the run was rolled
// back) or now (after the report and the notification: see RebootIfDue).
type rebootStep struct {
	set    *appliedSet
	policy string
	file   string
	runner updates.Runner
	cmds   RebootCommands
	// due is set for updates.reboot: now; Procedure.RebootIfDue reads it.
	due *atomic.Bool
}

func (s *rebootStep) run(ctx context.Context, env *runbook.Env) (runbook.Result, error) {
	asked, pkgs := s.set.reboot()
	if !asked {
		return runbook.NotNeeded("no update applied in this run asks for a reboot"), nil
	}
	var r runbook.Result
	what := strings.Join(pkgs, ", ")
	if undone := s.set.undoneChanges(); len(undone) > 0 {
		r.Finding(runbook.Warning, what, "a reboot is required (%s), but the run was rolled back: no reboot was scheduled", s.file)
		r.Recommend("Reboot inside the next maintenance window, once the application is healthy.")
		return r, nil
	}
	switch s.policy {
	case "never":
		r.Finding(runbook.Warning, what, "a reboot is required (%s); updates.reboot is never, so it was not rebooted", s.file)
		r.Recommend("Reboot the host by hand inside the next maintenance window.")
	case "now":
		if env.DryRun {
			r.Action("would: reboot after the report is written and the notification sent: %s", strings.Join(s.cmds.Now, " "))
			break
		}
		s.due.Store(true)
		env.Record("reboot after the report is written and the notification sent: %s", strings.Join(s.cmds.Now, " "))
	default:
		return s.schedule(ctx, env, what)
	}
	return r, nil
}

// schedule schedules the window-end reboot, if it falls inside the window.
func (s *rebootStep) schedule(ctx context.Context, env *runbook.Env, what string) (runbook.Result, error) {
	var r runbook.Result
	at := env.Now().Add(s.cmds.Delay)
	if !env.Deadline.IsZero() && at.After(env.Deadline) {
		r.Finding(runbook.Warning, what, "a reboot is required (%s), but at %s it would fall outside the window (it closes %s): not scheduled",
			s.file, at.Format("15:04"), env.Deadline.Format("15:04"))
		r.Recommend("Reboot inside the next maintenance window.")
		return r, nil
	}
	msg := "fossamaint: reboot after maintenance run " + env.RunID() + " (" + what + ")"
	argv := s.cmds.Schedule(s.cmds.Delay, msg)
	err := env.Do(ctx, fmt.Sprintf("schedule a reboot at %s: %s", at.Format("15:04:05"), strings.Join(argv, " ")), func(ctx context.Context) error {
		return runArgv(ctx, s.runner, argv)
	})
	if err != nil {
		r.Finding(runbook.Warning, err.Error(), "a reboot is required (%s), but scheduling it failed", s.file)
		r.Recommend("Reboot the host by hand inside the window.")
	}
	return r, nil
}

// runArgv runs argv; a non-zero exit is an error with its stderr.
func runArgv(ctx context.Context, runner updates.Runner, argv []string) error {
	_, stderr, code, err := runner.Run(ctx, "", nil, argv...)
	if err != nil {
		return err
	}
	if code != 0 {
		return fmt.Errorf("%s exited %d: %s", argv[0], code, strings.TrimSpace(string(stderr)))
	}
	return nil
}

// RebootIfDue reboots the host when this procedure's run ended with a
// reboot due (updates.reboot: now and an applied update asked for one).
// cli calls it after the report is written and the notification sent.
// It reports whether it ran the reboot command.
func (p *Procedure) RebootIfDue(ctx context.Context) (bool, error) {
	if !p.rebootDue.Load() {
		return false, nil
	}
	argv := p.d.Reboot.withDefaults().Now
	if err := runArgv(ctx, p.d.Runner, argv); err != nil {
		return true, fmt.Errorf("rebooting (%s): %w; reboot the host by hand", strings.Join(argv, " "), err)
	}
	return true, nil
}
