package weekly

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/fossawork/fossamaint/internal/config"
	"github.com/fossawork/fossamaint/internal/human"
	"github.com/fossawork/fossamaint/internal/runbook"
	"github.com/fossawork/fossamaint/internal/updates"
)

// updatesPhase is the report-only checks of the seed's "System Updates
// and Security Patches"; applying by policy is updates/apply
// (updatesapply.go).
type updatesPhase struct {
	upd    config.Updates
	runner updates.Runner
	apt    *aptSource
}

// skippedIfCannotCheck turns "tool not installed" and "could not learn the
// answer" (index unreachable, no package lists) into a skipped step with
// the reason, never an ok with nothing found, and anything else into a
// step error.
func skippedIfCannotCheck(err error) (runbook.Result, error) {
	if errors.Is(err, updates.ErrToolMissing) || errors.Is(err, updates.ErrUnknown) {
		return runbook.Skipped("%v", err), nil
	}
	return runbook.Result{}, err
}

// aptUpdates reports the OS packages: the host's (Scope host), or the
// package state updates.apt.list_file holds under root (the demo's).
func (ph *updatesPhase) aptUpdates(ctx context.Context, _ *runbook.Env) (r runbook.Result, err error) {
	defer func() { r.Scope = ph.apt.scope() }()
	if !ph.upd.Apt.Enabled {
		return runbook.Skipped("updates.apt.enabled is false"), nil
	}
	rep, err := ph.apt.report(ctx)
	if err != nil {
		return skippedIfCannotCheck(err)
	}
	var sec []string
	for _, pkg := range rep.Packages {
		if pkg.Security {
			sec = append(sec, fmt.Sprintf("%s %s -> %s", pkg.Name, pkg.OldVersion, pkg.NewVersion))
		}
	}
	r.Metric("upgradable", float64(len(rep.Packages)), "count")
	r.Metric("security_updates", float64(len(sec)), "count")
	if len(sec) > 0 {
		r.Finding(runbook.Warning, strings.Join(first(sec, 20), "\n"), "%d of %d upgradable packages are security updates", len(sec), len(rep.Packages))
		r.Recommend("Apply the %s (apt-get upgrade with the security sources) in the next window.", human.Count(len(sec), "security update", "security updates"))
	} else if len(rep.Packages) > 0 {
		r.Finding(runbook.Info, "", "%s upgradable, none of them security updates", human.Count(len(rep.Packages), "package is", "packages are"))
	}
	if rep.RebootRequired {
		r.Finding(runbook.Warning, strings.Join(rep.RebootPackages, ", "), "a reboot is required (%s exists)", ph.upd.Apt.RebootRequiredFile)
		r.Recommend("Schedule a reboot inside the next maintenance window.")
	}
	return r, nil
}

func (ph *updatesPhase) pipUpdates(ctx context.Context, _ *runbook.Env) (runbook.Result, error) {
	cfg := ph.upd.Pip
	if !cfg.Enabled {
		return runbook.Skipped("updates.pip.enabled is false"), nil
	}
	rep, err := updates.CheckPip(ctx, ph.runner, cfg.Venv, cfg.Watch)
	if err != nil {
		return skippedIfCannotCheck(err)
	}
	var r runbook.Result
	var watched []string
	for _, pkg := range rep.Outdated {
		if pkg.Watched {
			watched = append(watched, fmt.Sprintf("%s %s -> %s", pkg.Name, pkg.Version, pkg.LatestVersion))
		}
	}
	r.Metric("outdated", float64(len(rep.Outdated)), "count")
	r.Metric("outdated_watched", float64(len(watched)), "count")
	if len(watched) > 0 {
		r.Finding(runbook.Warning, strings.Join(watched, "\n"), "%d watched Python packages are outdated", len(watched))
		r.Recommend("Test and upgrade %s in staging before the next window.", strings.Join(first(watched, 4), "; "))
	}
	return r, nil
}

func (ph *updatesPhase) npmAudit(ctx context.Context, _ *runbook.Env) (runbook.Result, error) {
	cfg := ph.upd.Npm
	if !cfg.Enabled {
		return runbook.Skipped("updates.npm.enabled is false"), nil
	}
	rep, err := updates.CheckNpm(ctx, ph.runner, cfg.Dir)
	if err != nil {
		return skippedIfCannotCheck(err)
	}
	var r runbook.Result
	c := rep.Counts
	for sev, n := range map[string]int{"critical": c.Critical, "high": c.High, "moderate": c.Moderate, "low": c.Low, "info": c.Info} {
		r.Metric("vulnerabilities_"+sev, float64(n), "count")
	}
	// updates.FindingSeverity is the one mapping of npm's levels to ours.
	evidence := vulnerabilityLines(rep.Vulnerabilities)
	switch sev := c.Worst(); {
	case sev == runbook.Warning:
		r.Finding(sev, evidence, "npm audit: %d high or critical vulnerabilities in the frontend", c.Critical+c.High)
		r.Recommend("Review `npm audit` in %s and upgrade without --force (breaking changes need testing).", cfg.Dir)
	case c.Total > 0:
		r.Finding(runbook.Info, evidence, "npm audit: %d low or moderate vulnerabilities", c.Total)
	}
	return r, nil
}

// vulnerabilityLines are the audit's vulnerable packages, one a line,
// most severe first: "@scope/pkg (moderate, direct, affected <1.2.1): Prototype
// pollution in ...; fix available".
func vulnerabilityLines(vs []updates.Vulnerability) string {
	var lines []string
	for _, v := range vs {
		attrs := []string{v.Severity}
		if v.Direct {
			attrs = append(attrs, "direct")
		}
		if v.Range != "" {
			attrs = append(attrs, "affected "+v.Range)
		}
		line := fmt.Sprintf("%s (%s)", v.Name, strings.Join(attrs, ", "))
		if len(v.Via) > 0 {
			line += ": " + strings.Join(v.Via, "; ")
		}
		switch {
		case v.FixIsBreaking:
			line += "; the fix is a major upgrade"
		case v.FixAvailable:
			line += "; fix available"
		}
		lines = append(lines, line)
	}
	return strings.Join(lines, "\n")
}

func first(s []string, n int) []string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
