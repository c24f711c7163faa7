package weekly

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/fossawork/fossamaint/internal/history"
	"github.com/fossawork/fossamaint/internal/human"
	"github.com/fossawork/fossamaint/internal/install"
	"github.com/fossawork/fossamaint/internal/runbook"
	"github.com/fossawork/fossamaint/internal/updates"
)

// ApplierFactory makes the Applier of manager (apt, pip, npm) under
// policy; cli wires the real ones (updates.NewAptApplier, ...). It
// returns an error wrapping ErrNoApplier when it has none for manager.
type ApplierFactory func(manager, policy string) (updates.Applier, error)

// ErrNoApplier says updates of a manager cannot be applied by this build.
var ErrNoApplier = errors.New("no applier for this package manager")

// ManagerPlan is the plan of one manager whose policy is not none (or
// whose policy was given for this plan only): `updates plan` and the
// weekly run's dry run show it.
type ManagerPlan struct {
	Manager string `json:"manager"`
	Policy  string `json:"policy"`
	// Plan is the Applier's plan; nil when Error is set.
	Plan *updates.Plan `json:"plan,omitempty"`
	// Error is why no plan could be made (the tool is missing, the
	// index unreachable).
	Error string `json:"error,omitempty"`
	// Missing is true when Error means the manager cannot be planned
	// here at all (updates.ErrToolMissing): the step skips it.
	Missing bool `json:"-"`
	applier updates.Applier
}

// planner makes the plans of the managers whose updates are applied.
type planner struct {
	policies install.UpdatePolicies
	factory  ApplierFactory
}

// plans plans every manager whose policy is not none; override sets a
// manager's policy for these plans only ("none" leaves it out).
func (pl planner) plans(ctx context.Context, override map[string]string) []ManagerPlan {
	var out []ManagerPlan
	for _, m := range install.Managers {
		policy := pl.policies.For(m).Apply
		if !pl.policies.For(m).Enabled {
			policy = updates.PolicyNone
		}
		if o, ok := override[m]; ok {
			policy = o
		}
		if policy == "" || policy == updates.PolicyNone {
			continue
		}
		out = append(out, pl.plan(ctx, m, policy))
	}
	return out
}

func (pl planner) plan(ctx context.Context, manager, policy string) ManagerPlan {
	mp := ManagerPlan{Manager: manager, Policy: policy}
	if pl.factory == nil {
		mp.Error, mp.Missing = fmt.Sprintf("%s: %v", manager, ErrNoApplier), true
		return mp
	}
	ap, err := pl.factory(manager, policy)
	if err != nil {
		mp.Error, mp.Missing = err.Error(), errors.Is(err, ErrNoApplier) || errors.Is(err, updates.ErrToolMissing)
		return mp
	}
	p, err := ap.Plan(ctx)
	if err != nil {
		mp.Error, mp.Missing = err.Error(), errors.Is(err, updates.ErrToolMissing)
		return mp
	}
	mp.Plan, mp.applier = &p, ap
	return mp
}

// UpdatePlans are the plans of the managers whose updates.*.apply is not
// none, or which override names with another policy than none: what
// `updates plan` prints and the weekly run would apply. Nothing changes.
func (p *Procedure) UpdatePlans(ctx context.Context, override map[string]string) []ManagerPlan {
	return planner{policies: p.in.UpdatePolicies, factory: p.d.Appliers}.plans(ctx, override)
}

// appliedUpdate is one manager's applied plan and the Applier that can
// undo it.
type appliedUpdate struct {
	applier updates.Applier
	applied updates.Applied
}

// appliedSet is what the apply step applied in this run, read by
// postflight's undo and reboot steps.
type appliedSet struct {
	mu   sync.Mutex
	list []appliedUpdate
	// rebootAsked says the reboot-required file appeared after the
	// apply step; rebootPkgs are the packages its .pkgs file lists.
	rebootAsked bool
	rebootPkgs  []string
	// undone are the changes postflight undid ("pip requests 2.32.3 ->
	// 2.31.0"): the run was rolled back.
	undone []string
	// planned are the managers a dry run would have changed packages of.
	planned []string
}

// isApplication says whether a manager's packages are the application's
// (undone from a snapshot, loaded by a restart), not the OS's.
func isApplication(manager string) bool { return manager != "apt" }

// applicationManagers are the application managers (pip, npm) whose
// packages this run changed, in the order they were applied.
func (s *appliedSet) applicationManagers() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, a := range s.list {
		if isApplication(a.applied.Manager) && len(a.applied.Changes) > 0 && !slices.Contains(out, a.applied.Manager) {
			out = append(out, a.applied.Manager)
		}
	}
	return out
}

// plan notes, in a dry run, that manager's packages would change.
func (s *appliedSet) plan(manager string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if isApplication(manager) && !slices.Contains(s.planned, manager) {
		s.planned = append(s.planned, manager)
	}
}

func (s *appliedSet) plannedApplicationManagers() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.planned)
}

func (s *appliedSet) askReboot(pkgs []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rebootAsked, s.rebootPkgs = true, pkgs
}

func (s *appliedSet) reboot() (asked bool, pkgs []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rebootAsked, s.rebootPkgs
}

func (s *appliedSet) markUndone(lines []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.undone = append(s.undone, lines...)
}

func (s *appliedSet) undoneChanges() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.undone
}

func (s *appliedSet) add(a appliedUpdate) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.list = append(s.list, a)
}

func (s *appliedSet) replace(list []appliedUpdate) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.list = list
}

func (s *appliedSet) all() []appliedUpdate {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]appliedUpdate(nil), s.list...)
}

// applyStep is the updates phase's apply step: each manager's plan,
// applied when it is not refused, every change recorded.
type applyStep struct {
	planner
	// stateDir holds the undo snapshots: state_dir/updates/<run>/<manager>.
	stateDir   string
	rebootFile string
	// record writes changes into the history (nil: a dry run or no
	// history).
	record func(ctx context.Context, changes []history.UpdateChange) error
	set    *appliedSet
	owner  ownership
}

func (s *applyStep) apply(ctx context.Context, env *runbook.Env) (runbook.Result, error) {
	plans := s.plans(ctx, nil)
	if len(plans) == 0 {
		return runbook.NotNeeded("updates.apt/pip/npm.apply are none: updates are reported, not applied"), nil
	}
	rebootBefore := exists(s.rebootFile)
	var r runbook.Result
	changed := 0
	var errs []error
	for _, mp := range plans {
		n, err := s.applyOne(ctx, env, mp, &r)
		changed += n
		if err != nil {
			errs = append(errs, err)
		}
	}
	object := "packages"
	if changed == 1 {
		object = "package"
	}
	r.Tally(runbook.Tally{Verb: "upgraded", Object: object, Count: changed, Itemized: true})
	r.Metric("packages_upgraded", float64(changed), "count")
	if !env.DryRun && !rebootBefore && exists(s.rebootFile) {
		pkgs := rebootPackages(s.rebootFile)
		s.set.askReboot(pkgs)
		if sev := s.owner.elsewhere("postflight"); sev == runbook.Info {
			r.Finding(sev, strings.Join(pkgs, ", "), "the applied updates ask for a reboot (%s appeared): postflight/reboot deals with it (updates.reboot)", s.rebootFile)
		} else {
			r.Finding(sev, strings.Join(pkgs, ", "), "the applied updates ask for a reboot (%s appeared); this run has no postflight to schedule it", s.rebootFile)
			r.Recommend("Reboot inside the next maintenance window.")
		}
	}
	return r, errors.Join(errs...)
}

// applyOne applies one manager's plan (or, in a dry run, says what it
// would do) and returns how many packages changed.
func (s *applyStep) applyOne(ctx context.Context, env *runbook.Env, mp ManagerPlan, r *runbook.Result) (int, error) {
	switch {
	case mp.Error != "" && mp.Missing:
		r.Finding(runbook.Info, mp.Error, "%s updates (policy %s) cannot be applied here", mp.Manager, mp.Policy)
		return 0, nil
	case mp.Error != "":
		r.Finding(runbook.Warning, mp.Error, "%s updates (policy %s): no plan could be made, nothing was applied", mp.Manager, mp.Policy)
		r.Recommend("Run `fossamaint updates plan` to see why the %s plan fails.", mp.Manager)
		return 0, nil
	case mp.Plan.Refused != "":
		r.Finding(runbook.Warning, strings.Join(mp.Plan.Also, "\n"), "%s plan refused, nothing of it applied: %s", mp.Manager, mp.Plan.Refused)
		r.Recommend("Review `fossamaint updates plan` and upgrade %s by hand if the removal is intended.", mp.Manager)
		return 0, nil
	}
	sel := mp.Plan.Selected()
	if len(sel) == 0 {
		r.Action("%s: nothing to upgrade under policy %s (%s pending)", mp.Manager, mp.Policy, human.Count(len(mp.Plan.Items), "update", "updates"))
		return 0, nil
	}
	if env.DryRun {
		s.set.plan(mp.Manager)
		for _, line := range PlanLines(*mp.Plan) {
			r.Action("would: %s", line)
		}
		return 0, nil
	}
	dir, err := snapshotDir(s.stateDir, env.RunID(), mp.Manager)
	if err != nil {
		return 0, err
	}
	var applied updates.Applied
	err = env.Do(ctx, fmt.Sprintf("%s: upgrade %s (policy %s)", mp.Manager, itemNames(sel), mp.Policy), func(ctx context.Context) error {
		var err error
		applied, err = mp.applier.Apply(ctx, *mp.Plan, dir)
		return err
	})
	if len(applied.Changes) > 0 || applied.Snapshot != "" {
		s.set.add(appliedUpdate{applier: mp.applier, applied: applied})
	}
	for _, c := range applied.Changes {
		r.Action("%s: upgraded %s %s -> %s", mp.Manager, c.Name, c.From, c.To)
	}
	if rerr := s.recordChanges(ctx, env.RunID(), applied.Changes); rerr != nil {
		r.Finding(runbook.Warning, rerr.Error(), "the %s changes could not be recorded in the history", mp.Manager)
	}
	if err != nil {
		return len(applied.Changes), fmt.Errorf("applying the %s updates: %w (the step's undo restores the snapshot in %s)", mp.Manager, err, dir)
	}
	return len(applied.Changes), nil
}

func (s *applyStep) recordChanges(ctx context.Context, runID string, changes []updates.Change) error {
	if s.record == nil || len(changes) == 0 {
		return nil
	}
	var rows []history.UpdateChange
	for _, c := range changes {
		rows = append(rows, history.UpdateChange{RunID: runID, Manager: c.Manager, Package: c.Name, From: c.From, To: c.To})
	}
	return s.record(context.WithoutCancel(ctx), rows)
}

// undo is the apply step's Undo (it failed or was interrupted): the
// application updates applied so far are put back.
func (s *applyStep) undo(ctx context.Context, env *runbook.Env) error {
	_, undone, err := undoApplied(ctx, env, s.set)
	return errors.Join(err, recordReversal(ctx, s.record, env.RunID(), undone))
}

// snapshotDir makes state_dir/updates/<run>/<manager>, each level 0700.
func snapshotDir(stateDir, runID, manager string) (string, error) {
	dir := stateDir
	for _, part := range []string{"updates", runID, manager} {
		dir = filepath.Join(dir, part)
		if err := os.Mkdir(dir, 0o700); err != nil && !errors.Is(err, os.ErrExist) {
			return "", fmt.Errorf("creating the snapshot directory %s: %w (check state_dir's permissions)", dir, err)
		}
		if err := os.Chmod(dir, 0o700); err != nil {
			return "", fmt.Errorf("making %s private: %w", dir, err)
		}
	}
	return dir, nil
}

// PlanLines are a plan as lines of text: every selected package, then
// the commands, what else they pull in, and why the plan is refused.
// The weekly dry run lists them after "would:".
func PlanLines(p updates.Plan) []string {
	var out []string
	for _, it := range p.Selected() {
		out = append(out, fmt.Sprintf("%s: upgrade %s %s -> %s (%s)", p.Manager, it.Name, it.From, it.To, it.Why))
	}
	for _, c := range p.Commands {
		out = append(out, fmt.Sprintf("%s: run %s", p.Manager, strings.Join(c, " ")))
	}
	for _, a := range p.Also {
		out = append(out, fmt.Sprintf("%s: also %s", p.Manager, a))
	}
	if p.Refused != "" {
		out = append(out, fmt.Sprintf("%s: refused: %s", p.Manager, p.Refused))
	}
	return out
}

func itemNames(items []updates.PlanItem) string {
	var names []string
	for _, it := range items {
		names = append(names, it.Name)
	}
	if len(names) > 10 {
		return strings.Join(names[:10], ", ") + fmt.Sprintf(" and %d more", len(names)-10)
	}
	return strings.Join(names, ", ")
}

func exists(path string) bool {
	if path == "" {
		return false
	}
	_, err := os.Stat(path)
	return err == nil
}

// rebootPackages are the packages listed in the reboot-required file's
// .pkgs sibling, one a line.
func rebootPackages(rebootFile string) []string {
	b, err := os.ReadFile(rebootFile + ".pkgs")
	if err != nil {
		return nil
	}
	var out []string
	for _, l := range strings.Split(string(b), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// noticeUpdates is what the stakeholder notice says of updates: reported
// only (every policy none), or which managers apply which policy.
func noticeUpdates(pol install.UpdatePolicies) string {
	active := pol.Active()
	if len(active) == 0 {
		return "checked and reported only: no update is applied in this window"
	}
	var parts []string
	for _, m := range active {
		parts = append(parts, m+" "+pol.For(m).Apply)
	}
	return "applied by policy (" + strings.Join(parts, ", ") + "), pip and npm undone if the application is unhealthy afterwards; a reboot they ask for: " + pol.Reboot
}
