package weekly

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/fossawork/fossamaint/internal/config"
	"github.com/fossawork/fossamaint/internal/health"
	"github.com/fossawork/fossamaint/internal/install"
	"github.com/fossawork/fossamaint/internal/recovery"
	"github.com/fossawork/fossamaint/internal/runbook"
	"github.com/fossawork/fossamaint/internal/updates"
)

// Phase names, in the order the seed performs them.
var PhaseNames = []string{"preflight", "updates", "database", "logs", "performance", "security", "backups", "postflight"}

// ErrPhaseSelection is wrapped by errors in --only/--skip phase names.
var ErrPhaseSelection = errors.New("bad phase selection")

// Deps are the side-effecting things the procedure uses; tests point them
// at real temp dirs, real SQLite files and real loopback servers.
type Deps struct {
	// Install is the resolved configuration: every option a phase takes
	// comes from it, including the service manager.
	Install *install.Installation
	Checker *health.Checker
	Runner  updates.Runner
	// Now is the clock.
	Now func() time.Time
	// TopSample is how long CPU use of processes is sampled (default 1s).
	TopSample time.Duration
}

// Procedure builds the plan and keeps what steps share (the preflight
// latency baseline, the week's log summary, the apt report).
type Procedure struct {
	d   Deps
	in  *install.Installation
	rec *recovery.Kit
	s   *shared
	// selected are the phases of the current plan, so a step can leave a
	// finding to the phase that owns it instead of reporting it twice.
	selected []string
}

// New returns the procedure for deps.
func New(d Deps) *Procedure {
	if d.TopSample <= 0 {
		d.TopSample = time.Second
	}
	if d.Checker == nil {
		d.Checker = &health.Checker{}
	}
	return &Procedure{d: d, in: d.Install, rec: recovery.New(d.Install, d.Checker, d.Now), s: newShared()}
}

// Plan returns the phases selected by only and skip (phase names; empty
// only means all).
func (p *Procedure) Plan(only, skip []string) (runbook.Plan, error) {
	all := []runbook.Phase{
		p.preflight(), p.updates(), p.database(), p.logs(),
		p.performance(), p.security(), p.backups(), p.postflight(),
	}
	if err := checkNames(only); err != nil {
		return runbook.Plan{}, fmt.Errorf("--only: %w", err)
	}
	if err := checkNames(skip); err != nil {
		return runbook.Plan{}, fmt.Errorf("--skip: %w", err)
	}
	var plan runbook.Plan
	for _, ph := range all {
		if (len(only) == 0 || slices.Contains(only, ph.Name)) && !slices.Contains(skip, ph.Name) {
			plan.Phases = append(plan.Phases, ph)
		}
	}
	if len(plan.Phases) == 0 {
		return plan, fmt.Errorf("%w: --only and --skip leave no phase to run", ErrPhaseSelection)
	}
	p.selected = p.selected[:0]
	for _, ph := range plan.Phases {
		p.selected = append(p.selected, ph.Name)
	}
	return plan, nil
}

func checkNames(names []string) error {
	for _, n := range names {
		if !slices.Contains(PhaseNames, n) {
			return fmt.Errorf("%w: unknown phase %q (phases: %s)", ErrPhaseSelection, n, strings.Join(PhaseNames, ", "))
		}
	}
	return nil
}

// ownedElsewhere is the severity for a finding that phase reports in full:
// info when that phase is part of this run, warning when it is not.
func (p *Procedure) ownedElsewhere(phase string) runbook.Severity {
	if slices.Contains(p.selected, phase) {
		return runbook.Info
	}
	return runbook.Warning
}

// localNow is the clock in the installation's zone: backup and
// rollback-point names carry its wall-clock time, which is how listing
// and DailyFor read them back.
func (p *Procedure) localNow() time.Time { return p.d.Now().In(p.in.Zone) }

func (p *Procedure) thresholds() config.Thresholds { return p.in.Thresholds }
