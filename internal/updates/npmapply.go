package updates

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// The npm Applier upgrades the frontend's direct dependencies by policy.
//
// Plan runs `npm outdated --json` (direct dependencies only; it exits 1
// when something is outdated) and, for patch and minor, `npm view NAME
// versions --json` to find the highest version the policy allows, never
// above the registry's "latest" tag and never a prerelease (when the
// policy allows latest itself, npm view is not needed). It also runs `npm
// audit` and says, in an item's Why, which finding its upgrade fixes (its
// new version is outside the advisories' ranges, or reaches npm's
// fixAvailable version) when the registry answers.
//
// The commands are `npm install --no-audit --no-fund --save-exact
// --ignore-scripts name@version ...` of the selected packages only, `npm
// ci --ignore-scripts` (node_modules exactly as the new lockfile says, as
// a fresh deployment gets it) and the build command if configured.
// --ignore-scripts, unless updates.npm.install_scripts is true
// (NpmInstallScripts): a package's lifecycle scripts (preinstall,
// install, postinstall) are arbitrary code from the registry, and an
// unattended night run should not run whatever a new version brings, not
// even as the frontend's owner (they run as that user, see owner.go). A
// package that needs one (a native module built by node-gyp) needs the
// key. The build command is the operator's own and always runs. Never --force, and no `npm audit fix`: it
// picks versions by package.json's ranges, not by the policy or the
// exclude list. Plan runs the install with --dry-run: what else it would
// add, change or remove (dependencies of the new versions) goes into
// Also, and an install npm would refuse (a peer dependency conflict)
// refuses the plan. --save-exact writes the version installed into
// package.json, so that a later `npm install` cannot move past what the
// policy chose.
//
// Apply first copies package.json and the lockfile into snapshotDir/npm
// (0600); Undo puts them back, runs `npm ci` (the old tarballs are in
// npm's cache), checks that the lockfile is the snapshot byte for byte and
// node_modules holds the old versions, and rebuilds; Applied.UndoCommands
// are the same steps for an operator (cp, npm ci --prefix). The Changes
// are read from the lockfile before and after, every package whose
// version moved, transitive ones included, and Apply fails when a
// selected package did not end at its planned version. A failing command
// or build is Apply's error, with an Applied that Undo takes.

// npmApplier is the Applier of NewNpmApplier.
type npmApplier struct {
	r       Runner
	dir     string
	policy  string
	exclude []string
	build   []string
	// installScripts lets npm install and npm ci run lifecycle scripts.
	installScripts bool
}

// NpmOption is an option of NewNpmApplier.
type NpmOption func(*npmApplier)

// NpmInstallScripts is updates.npm.install_scripts: on, npm install and
// npm ci run the packages' lifecycle scripts; off (the default), they get
// --ignore-scripts.
func NpmInstallScripts(on bool) NpmOption {
	return func(a *npmApplier) { a.installScripts = on }
}

// NewNpmApplier is the npm Applier of the frontend in dir (the directory
// of package.json and package-lock.json): policy is updates.npm.apply
// (none, patch, minor or all), exclude updates.npm.exclude (package names,
// never selected) and build updates.npm.build (an argv run in dir after
// the upgrade and after an undo, e.g. ["npm", "run", "build"]; empty: no
// build). A policy npm does not have is reported by Plan.
func NewNpmApplier(r Runner, dir string, policy string, exclude []string, build []string, opts ...NpmOption) Applier {
	a := &npmApplier{r: r, dir: dir, policy: policy, exclude: slices.Clone(exclude), build: slices.Clone(build)}
	for _, opt := range opts {
		opt(a)
	}
	return a
}

func (a *npmApplier) Manager() string { return "npm" }

// npmEnv is every npm command's environment: plain output, no update
// check, no funding messages.
var npmEnv = []string{"LC_ALL=C", "NO_COLOR=1", "npm_config_update_notifier=false", "npm_config_fund=false"}

// npmOutdated is one entry of `npm outdated --json`.
type npmOutdated struct {
	Current string `json:"current"`
	Wanted  string `json:"wanted"`
	Latest  string `json:"latest"`
}

// Plan implements Applier. It changes nothing in the frontend (npm
// refreshes its own cache of the registry's answers).
func (a *npmApplier) Plan(ctx context.Context) (Plan, error) {
	p := Plan{Manager: "npm", Policy: a.policy, Items: []PlanItem{}, Commands: [][]string{}, Also: []string{}}
	switch a.policy {
	case PolicyNone, PolicyPatch, PolicyMinor, PolicyAll:
	default:
		return p, fmt.Errorf("updates.npm.apply is %q: npm's policies are none, patch, minor and all (set one of them)", a.policy)
	}
	if err := npmPrerequisites(a.dir); err != nil {
		return p, err
	}
	outdated, err := a.outdated(ctx)
	if err != nil {
		return p, err
	}
	locked, err := readLock(a.dir)
	if err != nil {
		return p, err
	}
	for _, name := range slices.Sorted(maps.Keys(outdated)) {
		from := locked["node_modules/"+name].Version
		if from == "" {
			from = outdated[name].Current
		}
		p.Items = append(p.Items, a.planItem(ctx, name, from, outdated[name]))
	}
	a.auditNotes(ctx, p.Items)
	p.Commands = a.commands(p.Selected())
	if err := a.simulate(ctx, &p); err != nil {
		return p, err
	}
	return p, nil
}

// outdated runs `npm outdated --json`: exit 0 with {} when nothing is,
// exit 1 with the list when something is, exit 1 with an error object
// when npm failed.
func (a *npmApplier) outdated(ctx context.Context) (map[string]npmOutdated, error) {
	stdout, stderr, code, err := a.r.Run(ctx, a.dir, npmEnv, "npm", "outdated", "--json")
	if err != nil {
		return nil, fmt.Errorf("npm outdated in %s: %w", a.dir, err)
	}
	if npmErr := npmErrorObject(stdout); npmErr != nil {
		if npmErr.registry() {
			return nil, unknown("npm", "could not reach the registry: %s; outdated packages are unknown (check the network, proxy or registry)", npmErr.Summary)
		}
		return nil, fmt.Errorf("npm outdated in %s: %w", a.dir, npmErr)
	}
	if code != 0 && code != 1 {
		return nil, fmt.Errorf("npm outdated in %s: exit status %d: %s", a.dir, code, firstLines(stderr, 3))
	}
	out := map[string]npmOutdated{}
	if len(strings.TrimSpace(string(stdout))) == 0 && code == 0 {
		return out, nil
	}
	if !isNpmJSON(stdout) {
		return nil, fmt.Errorf("npm outdated in %s: output is not a JSON object (starts %q): %s", a.dir, clip(string(stdout)), firstLines(stderr, 3))
	}
	if err := json.Unmarshal(stdout, &out); err != nil {
		// npm --json gives an array per name when one package is
		// outdated in several places (workspaces): not handled.
		return nil, fmt.Errorf("npm outdated in %s: %w (workspaces are not supported)", a.dir, err)
	}
	return out, nil
}

// npmErrorObject is the error npm printed instead of its JSON answer
// ({"error": {"code", "summary", "detail"}, "message"}), or nil. A package
// named "error" has versions, not a summary.
func npmErrorObject(stdout []byte) *NpmError {
	var obj struct {
		Message string `json:"message"`
		Error   *struct {
			NpmError
			Latest *string `json:"latest"`
		} `json:"error"`
	}
	if !isNpmJSON(stdout) || json.Unmarshal(stdout, &obj) != nil || obj.Error == nil || obj.Error.Latest != nil {
		return nil
	}
	e := obj.Error.NpmError
	if e.Summary == "" {
		e.Summary = obj.Message
	}
	return &e
}

// planItem decides one outdated direct dependency.
func (a *npmApplier) planItem(ctx context.Context, name, from string, o npmOutdated) PlanItem {
	it := PlanItem{Name: name, From: from, To: o.Latest}
	fromV, okFrom := parseSemver(from)
	latest, okLatest := parseSemver(o.Latest)
	switch {
	case slices.Contains(a.exclude, name):
		it.Why = "excluded by updates.npm.exclude"
		return it
	case a.policy == PolicyNone:
		it.Why = "policy none: report only"
		return it
	case from == "":
		it.Why = "not installed: run npm ci first"
		return it
	case !okFrom || !okLatest:
		it.Why = fmt.Sprintf("not a registry version (%s, latest %s)", from, o.Latest)
		return it
	}
	best, err := a.bestVersion(ctx, name, fromV, o.Latest)
	if err != nil {
		it.Why = err.Error()
		return it
	}
	_, latestKind := npmPolicyAllows(PolicyAll, fromV, latest)
	if best == "" {
		it.Why = fmt.Sprintf("%s upgrade, policy %s", latestKind, a.policy)
		return it
	}
	bestV, _ := parseSemver(best)
	_, kind := npmPolicyAllows(PolicyAll, fromV, bestV)
	it.To, it.Selected = best, true
	it.Why = fmt.Sprintf("%s upgrade, policy %s", kind, a.policy)
	if best != o.Latest {
		it.Why += fmt.Sprintf(" (latest %s is a %s upgrade)", o.Latest, latestKind)
	}
	if wanted, ok := parseSemver(o.Wanted); ok && compareSemver(bestV, wanted) > 0 {
		it.Why += fmt.Sprintf("; package.json's range allows up to %s: it becomes %s", o.Wanted, best)
	}
	return it
}

// bestVersion is the highest version of name the policy allows from
// from, not above latest; "" when there is none. When the policy allows
// latest itself, the registry is asked nothing more.
func (a *npmApplier) bestVersion(ctx context.Context, name string, from semver, latestS string) (string, error) {
	latest, _ := parseSemver(latestS)
	if ok, _ := npmPolicyAllows(a.policy, from, latest); ok {
		return latestS, nil
	}
	if a.policy == PolicyAll {
		return "", nil
	}
	versions, err := a.versions(ctx, name)
	if err != nil {
		return "", err
	}
	best, bestS := semver{}, ""
	for _, s := range versions {
		v, ok := parseSemver(s)
		if !ok || compareSemver(v, latest) > 0 {
			continue
		}
		if allowed, _ := npmPolicyAllows(a.policy, from, v); allowed && (bestS == "" || compareSemver(v, best) > 0) {
			best, bestS = v, s
		}
	}
	return bestS, nil
}

// versions asks the registry for every published version of name. npm
// prints a string rather than a list when there is only one.
func (a *npmApplier) versions(ctx context.Context, name string) ([]string, error) {
	stdout, stderr, code, err := a.r.Run(ctx, a.dir, npmEnv, "npm", "view", name, "versions", "--json")
	if err != nil {
		return nil, fmt.Errorf("npm view %s versions: %w", name, err)
	}
	if npmErr := npmErrorObject(stdout); npmErr != nil {
		return nil, fmt.Errorf("versions unknown: %w", npmErr)
	}
	if code != 0 {
		return nil, fmt.Errorf("versions unknown: npm view exit status %d: %s", code, firstLines(stderr, 2))
	}
	var list []string
	if json.Unmarshal(stdout, &list) == nil {
		return list, nil
	}
	var one string
	if err := json.Unmarshal(stdout, &one); err != nil {
		return nil, fmt.Errorf("versions unknown: npm view %s versions printed %q", name, clip(string(stdout)))
	}
	return []string{one}, nil
}

// commands are what Apply runs for the selected items: none when nothing
// is selected.
func (a *npmApplier) commands(sel []PlanItem) [][]string {
	if len(sel) == 0 {
		return [][]string{}
	}
	install := []string{"npm", "install", "--no-audit", "--no-fund", "--save-exact"}
	if !a.installScripts {
		install = append(install, "--ignore-scripts")
	}
	for _, it := range sel {
		install = append(install, it.Name+"@"+it.To)
	}
	cmds := [][]string{install, a.ci()}
	if len(a.build) > 0 {
		cmds = append(cmds, slices.Clone(a.build))
	}
	return cmds
}

// npmCI installs node_modules exactly as the lockfile says, without
// lifecycle scripts.
var npmCI = []string{"npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts"}

// ci is npmCI, with the lifecycle scripts when they are allowed.
func (a *npmApplier) ci() []string {
	if a.installScripts {
		return slices.DeleteFunc(slices.Clone(npmCI), func(s string) bool { return s == "--ignore-scripts" })
	}
	return slices.Clone(npmCI)
}
