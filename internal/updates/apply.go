package updates

import (
	"context"
	"errors"
	"slices"
	"strings"
)

// Applying updates by policy (issue 14). Each package manager (apt, pip,
// npm) is an Applier: Plan says, without changing anything, what the
// policy selects and which commands would run; Apply runs exactly that
// plan, after taking what Undo needs; Undo puts the previous state back
// where that is safe (pip from its freeze snapshot, npm from its
// lockfile), or says how (apt: the downgrade commands, never run by us).
//
// Policies: "none" (report only, the default), "security" (apt: a
// candidate from a security origin), "patch" and "minor" (pip, npm: only
// upgrades within that semver range of the installed version), "all".
// Held packages and a manager's exclude list are never selected.

// Policy values.
const (
	PolicyNone     = "none"
	PolicySecurity = "security"
	PolicyPatch    = "patch"
	PolicyMinor    = "minor"
	PolicyAll      = "all"
)

// Applier is one package manager's plan, apply and undo.
type Applier interface {
	// Manager names it: "apt", "pip" or "npm".
	Manager() string
	// Plan changes nothing.
	Plan(ctx context.Context) (Plan, error)
	// Apply runs p (a Plan of this Applier) and records every change.
	// snapshotDir is a private directory (0700) that Apply may keep its
	// undo snapshot in (pip freeze, package.json and its lockfile).
	Apply(ctx context.Context, p Plan, snapshotDir string) (Applied, error)
	// Undo restores the state before a; for apt it returns
	// ErrNoAutomaticUndo and the commands are in a.UndoCommands.
	Undo(ctx context.Context, a Applied) error
}

// Plan is what a policy selects from the pending updates of one manager.
type Plan struct {
	Manager string `json:"manager"`
	Policy  string `json:"policy"`
	// Items are every pending update, selected or not, with why.
	Items []PlanItem `json:"items"`
	// Commands are the argv lists Apply would run, in order.
	Commands [][]string `json:"commands"`
	// Also are packages the commands would install or upgrade beyond the
	// selected ones (apt's dependencies), as "name from -> to".
	Also []string `json:"also"`
	// Refused, when set, is why the plan must not be applied (apt would
	// remove a package); Apply refuses it.
	Refused string `json:"refused,omitempty"`
}

// PlanItem is one pending update.
type PlanItem struct {
	Name     string `json:"name"`
	From     string `json:"from"`
	To       string `json:"to"`
	Selected bool   `json:"selected"`
	// Why says why it is selected or not ("security origin
	// Debian-Security", "major upgrade, policy minor", "held",
	// "excluded by updates.pip.exclude").
	Why string `json:"why"`
}

// Selected are the items the policy chose.
func (p Plan) Selected() []PlanItem {
	var out []PlanItem
	for _, it := range p.Items {
		if it.Selected {
			out = append(out, it)
		}
	}
	return out
}

// Change is one package changed by Apply, as the tool reports it
// afterwards (dpkg-query, pip freeze, the lockfile), not as planned.
type Change struct {
	Manager string `json:"manager"`
	Name    string `json:"name"`
	From    string `json:"from"`
	To      string `json:"to"`
}

// Applied is what Apply did and what Undo needs.
type Applied struct {
	Manager string   `json:"manager"`
	Changes []Change `json:"changes"`
	// Snapshot is the file or directory Undo restores from ("" for apt).
	Snapshot string `json:"snapshot,omitempty"`
	// UndoCommands are the argv lists that would put the previous
	// versions back (apt: apt-get install pkg=old ...), for the report.
	UndoCommands [][]string `json:"undo_commands,omitempty"`
}

// Automatic says the Applier's Undo can put these changes back: it took
// a snapshot first (pip, npm). Without one (apt) Undo answers
// ErrNoAutomaticUndo and UndoCommands are for a person.
func (a Applied) Automatic() bool { return a.Snapshot != "" }

// ErrNoAutomaticUndo is Undo's answer for OS packages: they are not
// downgraded automatically; Applied.UndoCommands say how.
var ErrNoAutomaticUndo = errors.New("OS packages are not downgraded automatically: run the listed apt-get install commands if needed")

// DiffVersions is what changed from before to after (name -> version, as
// the tool lists them afterwards: dpkg-query, pip freeze, a lockfile),
// sorted by name: From is "" for a package that appeared, To "" for one
// that went. Never nil, so a run that changed nothing says [] in JSON.
func DiffVersions(manager string, before, after map[string]string) []Change {
	out := []Change{}
	for name, was := range before {
		if now, ok := after[name]; !ok || now != was {
			out = append(out, Change{Manager: manager, Name: name, From: was, To: now})
		}
	}
	for name, now := range after {
		if _, ok := before[name]; !ok {
			out = append(out, Change{Manager: manager, Name: name, To: now})
		}
	}
	slices.SortFunc(out, func(a, b Change) int { return strings.Compare(a.Name, b.Name) })
	return out
}
