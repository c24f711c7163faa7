// Package updates reports pending updates of the maintained host and
// application: OS packages (apt list --upgradable), the backend's Python
// virtualenv (pip list --outdated) and the frontend's npm dependencies
// (npm audit). The checks are report-only: they install, upgrade, fix or
// even refresh nothing.
//
// Applying is separate and by policy (apply.go, issue 14): an Applier per
// manager (NewAptApplier, NewPipApplier, NewNpmApplier) makes a Plan that
// changes nothing (what the policy selects and why, the exact commands,
// what else they pull in; apt's simulation, pip's and npm's dry runs),
// applies exactly that plan after taking what undoing it needs (pip
// freeze, package.json and its lockfile), records each change as the tool
// reports it afterwards (dpkg-query, pip freeze, the lockfile), and undoes
// it (pip, npm) or lists the downgrade commands (apt: OS packages are
// never downgraded automatically). The default policy, none, is the old
// report-only behaviour. The seed's `apt upgrade -y` and `npm audit fix
// --force` are never run: only selected packages at pinned versions.
//
// Commands run through the Runner interface, with argv only (never a shell
// string) and bounded output. When fossamaint runs as root, pip and npm
// (checks, plans, apply, undo, the frontend build) run as the owner of
// the virtualenv or frontend directory, with that user's groups, HOME and
// caches (owner.go: AsOwnerOf, OwnerOf), so that no root-owned file lands
// in the application's tree and no package's install step runs as root;
// npm install and npm ci also get --ignore-scripts unless
// updates.npm.install_scripts allows lifecycle scripts. A tool, virtualenv, directory or lockfile that
// is not there is not a failure of the check but a reason to skip it: such
// errors match ErrToolMissing (errors.Is) and carry the reason to print.
//
// The parsers (ParseAptUpgradable, ParsePipOutdated, ParseNpmAudit) are pure
// functions of the command output, fuzzed, and tested against fixtures of real
// outputs under testdata/.
//
// CheckAptFile reads that command's output from a file instead
// (updates.apt.list_file): written by a job allowed to run apt, or the
// demo's generated package state.
//
// Note that `apt list --upgradable` reads the package lists as of the last
// `apt update` (run by the distribution's timers); refreshing them needs root
// and changes system state, so it is not done here.
//
// It returns plain domain structs; internal/weekly turns them into runbook
// Results. npm's own severity levels are kept as npm writes them and mapped
// onto internal/finding's vocabulary in one function, FindingSeverity. Of
// fossamaint it imports only the leaf helpers; it must not import
// internal/runbook, internal/weekly, internal/cli or any other fossamaint
// domain package (internal/archtest checks this).
package updates
