package recovery

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/fossawork/fossamaint/internal/config"
	"github.com/fossawork/fossamaint/internal/health"
	"github.com/fossawork/fossamaint/internal/install"
	"github.com/fossawork/fossamaint/internal/runbook"
	"github.com/fossawork/fossamaint/internal/service"
)

// Kit is what recovery needs: the installation, the endpoint checker and
// the clock. The weekly run uses the same Kit for its service actions, so
// a unit is stopped, started and waited for in one way everywhere.
type Kit struct {
	in      *install.Installation
	checker *health.Checker
	now     func() time.Time
}

// New returns the Kit for an installation. A nil checker is the default
// one; a nil clock is time.Now.
func New(in *install.Installation, checker *health.Checker, now func() time.Time) *Kit {
	if checker == nil {
		checker = &health.Checker{}
	}
	if now == nil {
		now = time.Now
	}
	return &Kit{in: in, checker: checker, now: now}
}

// localNow is the clock in the installation's zone: backup and
// rollback-point names carry its wall-clock time.
func (k *Kit) localNow() time.Time { return k.now().In(k.in.Zone) }

// DBUnits are the units whose process holds the database: the ones a
// restore must stop.
func (k *Kit) DBUnits() []config.Service {
	if u, ok := k.in.Services.Unit(k.in.Database.Service); ok {
		return []config.Service{u}
	}
	return nil
}

// startAll starts every managed unit that is not active.
func (k *Kit) StartAll(ctx context.Context, env *runbook.Env, r *runbook.Result) error {
	var errs []error
	for _, u := range k.in.Services.Managed() {
		active, err := k.in.Services.Manager.Active(ctx, u.Name)
		if err != nil {
			r.Finding(runbook.Warning, err.Error(), "could not tell whether %s is active", u.Name)
		}
		if active {
			continue
		}
		if _, err := k.StartUnit(ctx, env, u); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// startUnit starts u through the journal and waits until it is ready.
func (k *Kit) StartUnit(ctx context.Context, env *runbook.Env, u config.Service) (ready time.Duration, err error) {
	err = env.Do(ctx, "start "+u.Name, func(ctx context.Context) error {
		ready, err = service.StartAndWait(ctx, k.in.Services.Manager, u.Name, k.ReadinessProbe(u), k.in.Services.ReadyTimeout)
		return err
	})
	if err != nil {
		return ready, fmt.Errorf("starting %s: %w", u.Name, err)
	}
	return ready, nil
}

// stopUnit stops u through the journal.
func (k *Kit) StopUnit(ctx context.Context, env *runbook.Env, u config.Service) error {
	err := env.Do(ctx, "stop "+u.Name, func(ctx context.Context) error { return k.in.Services.Manager.Stop(ctx, u.Name) })
	if err != nil {
		return fmt.Errorf("stopping %s: %w", u.Name, err)
	}
	return nil
}

// ReadinessProbe polls the unit's health URL, or only its active state
// when it has none.
func (k *Kit) ReadinessProbe(u config.Service) func(context.Context) error {
	mgr := k.in.Services.Manager
	if u.HealthURL == "" {
		return func(ctx context.Context) error {
			ok, err := mgr.Active(ctx, u.Name)
			if err == nil && !ok {
				err = fmt.Errorf("%s is not active", u.Name)
			}
			return err
		}
	}
	chk := health.Check{Name: u.Name, URL: u.HealthURL, Expect: []int{200}, Timeout: k.in.Health.Timeout}
	return func(ctx context.Context) error {
		if res := k.checker.Probe(ctx, chk); !res.Healthy {
			return fmt.Errorf("%s", res.Err)
		}
		return nil
	}
}

func first(s []string, n int) []string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

func short(h string) string {
	if len(h) > 12 {
		return h[:12]
	}
	return h
}
