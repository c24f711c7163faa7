package install

import (
	"slices"

	"github.com/fossawork/fossamaint/internal/config"
)

// Managers are the package managers whose updates fossamaint applies, in
// the order a run applies them.
var Managers = []string{"apt", "pip", "npm"}

// UpdatePolicies say which updates are applied (issue 14): per manager its
// policy and exclude list, the frontend's build command and what happens
// when an update asks for a reboot.
type UpdatePolicies struct {
	Apt, Pip, Npm ManagerPolicy
	// Build is updates.npm.build: the frontend's build command (argv),
	// run after an applied npm update; empty: none.
	Build []string
	// Reboot is never, window-end or now.
	Reboot string
	// RebootRequiredFile is the absolute path of the flag file
	// (/var/run/reboot-required); its .pkgs sibling lists the packages.
	RebootRequiredFile string
}

// ManagerPolicy is one manager's updates.<manager>.apply and exclude.
type ManagerPolicy struct {
	// Enabled is updates.<manager>.enabled: a disabled manager applies
	// nothing, whatever its policy.
	Enabled bool
	// Apply is none, security, patch, minor or all.
	Apply   string
	Exclude []string
}

// For returns the policy of manager (apt, pip or npm); an unknown manager
// has none.
func (u UpdatePolicies) For(manager string) ManagerPolicy {
	switch manager {
	case "apt":
		return u.Apt
	case "pip":
		return u.Pip
	case "npm":
		return u.Npm
	}
	return ManagerPolicy{Apply: "none"}
}

// Applies reports whether manager's updates are applied: it is enabled
// and its policy is not none.
func (u UpdatePolicies) Applies(manager string) bool {
	p := u.For(manager)
	return p.Enabled && p.Apply != "" && p.Apply != "none"
}

// Active are the managers whose updates are applied, in Managers order.
func (u UpdatePolicies) Active() []string {
	var out []string
	for _, m := range Managers {
		if u.Applies(m) {
			out = append(out, m)
		}
	}
	return out
}

// resolvePolicies reads the policies from cfg (validated by config.Load:
// an empty apply is none, an empty reboot window-end).
func resolvePolicies(cfg config.Config) UpdatePolicies {
	u := cfg.Updates
	pol := func(enabled bool, apply string, exclude []string) ManagerPolicy {
		if apply == "" {
			apply = "none"
		}
		return ManagerPolicy{Enabled: enabled, Apply: apply, Exclude: slices.Clone(exclude)}
	}
	reboot := u.Reboot
	if reboot == "" {
		reboot = "window-end"
	}
	return UpdatePolicies{
		Apt:                pol(u.Apt.Enabled, u.Apt.Apply, u.Apt.Exclude),
		Pip:                pol(u.Pip.Enabled, u.Pip.Apply, u.Pip.Exclude),
		Npm:                pol(u.Npm.Enabled, u.Npm.Apply, u.Npm.Exclude),
		Build:              slices.Clone(u.Npm.Build),
		Reboot:             reboot,
		RebootRequiredFile: cfg.Path(u.Apt.RebootRequiredFile),
	}
}
