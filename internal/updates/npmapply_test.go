package updates

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// testFrontend is a frontend installed by the real npm from a test
// registry: alpha, beta and zeta at their oldest versions.
type testFrontend struct {
	reg *testRegistry
	dir string
	env []string
}

// testPackages are what the test registry serves: for each, the patch,
// the minor and the major upgrade of the installed version; alpha 1.1.0
// brings a new dependency, gamma.
var testPackages = map[string][]string{
	"alpha": {"1.0.0", "1.0.1", "1.1.0", "2.0.0"},
	"beta":  {"1.0.0", "1.0.1", "1.1.0", "2.0.0"},
	"zeta":  {"0.1.0", "0.1.1", "0.2.0"},
	"gamma": {"1.0.0"},
}

var testManifests = map[string]map[string]any{"alpha@1.1.0": {"dependencies": map[string]string{"gamma": "^1.0.0"}}}

func newTestFrontend(t *testing.T) *testFrontend {
	t.Helper()
	reg := newTestRegistry(t, testPackages, testManifests)
	reg.advisories = map[string][]map[string]any{
		"alpha": {{"id": 1001, "url": "https://example.invalid/advisories/1001", "title": "alpha leaks its input",
			"severity": "high", "vulnerable_versions": "<1.0.1", "cwe": []string{}, "cvss": map[string]any{"score": 7.5, "vectorString": nil}}},
	}
	f := &testFrontend{reg: reg, dir: filepath.Join(t.TempDir(), "frontend"), env: npmTestEnv(t, reg.URL)}
	writeFiles(t, f.dir, map[string]string{
		"package.json": `{"name": "frontend", "version": "1.0.0", "private": true,
  "dependencies": {"alpha": "^1.0.0", "zeta": "^0.1.0"}, "devDependencies": {"beta": "^1.0.0"}}`,
		// The build: what the bundle would contain, from the installed alpha.
		"build.js": `require("fs").writeFileSync("dist.txt", require("alpha") + " " + require("zeta") + "\n");`,
	})
	runNpm(t, f.dir, f.env, "install", "--no-audit", "alpha@1.0.0", "beta@1.0.0", "zeta@0.1.0")
	return f
}

func (f *testFrontend) applier(policy string, exclude, build []string) Applier {
	return NewNpmApplier(envRunner{ExecRunner{}, f.env}, f.dir, policy, exclude, build)
}

func (f *testFrontend) read(t *testing.T, name string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(f.dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// installed is the version in node_modules/name/package.json.
func (f *testFrontend) installed(t *testing.T, name string) string {
	t.Helper()
	var pkg struct{ Version string }
	if err := json.Unmarshal([]byte(f.read(t, filepath.Join("node_modules", name, "package.json"))), &pkg); err != nil {
		t.Fatal(err)
	}
	return pkg.Version
}

func selectedTo(p Plan) map[string]string {
	out := map[string]string{}
	for _, it := range p.Selected() {
		out[it.Name] = it.To
	}
	return out
}

func TestNpmApplierPlan(t *testing.T) {
	t.Parallel() // its own registry, npm cache and frontend
	f := newTestFrontend(t)
	pkgJSON, lock := f.read(t, "package.json"), f.read(t, "package-lock.json")
	tests := []struct {
		policy  string
		exclude []string
		want    map[string]string
		why     map[string]string // the start of an item's Why
		also    []string
	}{
		{PolicyNone, nil, map[string]string{}, map[string]string{
			"alpha": "policy none: report only; npm audit: high alpha leaks its input, not fixed by this plan"}, nil},
		{PolicyPatch, []string{"beta"}, map[string]string{"alpha": "1.0.1", "zeta": "0.1.1"}, map[string]string{
			"alpha": "patch upgrade, policy patch (latest 2.0.0 is a major upgrade); fixes npm audit high alpha leaks its input in alpha",
			"beta":  "excluded by updates.npm.exclude"}, nil},
		{PolicyMinor, []string{"beta"}, map[string]string{"alpha": "1.1.0", "zeta": "0.1.1"}, map[string]string{
			"alpha": "minor upgrade, policy minor (latest 2.0.0 is a major upgrade)",
			"zeta":  "patch upgrade, policy minor (latest 0.2.0 is a major upgrade)"}, []string{"gamma none -> 1.0.0"}},
		{PolicyMinor, nil, map[string]string{"alpha": "1.1.0", "beta": "1.1.0", "zeta": "0.1.1"}, nil, []string{"gamma none -> 1.0.0"}},
		{PolicyAll, []string{"zeta"}, map[string]string{"alpha": "2.0.0", "beta": "2.0.0"}, map[string]string{
			"alpha": "major upgrade, policy all; package.json's range allows up to 1.1.0: it becomes 2.0.0; fixes npm audit",
			"zeta":  "excluded by updates.npm.exclude"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.policy+"-"+strings.Join(tt.exclude, ","), func(t *testing.T) {
			p, err := f.applier(tt.policy, tt.exclude, []string{"node", "build.js"}).Plan(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Items) != 3 {
				t.Errorf("items = %+v; want alpha, beta and zeta", p.Items)
			}
			if got := selectedTo(p); !equalMaps(got, tt.want) {
				t.Errorf("selected = %v; want %v", got, tt.want)
			}
			if !slices.Equal(p.Also, tt.also) && len(p.Also)+len(tt.also) > 0 {
				t.Errorf("also = %q; want %q", p.Also, tt.also)
			}
			if p.Refused != "" {
				t.Errorf("refused: %s", p.Refused)
			}
			for _, it := range p.Items {
				if want, ok := tt.why[it.Name]; ok && !strings.HasPrefix(it.Why, want) {
					t.Errorf("%s: why = %q; want it to start %q", it.Name, it.Why, want)
				}
				if it.From != map[string]string{"alpha": "1.0.0", "beta": "1.0.0", "zeta": "0.1.0"}[it.Name] {
					t.Errorf("%s: from = %q", it.Name, it.From)
				}
			}
			wantNpmCommands(t, p, tt.want)
		})
	}
	t.Run("registry down", func(t *testing.T) {
		down := envRunner{ExecRunner{}, append(slices.Clone(f.env), "npm_config_registry=http://"+closedPort(t)+"/")}
		_, err := NewNpmApplier(down, f.dir, PolicyMinor, nil, nil).Plan(context.Background())
		if !errors.Is(err, ErrUnknown) || !strings.Contains(err.Error(), "ECONNREFUSED") {
			t.Errorf("err = %v; want ErrUnknown saying the registry refused", err)
		}
	})
	if f.read(t, "package.json") != pkgJSON || f.read(t, "package-lock.json") != lock {
		t.Error("Plan changed package.json or the lockfile")
	}
	if f.installed(t, "alpha") != "1.0.0" {
		t.Error("Plan changed node_modules")
	}
}

// wantNpmCommands checks the plan installs exactly the selected
// versions, then runs npm ci and the build; nothing when none is.
func wantNpmCommands(t *testing.T, p Plan, selected map[string]string) {
	t.Helper()
	if len(selected) == 0 {
		if len(p.Commands) != 0 {
			t.Errorf("commands = %q; want none", p.Commands)
		}
		return
	}
	install := []string{"npm", "install", "--no-audit", "--no-fund", "--save-exact", "--ignore-scripts"}
	for _, name := range []string{"alpha", "beta", "zeta"} {
		if to, ok := selected[name]; ok {
			install = append(install, name+"@"+to)
		}
	}
	want := [][]string{install, npmCI, {"node", "build.js"}}
	if !slices.EqualFunc(p.Commands, want, slices.Equal) {
		t.Errorf("commands = %q; want %q", p.Commands, want)
	}
}

func equalMaps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// TestNpmApplierApplyUndo applies policy minor with beta excluded: alpha
// and zeta move within the policy, nothing reaches 2.0.0, beta stays;
// the record is the lockfile's; Undo, with the registry down, brings
// back the exact lockfile, package.json, node_modules and build.
func TestNpmApplierApplyUndo(t *testing.T) {
	t.Parallel() // its own registry, npm cache and frontend
	f := newTestFrontend(t)
	pkgJSON, lock := f.read(t, "package.json"), f.read(t, "package-lock.json")
	ap := f.applier(PolicyMinor, []string{"beta"}, []string{"node", "build.js"})
	ctx := context.Background()
	p, err := ap.Plan(ctx)
	if err != nil {
		t.Fatal(err)
	}
	snapDir := t.TempDir()
	applied, err := ap.Apply(ctx, p, snapDir)
	if err != nil {
		t.Fatal(err)
	}
	want := []Change{{"npm", "alpha", "1.0.0", "1.1.0"}, {"npm", "gamma", "", "1.0.0"}, {"npm", "zeta", "0.1.0", "0.1.1"}}
	if !slices.Equal(applied.Changes, want) {
		t.Errorf("changes = %+v; want %+v", applied.Changes, want)
	}
	lockNow, err := readLock(f.dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range applied.Changes {
		if got := lockNow["node_modules/"+c.Name].Version; got != c.To || f.installed(t, c.Name) != c.To {
			t.Errorf("%s: lockfile %s, node_modules %s; the record says %s", c.Name, got, f.installed(t, c.Name), c.To)
		}
	}
	if got := lockNow["node_modules/beta"].Version; got != "1.0.0" || f.installed(t, "beta") != "1.0.0" {
		t.Errorf("excluded beta is %s (node_modules %s); want 1.0.0", got, f.installed(t, "beta"))
	}
	if got := f.read(t, "dist.txt"); got != "alpha@1.1.0 zeta@0.1.1\n" {
		t.Errorf("build output = %q; the build did not run after the upgrade", got)
	}
	for _, name := range []string{"package.json", "package-lock.json"} {
		st, err := os.Stat(filepath.Join(applied.Snapshot, name))
		if err != nil || st.Mode().Perm() != 0o600 {
			t.Errorf("snapshot %s: %v, mode %v; want 0600", name, err, st)
		}
	}

	// The old tarballs are in npm's cache: Undo needs no registry.
	f.reg.Close()
	if err := ap.Undo(ctx, applied); err != nil {
		t.Fatal(err)
	}
	if f.read(t, "package-lock.json") != lock || f.read(t, "package.json") != pkgJSON {
		t.Error("after Undo, package.json or the lockfile differ from before Apply")
	}
	for name, v := range map[string]string{"alpha": "1.0.0", "beta": "1.0.0", "zeta": "0.1.0"} {
		if got := f.installed(t, name); got != v {
			t.Errorf("after Undo node_modules/%s is %s; want %s", name, got, v)
		}
	}
	if _, err := os.Stat(filepath.Join(f.dir, "node_modules", "gamma")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("after Undo node_modules/gamma, which alpha 1.1.0 brought, is still there (%v)", err)
	}
	if got := f.read(t, "dist.txt"); got != "alpha@1.0.0 zeta@0.1.0\n" {
		t.Errorf("build output after Undo = %q; want the previous versions' build", got)
	}
}

// TestNpmApplierBuildFails: a failing build is Apply's error, and the
// Applied it returns undoes the upgrade.
func TestNpmApplierBuildFails(t *testing.T) {
	t.Parallel() // its own registry, npm cache and frontend
	f := newTestFrontend(t)
	lock := f.read(t, "package-lock.json")
	ap := f.applier(PolicyPatch, nil, []string{"node", "-e", "console.error('vite: cannot bundle'); process.exit(3)"})
	ctx := context.Background()
	p, err := ap.Plan(ctx)
	if err != nil {
		t.Fatal(err)
	}
	applied, err := ap.Apply(ctx, p, t.TempDir())
	if err == nil || !strings.Contains(err.Error(), "vite: cannot bundle") || !strings.Contains(err.Error(), "exit status 3") {
		t.Fatalf("Apply err = %v; want the build's failure", err)
	}
	if len(applied.Changes) != 3 || applied.Snapshot == "" {
		t.Fatalf("applied = %+v; want the three patch upgrades and a snapshot", applied)
	}
	// The commands the report lists undo it by hand, from anywhere.
	for _, argv := range applied.UndoCommands {
		if out, stderr, code, err := (envRunner{ExecRunner{}, f.env}).Run(ctx, t.TempDir(), nil, argv...); err != nil || code != 0 {
			t.Fatalf("%q: exit %d, %v\n%s%s", argv, code, err, out, stderr)
		}
	}
	if f.read(t, "package-lock.json") != lock || f.installed(t, "alpha") != "1.0.0" {
		t.Errorf("the undo commands %q did not restore the lockfile and node_modules", applied.UndoCommands)
	}
	// The build fails on the old versions too: Undo says so, after
	// restoring them.
	err = ap.Undo(ctx, applied)
	if err == nil || !strings.Contains(err.Error(), "the previous versions are back") {
		t.Errorf("Undo err = %v; want the build's failure after the restore", err)
	}
	if f.read(t, "package-lock.json") != lock || f.installed(t, "alpha") != "1.0.0" {
		t.Error("Undo did not restore the lockfile and node_modules")
	}
}

func TestNpmApplierRefusesForeignPlan(t *testing.T) {
	dir := t.TempDir()
	ap := NewNpmApplier(ExecRunner{}, dir, PolicyMinor, nil, nil)
	cases := map[string]Plan{
		"another manager": {Manager: "pip"},
		"refused":         {Manager: "npm", Refused: "no"},
		"edited commands": {Manager: "npm", Items: []PlanItem{{Name: "a", To: "1.0.1", Selected: true}},
			Commands: [][]string{{"npm", "audit", "fix", "--force"}}},
	}
	for name, p := range cases {
		if _, err := ap.Apply(context.Background(), p, t.TempDir()); err == nil {
			t.Errorf("%s: Apply ran it", name)
		}
	}
	if _, err := ap.Apply(context.Background(), Plan{Manager: "npm", Commands: [][]string{}}, t.TempDir()); err != nil {
		t.Errorf("an empty plan: %v; want nothing done", err)
	}
	if err := ap.Undo(context.Background(), Applied{Manager: "npm"}); err != nil {
		t.Errorf("Undo of nothing: %v", err)
	}
	if _, err := NewNpmApplier(ExecRunner{}, dir, PolicySecurity, nil, nil).Plan(context.Background()); err == nil {
		t.Error("policy security planned for npm")
	}
	if _, err := ap.Plan(context.Background()); !strings.Contains(err.Error(), "no package.json") {
		t.Errorf("Plan without a frontend: %v", err)
	}
}

// TestNpmApplierPeerConflict: an upgrade npm would refuse (delta 1.1.0
// wants alpha 2, which the policy does not allow) refuses the plan, and
// Apply refuses a refused plan.
func TestNpmApplierPeerConflict(t *testing.T) {
	t.Parallel()
	reg := newTestRegistry(t, map[string][]string{"alpha": {"1.0.0", "2.0.0"}, "delta": {"1.0.0", "1.1.0"}},
		map[string]map[string]any{
			"delta@1.0.0": {"peerDependencies": map[string]string{"alpha": "^1.0.0"}},
			"delta@1.1.0": {"peerDependencies": map[string]string{"alpha": "^2.0.0"}},
		})
	f := &testFrontend{reg: reg, dir: filepath.Join(t.TempDir(), "frontend"), env: npmTestEnv(t, reg.URL)}
	writeFiles(t, f.dir, map[string]string{"package.json": `{"name": "frontend", "version": "1.0.0", "private": true}`})
	runNpm(t, f.dir, f.env, "install", "--no-audit", "alpha@1.0.0", "delta@1.0.0")
	lock := f.read(t, "package-lock.json")
	ap := f.applier(PolicyMinor, nil, nil)
	p, err := ap.Plan(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if got := selectedTo(p); !equalMaps(got, map[string]string{"delta": "1.1.0"}) {
		t.Errorf("selected = %v; want delta 1.1.0", got)
	}
	t.Logf("refused: %s", p.Refused)
	if !strings.Contains(p.Refused, "npm install would fail") || !strings.Contains(p.Refused, "ERESOLVE") {
		t.Errorf("refused = %q; want npm's ERESOLVE", p.Refused)
	}
	if _, err := ap.Apply(context.Background(), p, t.TempDir()); err == nil || !strings.Contains(err.Error(), "refused") {
		t.Errorf("Apply of a refused plan: %v", err)
	}
	if f.read(t, "package-lock.json") != lock {
		t.Error("the lockfile changed")
	}
}
