package updates

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// npmDryPkg is one package of `npm install --dry-run --json`.
type npmDryPkg struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	Path    string `json:"path"`
}

// npmDryRun is what `npm install --dry-run --json` would do.
type npmDryRun struct {
	Add    []npmDryPkg `json:"add"`
	Change []struct {
		From npmDryPkg `json:"from"`
		To   npmDryPkg `json:"to"`
	} `json:"change"`
	Remove []npmDryPkg `json:"remove"`
}

// simulate runs p's install with --dry-run, which changes nothing: the
// packages it would add, change or remove beyond the selected ones go
// into p.Also ("name from -> to", "none" for a package added or
// removed); an install npm refuses refuses the plan. A registry npm
// cannot reach makes the plan unknown.
func (a *npmApplier) simulate(ctx context.Context, p *Plan) error {
	if len(p.Commands) == 0 {
		return nil
	}
	argv := append(slices.Clone(p.Commands[0]), "--dry-run", "--json")
	stdout, stderr, code, err := a.r.Run(ctx, a.dir, npmEnv, argv...)
	if err != nil {
		return fmt.Errorf("npm install --dry-run in %s: %w", a.dir, err)
	}
	// npm prints "change a 1.0.0 => 1.1.0" lines before the JSON.
	if i := bytes.Index(stdout, []byte("\n{")); i >= 0 && !isNpmJSON(stdout) {
		stdout = stdout[i+1:]
	}
	if npmErr := npmErrorObject(stdout); npmErr != nil {
		if npmErr.registry() {
			return unknown("npm", "could not reach the registry: %s; what the upgrade would install is unknown (check the network, proxy or registry)", npmErr.Summary)
		}
		p.Refused = "npm install would fail: " + npmErr.Error()
		return nil
	}
	if code != 0 {
		p.Refused = fmt.Sprintf("npm install would fail: exit status %d: %s", code, firstLines(stderr, 3))
		return nil
	}
	var dry npmDryRun
	if err := json.Unmarshal(stdout, &dry); err != nil {
		return fmt.Errorf("npm install --dry-run --json in %s: %w (output starts %q)", a.dir, err, clip(string(stdout)))
	}
	selected := map[string]bool{}
	for _, it := range p.Selected() {
		selected[it.Name] = true
	}
	also := func(pkg npmDryPkg, from, to string) {
		if name := npmTreeName(pkg); !selected[name] {
			p.Also = append(p.Also, name+" "+from+" -> "+to)
		}
	}
	for _, c := range dry.Change {
		also(c.To, c.From.Version, c.To.Version)
	}
	for _, pkg := range dry.Add {
		also(pkg, "none", pkg.Version)
	}
	for _, pkg := range dry.Remove {
		also(pkg, pkg.Version, "none")
	}
	slices.Sort(p.Also)
	return nil
}

// npmTreeName names a package by its place in node_modules, as Changes
// do ("a", "a/node_modules/b"): the part of its path after the first
// node_modules, or its name.
func npmTreeName(pkg npmDryPkg) string {
	path := strings.ReplaceAll(pkg.Path, `\`, "/")
	if _, rest, ok := strings.Cut(path, "/node_modules/"); ok && rest != "" {
		return rest
	}
	return pkg.Name
}
