package weekly

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/fossawork/fossamaint/internal/history"
	"github.com/fossawork/fossamaint/internal/install"
	"github.com/fossawork/fossamaint/internal/recovery"
	"github.com/fossawork/fossamaint/internal/runbook"
)

// restartStep is the updates phase's restart step. A running backend
// keeps the code it loaded: after the apply step changed application
// packages (pip, npm), the services run the old code until restarted,
// and postflight's health checks would judge code that no longer exists
// on disk. So the managed services are restarted here, right after the
// change, and the downtime counted; when a service does not come back
// ready, the step's Undo puts the application updates back and starts it
// again (the run is then rolled back). OS packages (apt) alone do not
// restart anything: the reboot step deals with what they ask for.
type restartStep struct {
	set      *appliedSet
	rec      *recovery.Kit
	services install.Services
	now      func() time.Time
	record   func(ctx context.Context, changes []history.UpdateChange) error
}

func (s *restartStep) run(ctx context.Context, env *runbook.Env) (runbook.Result, error) {
	changed := s.set.applicationManagers()
	if env.DryRun {
		changed = s.set.plannedApplicationManagers()
	}
	if len(changed) == 0 {
		return runbook.NotNeeded("no application package (pip, npm) changed in this run"), nil
	}
	units := s.services.Managed()
	if len(units) == 0 && env.DryRun {
		var r runbook.Result
		r.Action("would: leave the restart to you (services.manager is none): the application runs the old code until it is restarted")
		return r, nil
	}
	if len(units) == 0 {
		var r runbook.Result
		r.Finding(runbook.Warning, "", "the %s packages changed, but services.manager is none: the application runs the old code until it is restarted, and postflight checked that old code",
			strings.Join(changed, " and "))
		r.Recommend("Restart the application now, then check it (`fossamaint health`).")
		return r, nil
	}
	var r runbook.Result
	var names []string
	for _, u := range units {
		names = append(names, u.Name)
	}
	if env.DryRun {
		r.Action("would: restart %s to load the upgraded %s packages", strings.Join(names, ", "), strings.Join(changed, " and "))
		return r, nil
	}
	stopped := s.now()
	defer func() { env.Downtime(s.now().Sub(stopped)) }()
	for _, u := range units {
		if err := s.rec.StopUnit(ctx, env, u); err != nil {
			return r, fmt.Errorf("restarting %s to load the upgraded %s packages: %w", u.Name, strings.Join(changed, " and "), err)
		}
		ready, err := s.rec.StartUnit(ctx, env, u)
		if err != nil {
			return r, fmt.Errorf("%s did not come back after the %s upgrade: %w (the step's undo puts the previous packages back)", u.Name, strings.Join(changed, " and "), err)
		}
		r.Metric("ready_seconds:"+u.Name, ready.Seconds(), "s")
	}
	r.Action("restarted %s: the upgraded %s packages are running", strings.Join(names, ", "), strings.Join(changed, " and "))
	return r, nil
}

// undo runs when a restarted service did not become ready: the
// application updates are undone from their snapshots and every managed
// service is started again on the previous packages.
func (s *restartStep) undo(ctx context.Context, env *runbook.Env) error {
	_, undone, err := undoApplied(ctx, env, s.set)
	errs := []error{err, recordReversal(ctx, s.record, env.RunID(), undone)}
	// The services come back even when the undo used up the engine's undo
	// budget (a slow pip reinstall, npm ci and build): each start is
	// bounded by services.ready_timeout, and a service left stopped here
	// would stay down until postflight.
	ctx = context.WithoutCancel(ctx)
	for _, u := range s.services.Managed() {
		if active, aerr := s.services.Manager.Active(ctx, u.Name); aerr == nil && active {
			if serr := s.rec.StopUnit(ctx, env, u); serr != nil {
				errs = append(errs, serr)
				continue
			}
		}
		if _, serr := s.rec.StartUnit(ctx, env, u); serr != nil {
			errs = append(errs, serr)
		}
	}
	return errors.Join(errs...)
}
