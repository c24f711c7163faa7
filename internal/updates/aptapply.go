package updates

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// AptOptions points the apt Applier at a package database other than the
// host's: tests use a private root, the host uses the zero value.
type AptOptions struct {
	// Config, when set, is passed as APT_CONFIG to apt, apt-get, apt-cache
	// and apt-mark. apt reads it before anything else, so a file that sets
	// Dir (and Dir::State::status, and DPkg::Options for dpkg's --root)
	// keeps apt off the host's apt.conf.d, whose hooks (DPkg::Post-Invoke,
	// debconf's Pre-Install-Pkgs) would otherwise run against the host.
	Config string
	// Options are extra apt configuration options, "Name=value", each
	// passed as -o to apt, apt-get, apt-cache and apt-mark (e.g.
	// "Dir=/srv/root/", "Dir::State::status=/srv/root/var/lib/dpkg/status").
	Options []string
	// DpkgAdminDir is dpkg's database directory for dpkg-query
	// (--admindir); "" is dpkg's own default, /var/lib/dpkg.
	DpkgAdminDir string
}

// NewAptApplier returns the Applier of OS packages. policy is one of
// PolicyNone (nothing is selected: report only), PolicySecurity (a package
// whose candidate version comes from a security archive, decided from the
// Release fields apt-cache policy shows for its package files, as
// unattended-upgrades does) or PolicyAll; any other policy makes Plan
// fail. Held packages (apt-mark showhold) and the names in exclude are
// never selected. r runs apt, apt-get, apt-cache, apt-mark and
// dpkg-query; opts is the zero value on a real host.
//
// Plan only reads (apt list --upgradable, apt-mark showhold, apt-cache
// policy, apt-get -s). Apply installs the selected packages at their
// planned versions, non-interactively and keeping changed config files,
// with --no-remove, and records the changes dpkg-query shows. Undo never
// downgrades: it returns ErrNoAutomaticUndo, and Applied.UndoCommands
// hold the apt-get install pkg=oldversion command to run by hand.
func NewAptApplier(r Runner, policy string, exclude []string, opts AptOptions) Applier {
	return &aptApplier{r: r, policy: policy, exclude: slices.Clone(exclude), opts: opts}
}

type aptApplier struct {
	r       Runner
	policy  string
	exclude []string
	opts    AptOptions
}

var _ Applier = (*aptApplier)(nil)

func (a *aptApplier) Manager() string { return "apt" }

// env is the environment of every apt command.
func (a *aptApplier) env(extra ...string) []string {
	env := []string{"LC_ALL=C"}
	if a.opts.Config != "" {
		env = append(env, "APT_CONFIG="+a.opts.Config)
	}
	return append(env, extra...)
}

// argv is tool, its -o options, then args.
func (a *aptApplier) argv(tool string, args ...string) []string {
	out := []string{tool}
	for _, o := range a.opts.Options {
		out = append(out, "-o", o)
	}
	return append(out, args...)
}

// run runs argv and fails on a non-zero exit.
func (a *aptApplier) run(ctx context.Context, env []string, argv []string) (string, error) {
	stdout, stderr, code, err := a.r.Run(ctx, "", env, argv...)
	name := strings.Join(argv[:min(len(argv), 1)], "")
	if err != nil {
		return string(stdout), fmt.Errorf("%s: %w", name, err)
	}
	if code != 0 {
		return string(stdout), fmt.Errorf("%s: exit status %d: %s", name, code, firstLines(stderr, 3))
	}
	return string(stdout), nil
}

// Plan implements Applier. It changes nothing.
func (a *aptApplier) Plan(ctx context.Context) (Plan, error) {
	p := Plan{Manager: "apt", Policy: a.policy}
	switch a.policy {
	case PolicyNone, PolicySecurity, PolicyAll:
	default:
		return p, fmt.Errorf("apt: policy %q is not one of none, security, all: fix updates.apt.apply", a.policy)
	}
	out, err := a.run(ctx, a.env(), a.argv("apt", "list", "--upgradable"))
	if err != nil {
		return p, fmt.Errorf("listing apt upgrades: %w", err)
	}
	pending, err := ParseAptUpgradable(strings.NewReader(out))
	if err != nil || len(pending) == 0 {
		return p, err
	}
	held, err := a.held(ctx)
	if err != nil {
		return p, err
	}
	origins, err := a.origins(ctx, pending)
	if err != nil {
		return p, err
	}
	for _, pkg := range pending {
		p.Items = append(p.Items, a.decide(pkg, held, origins[pkg.Name]))
	}
	if len(p.Selected()) == 0 {
		return p, nil
	}
	return p, a.simulate(ctx, &p)
}

// held lists `apt-mark showhold`.
func (a *aptApplier) held(ctx context.Context) (map[string]bool, error) {
	out, err := a.run(ctx, a.env(), a.argv("apt-mark", "showhold"))
	if err != nil {
		return nil, fmt.Errorf("listing held packages: %w", err)
	}
	held := map[string]bool{}
	for _, f := range strings.Fields(out) {
		held[f] = true
		held[strings.Split(f, ":")[0]] = true // "pkg:amd64"
	}
	return held, nil
}

// aptOrigin is what apt-cache policy says of a pending package's candidate.
type aptOrigin struct {
	Candidate string
	Releases  []aptRelease // the package files it comes from
}

// origins maps each pending package to its candidate's package files.
func (a *aptApplier) origins(ctx context.Context, pending []Package) (map[string]aptOrigin, error) {
	out, err := a.run(ctx, a.env(), a.argv("apt-cache", "policy"))
	if err != nil {
		return nil, fmt.Errorf("reading apt's package files: %w", err)
	}
	files, err := parseAptPolicyFiles(out)
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(pending))
	for _, p := range pending {
		names = append(names, p.Name)
	}
	if out, err = a.run(ctx, a.env(), a.argv("apt-cache", append([]string{"policy", "--"}, names...)...)); err != nil {
		return nil, fmt.Errorf("reading candidate versions: %w", err)
	}
	pkgs, err := parseAptPolicyPackages(out)
	if err != nil {
		return nil, err
	}
	return joinOrigins(files, pkgs), nil
}

// joinOrigins gives each package's candidate the Release fields of the
// package files it comes from.
func joinOrigins(files map[string]aptRelease, pkgs map[string]aptCandidate) map[string]aptOrigin {
	origins := map[string]aptOrigin{}
	for name, c := range pkgs {
		o := aptOrigin{Candidate: c.Candidate}
		for _, src := range c.Sources {
			if rel, ok := files[src]; ok {
				o.Releases = append(o.Releases, rel)
			}
		}
		origins[name] = o
	}
	return origins
}

// decide says whether the policy selects pkg, and why.
func (a *aptApplier) decide(pkg Package, held map[string]bool, o aptOrigin) PlanItem {
	it := PlanItem{Name: pkg.Name, From: pkg.OldVersion, To: pkg.NewVersion}
	if o.Candidate != "" && o.Candidate != "(none)" {
		it.To = o.Candidate // what apt-get would install
	}
	var security, other []string
	for _, rel := range o.Releases {
		if rel.securityOrigin() {
			security = append(security, rel.String())
		} else {
			other = append(other, rel.String())
		}
	}
	switch {
	case held[pkg.Name]:
		it.Why = "held (apt-mark showhold)"
	case slices.Contains(a.exclude, pkg.Name) || slices.Contains(a.exclude, strings.Split(pkg.Name, ":")[0]):
		it.Why = "excluded by updates.apt.exclude"
	case a.policy == PolicyNone:
		it.Why = "policy none: report only"
	case len(security) > 0:
		it.Selected, it.Why = true, "security origin "+strings.Join(security, "; ")
	case a.policy == PolicyAll:
		it.Selected, it.Why = true, "policy all"
	case len(other) > 0:
		it.Why = "not from a security origin (" + strings.Join(other, "; ") + "), policy security"
	default:
		it.Why = "origin unknown to apt-cache policy, policy security"
	}
	return it
}

// installArgs are the pinned package arguments of the selected items.
func installArgs(items []PlanItem) []string {
	var args []string
	for _, it := range items {
		args = append(args, it.Name+"="+it.To)
	}
	return args
}

// applyArgv is the command Apply runs for the selected items.
func (a *aptApplier) applyArgv(items []PlanItem) []string {
	args := []string{"install", "-y", "--no-remove", "--only-upgrade",
		"-o", "Dpkg::Options::=--force-confold", "-o", "Dpkg::Options::=--force-confdef"}
	return a.argv("apt-get", append(args, installArgs(items)...)...)
}

// simulate runs apt-get -s for the selected items: what else it installs
// goes to p.Also, and any removal refuses the plan.
func (a *aptApplier) simulate(ctx context.Context, p *Plan) error {
	sel := p.Selected()
	out, err := a.run(ctx, a.env(), a.argv("apt-get", append([]string{"-s", "install", "--only-upgrade"}, installArgs(sel)...)...))
	if err != nil {
		return fmt.Errorf("simulating the apt upgrade: %w", err)
	}
	steps, err := parseAptSimulation(out)
	if err != nil {
		return err
	}
	var removed []string
	for _, st := range steps {
		switch {
		case st.Remove:
			removed = append(removed, st.Name+" "+st.From)
		case !slices.ContainsFunc(sel, func(it PlanItem) bool { return it.Name == st.Name }):
			from := st.From
			if from == "" {
				from = "(new)"
			}
			p.Also = append(p.Also, st.Name+" "+from+" -> "+st.To)
		}
	}
	p.Commands = [][]string{a.applyArgv(sel)}
	if len(removed) > 0 {
		p.Refused = "apt-get would remove " + strings.Join(removed, ", ") + ": upgrade these packages by hand, or exclude them in updates.apt.exclude"
	}
	return nil
}

// debName and debVersion are what a plan read back from JSON may hold:
// nothing that apt-get could take for an option.
var (
	debName    = regexp.MustCompile(`^[a-z0-9][a-z0-9+.-]+(:[a-z0-9-]+)?$`)
	debVersion = regexp.MustCompile(`^[0-9A-Za-z.+~:-]+$`)
)

// Apply implements Applier: it installs the plan's selected packages at
// their planned versions and records what dpkg-query shows changed. A
// failed apt-get still returns the changes it made, with the error.
func (a *aptApplier) Apply(ctx context.Context, p Plan, _ string) (Applied, error) {
	done := Applied{Manager: "apt"}
	if p.Manager != "apt" {
		return done, fmt.Errorf("apt: cannot apply a plan of %q", p.Manager)
	}
	if p.Refused != "" {
		return done, fmt.Errorf("apt: plan refused, nothing applied: %s", p.Refused)
	}
	sel := p.Selected()
	if len(sel) == 0 {
		return done, nil
	}
	for _, it := range sel {
		if !debName.MatchString(it.Name) || !debVersion.MatchString(it.To) {
			return done, fmt.Errorf("apt: plan item %q=%q is not a package name and version: make a new plan", it.Name, it.To)
		}
	}
	before, err := a.installed(ctx)
	if err != nil {
		return done, err
	}
	_, runErr := a.run(ctx, a.env("DEBIAN_FRONTEND=noninteractive"), a.applyArgv(sel))
	after, err := a.installed(ctx)
	if err != nil {
		return done, errors.Join(runErr, err)
	}
	done.Changes = DiffVersions("apt", before, after)
	done.UndoCommands = a.undoCommands(done.Changes)
	if runErr != nil {
		return done, fmt.Errorf("applying apt upgrades (%d packages changed, see the record): %w", len(done.Changes), runErr)
	}
	return done, nil
}

// installed is dpkg-query's list of installed packages and versions.
func (a *aptApplier) installed(ctx context.Context) (map[string]string, error) {
	argv := []string{"dpkg-query"}
	if a.opts.DpkgAdminDir != "" {
		argv = append(argv, "--admindir="+a.opts.DpkgAdminDir)
	}
	argv = append(argv, "-W", "-f=${binary:Package}\t${Version}\t${db:Status-Status}\n")
	out, err := a.run(ctx, []string{"LC_ALL=C"}, argv)
	if err != nil {
		return nil, fmt.Errorf("listing installed packages: %w", err)
	}
	return parseDpkgQuery(out)
}

// undoCommands is the one apt-get install that puts changes back: each
// upgraded or removed package at its old version ("pkg=old"), each newly
// installed one removed ("pkg-"). It is listed, never run by us.
func (a *aptApplier) undoCommands(changes []Change) [][]string {
	if len(changes) == 0 {
		return nil
	}
	args := []string{"install"}
	for _, c := range changes {
		if c.From == "" {
			args = append(args, c.Name+"-")
		} else {
			version, _, _ := strings.Cut(c.From, " (") // "1.0 (half-configured)"
			args = append(args, c.Name+"="+version)
		}
	}
	return [][]string{a.argv("apt-get", args...)}
}

// Undo implements Applier: OS packages are never downgraded automatically.
func (a *aptApplier) Undo(context.Context, Applied) error { return ErrNoAutomaticUndo }
