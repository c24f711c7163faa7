package updates

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// PipApplier applies the pip policy (updates.pip.apply) in one virtualenv:
// Plan asks the venv's pip what is outdated and, under patch or minor,
// which newest version within that range it would install (a dry run with
// --report); Apply snapshots `pip freeze --all`, installs the selected
// packages pinned (name==version) and records what pip freeze says
// changed; Undo reinstalls the snapshot and uninstalls what it lacks.
//
// Env, if set, is added to the environment of every pip command, after
// the applier's own (LC_ALL=C, PIP_NO_INPUT=1, PYTHONIOENCODING=utf-8),
// so it wins: pip reads every option from PIP_<OPTION>, e.g.
// PIP_INDEX_URL=..., or PIP_NO_INDEX=1 and PIP_FIND_LINKS=/srv/wheels for
// an offline wheel directory. It also reaches CheckPip's listing in Plan.
type PipApplier struct {
	r       Runner
	venv    string
	policy  string
	exclude map[string]bool
	Env     []string
}

var _ Applier = (*PipApplier)(nil)

// NewPipApplier returns the Applier of the virtualenv venv under policy
// (none, patch, minor or all; Plan rejects others). exclude are project
// names never selected, compared as NormalizePyName normalises them.
func NewPipApplier(r Runner, venv, policy string, exclude []string) *PipApplier {
	ex := make(map[string]bool, len(exclude))
	for _, name := range exclude {
		ex[NormalizePyName(name)] = true
	}
	return &PipApplier{r: r, venv: venv, policy: policy, exclude: ex}
}

// Manager implements Applier.
func (a *PipApplier) Manager() string { return "pip" }

// pipBaseEnv is the environment of every pip command, before Env.
var pipBaseEnv = []string{"LC_ALL=C", "PIP_NO_INPUT=1", "PYTHONIOENCODING=utf-8"}

// envRunner adds env to every command a Runner runs.
type envRunner struct {
	r   Runner
	env []string
}

func (e envRunner) Run(ctx context.Context, dir string, env []string, argv ...string) ([]byte, []byte, int, error) {
	return e.r.Run(ctx, dir, append(slices.Clip(env), e.env...), argv...)
}

// pip runs the venv's pip with args and fails on a non-zero exit.
func (a *PipApplier) pip(ctx context.Context, args ...string) (stdout []byte, err error) {
	stdout, _, err = a.pipStderr(ctx, args...)
	return stdout, err
}

// pipStderr is pip that also returns stderr.
func (a *PipApplier) pipStderr(ctx context.Context, args ...string) (stdout, stderr []byte, err error) {
	argv := append([]string{venvPython(a.venv), "-m", "pip"}, args...)
	env := append(slices.Clip(pipBaseEnv), a.Env...)
	stdout, stderr, code, err := a.r.Run(ctx, "", env, argv...)
	if err != nil {
		return stdout, stderr, fmt.Errorf("pip %s in %s: %w", args[0], a.venv, err)
	}
	if code != 0 {
		return stdout, stderr, fmt.Errorf("pip %s in %s: exit status %d: %s", args[0], a.venv, code, firstLines(pipErrors(stderr), 3))
	}
	return stdout, stderr, nil
}

// pipErrors keeps pip's ERROR lines when there are any: the rest of its
// stderr is warnings and progress.
func pipErrors(stderr []byte) []byte {
	var errs [][]byte
	for line := range bytes.SplitSeq(stderr, []byte("\n")) {
		if bytes.HasPrefix(bytes.TrimSpace(line), []byte("ERROR")) {
			errs = append(errs, line)
		}
	}
	if len(errs) == 0 {
		return stderr
	}
	return bytes.Join(errs, []byte("\n"))
}

// freeze reads `pip freeze --all` (pip, setuptools and wheel included:
// they can be upgraded too), raw and parsed.
func (a *PipApplier) freeze(ctx context.Context) ([]byte, PipFreeze, error) {
	out, err := a.pip(ctx, "freeze", "--all", "--disable-pip-version-check")
	if err != nil {
		return nil, nil, err
	}
	f, err := ParsePipFreeze(bytes.NewReader(out))
	return out, f, err
}

// installCommand is the pinned install Apply runs for the selected items.
func (a *PipApplier) installCommand(selected []PlanItem) []string {
	argv := []string{venvPython(a.venv), "-m", "pip", "install", "--no-input", "--disable-pip-version-check"}
	for _, it := range selected {
		argv = append(argv, it.Name+"=="+it.To)
	}
	return argv
}

// Plan implements Applier. It changes nothing: the newest version within
// the policy's range comes from `pip install --dry-run --report -`, which
// also names the dependencies an upgrade pulls in (Plan.Also). A plan
// that would change an excluded package as such a dependency is refused.
func (a *PipApplier) Plan(ctx context.Context) (Plan, error) {
	p := Plan{Manager: "pip", Policy: a.policy, Items: []PlanItem{}, Commands: [][]string{}, Also: []string{}}
	switch a.policy {
	case PolicyNone, PolicyPatch, PolicyMinor, PolicyAll:
	default:
		return p, fmt.Errorf("pip policy %q: updates.pip.apply must be none, patch, minor or all", a.policy)
	}
	rep, err := CheckPip(ctx, envRunner{a.r, a.Env}, a.venv, nil)
	if err != nil {
		return p, err
	}
	specs := map[string]string{} // normalised name -> requirement for the dry run
	for _, pkg := range rep.Outdated {
		it := PlanItem{Name: pkg.Name, From: pkg.Version, To: pkg.LatestVersion}
		it.Why = a.precheck(pkg)
		if it.Why == "" {
			specs[NormalizePyName(pkg.Name)] = a.requirement(pkg)
		}
		p.Items = append(p.Items, it)
	}
	slices.SortFunc(p.Items, func(x, y PlanItem) int { return strings.Compare(NormalizePyName(x.Name), NormalizePyName(y.Name)) })
	if len(specs) == 0 {
		return p, nil
	}
	report, err := a.dryRun(ctx, specs)
	if err != nil {
		return p, err
	}
	if err := a.resolve(ctx, &p, report); err != nil {
		return p, err
	}
	if sel := p.Selected(); len(sel) > 0 {
		p.Commands = append(p.Commands, a.installCommand(sel))
	}
	return p, nil
}

// precheck says why pkg cannot be selected before asking pip anything, or
// "" when the dry run decides.
func (a *PipApplier) precheck(pkg PipPackage) string {
	switch {
	case a.exclude[NormalizePyName(pkg.Name)]:
		return "excluded by updates.pip.exclude"
	case a.policy == PolicyNone:
		return "policy none: report only"
	case a.policy == PolicyAll:
		return ""
	}
	if _, ok := ReleaseNumbers(pkg.Version); !ok {
		return fmt.Sprintf("installed version %s is not plain release numbers (N.N.N), policy %s selects none", pkg.Version, a.policy)
	}
	return ""
}

// requirement is what the dry run asks for: the newest release within
// the policy's range of the installed version, or under "all" the latest
// version pip listed.
func (a *PipApplier) requirement(pkg PipPackage) string {
	nums, _ := ReleaseNumbers(pkg.Version)
	major := strconv.Itoa(component(nums, 0))
	switch a.policy {
	case PolicyPatch:
		return pkg.Name + "==" + major + "." + strconv.Itoa(component(nums, 1)) + ".*,>=" + pkg.Version
	case PolicyMinor:
		return pkg.Name + "==" + major + ".*,>=" + pkg.Version
	}
	return pkg.Name + "==" + pkg.LatestVersion
}

// dryRun asks pip what it would install for specs, upgrading them only.
func (a *PipApplier) dryRun(ctx context.Context, specs map[string]string) ([]PipReportItem, error) {
	args := []string{"install", "--dry-run", "--quiet", "--report", "-", "--upgrade",
		"--no-input", "--disable-pip-version-check", "--retries", "1"}
	for _, name := range slices.Sorted(maps.Keys(specs)) {
		args = append(args, specs[name])
	}
	out, stderr, err := a.pipStderr(ctx, args...)
	if err != nil && bytes.Contains(stderr, []byte("no such option")) {
		return nil, fmt.Errorf("planning the pip upgrades: the virtualenv's pip is older than 22.2 (no --dry-run --report); upgrade it with %s -m pip install --upgrade pip: %w", venvPython(a.venv), err)
	}
	if err != nil {
		return nil, fmt.Errorf("planning the pip upgrades (a dry run, nothing installed): %w", err)
	}
	// Without its index pip reports nothing to install for a requirement
	// the installed version meets: "nothing newer" would be a guess.
	if reason := pipIndexTrouble(stderr); reason != "" {
		return nil, unknown("pip", "could not reach the package index while planning: %s; which upgrades the policy selects is unknown (check the network, proxy or index-url)", reason)
	}
	// --quiet leaves the report alone on stdout, but a warning may
	// precede it: the report starts at its first "{".
	if i := bytes.IndexByte(out, '{'); i > 0 {
		out = out[i:]
	}
	return ParsePipReport(bytes.NewReader(out))
}

// resolve selects the items the dry run upgrades and fills Plan.Also with
// the dependencies it pulls in, as "name from -> to".
func (a *PipApplier) resolve(ctx context.Context, p *Plan, report []PipReportItem) error {
	requested := map[string]string{}
	var deps []PipReportItem
	for _, r := range report {
		if r.Requested {
			requested[NormalizePyName(r.Name)] = r.Version
		} else {
			deps = append(deps, r)
		}
	}
	for i := range p.Items {
		if it := &p.Items[i]; it.Why == "" {
			a.decide(it, requested)
		}
	}
	if len(deps) == 0 {
		return nil
	}
	_, installed, err := a.freeze(ctx)
	if err != nil {
		return err
	}
	for _, d := range deps {
		name := NormalizePyName(d.Name)
		from := installed[name]
		if from == "" {
			from = "(new)"
		}
		p.Also = append(p.Also, d.Name+" "+from+" -> "+d.Version)
		if a.exclude[name] && p.Refused == "" {
			p.Refused = fmt.Sprintf("the upgrades would change %s (%s -> %s), excluded by updates.pip.exclude, as a dependency; exclude the package needing it too", d.Name, from, d.Version)
		}
	}
	return nil
}

// decide selects it if the dry run upgrades it within the policy.
func (a *PipApplier) decide(it *PlanItem, requested map[string]string) {
	latest := it.To
	to, ok := requested[NormalizePyName(it.Name)]
	latestKind := upgradeKind(it.From, latest)
	if latestKind == "" {
		latestKind = "not plain release numbers"
	} else {
		latestKind = "a " + latestKind + " upgrade"
	}
	switch {
	case !ok:
		it.Why = fmt.Sprintf("latest %s is %s; nothing newer within policy %s", latest, latestKind, a.policy)
		return
	case a.policy == PolicyAll:
		it.To, it.Selected, it.Why = to, true, "policy all"
		if kind := upgradeKind(it.From, to); kind != "" {
			it.Why = kind + " upgrade, policy all"
		}
		return
	}
	kind := upgradeKind(it.From, to)
	switch {
	case kind == "":
		it.Why = fmt.Sprintf("candidate %s is not plain release numbers newer than %s, policy %s selects none", to, it.From, a.policy)
	case to == latest:
		it.To, it.Selected, it.Why = to, true, kind+" upgrade, policy "+a.policy
	default:
		it.To, it.Selected = to, true
		it.Why = fmt.Sprintf("%s upgrade, policy %s; latest %s is %s", kind, a.policy, latest, latestKind)
	}
}
