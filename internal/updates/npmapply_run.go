package updates

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/fossawork/fossamaint/internal/durable"
)

// npmLockfiles are the lockfiles npm installs from, the one it prefers
// first: with both present, npm ignores package-lock.json.
var npmLockfiles = []string{"npm-shrinkwrap.json", "package-lock.json"}

// Apply implements Applier: it runs p's commands, which must be the ones
// this configuration plans for p's selection (a plan made with another
// policy, exclude list or build command is refused: plan again). On an
// error after the snapshot was taken, the Applied it returns is the one
// to Undo.
func (a *npmApplier) Apply(ctx context.Context, p Plan, snapshotDir string) (Applied, error) {
	out := Applied{Manager: "npm", Changes: []Change{}}
	switch {
	case p.Manager != "npm":
		return out, fmt.Errorf("npm apply: the plan is %q's, not npm's", p.Manager)
	case p.Refused != "":
		return out, fmt.Errorf("npm apply: the plan was refused: %s", p.Refused)
	case !slices.EqualFunc(p.Commands, a.commands(p.Selected()), slices.Equal):
		return out, errors.New("npm apply: the plan's commands are not what this configuration would run for its selection: make a new plan")
	case len(p.Commands) == 0:
		return out, nil
	}
	before, err := readLock(a.dir)
	if err != nil {
		return out, err
	}
	if out.Snapshot, err = a.snapshot(snapshotDir); err != nil {
		return out, err
	}
	out.UndoCommands = a.undoCommands(out.Snapshot)
	undo := fmt.Sprintf("undo restores package.json and the lockfile from %s", out.Snapshot)
	for _, argv := range p.Commands[:2] { // npm install, npm ci
		if err := a.run(ctx, argv); err != nil {
			out.Changes, _ = a.changes(before)
			return out, fmt.Errorf("%w; %s", err, undo)
		}
	}
	if out.Changes, err = a.changes(before); err != nil {
		return out, fmt.Errorf("%w; %s", err, undo)
	}
	if err := a.checkPlanned(p.Selected()); err != nil {
		return out, fmt.Errorf("%w; %s", err, undo)
	}
	if len(p.Commands) > 2 {
		if err := a.run(ctx, p.Commands[2]); err != nil {
			return out, fmt.Errorf("the frontend build failed after the upgrade: %w; %s", err, undo)
		}
	}
	return out, nil
}

// checkPlanned says when the lockfile does not hold a selected package at
// its planned version: the registry changed between plan and apply.
func (a *npmApplier) checkPlanned(sel []PlanItem) error {
	lock, err := readLock(a.dir)
	if err != nil {
		return err
	}
	for _, it := range sel {
		if got := lock["node_modules/"+it.Name].Version; got != it.To {
			return fmt.Errorf("npm installed %s %q, not the planned %s: make a new plan", it.Name, got, it.To)
		}
	}
	return nil
}

// Undo implements Applier: package.json and the lockfile back from the
// snapshot, `npm ci`, a check that the lockfile and node_modules are what
// they were, and the build if configured. An Applied without a snapshot
// changed nothing.
func (a *npmApplier) Undo(ctx context.Context, ap Applied) error {
	if ap.Manager != "npm" {
		return fmt.Errorf("npm undo: the record is %q's, not npm's", ap.Manager)
	}
	if ap.Snapshot == "" {
		return nil
	}
	restored, err := a.restore(ap.Snapshot)
	if err != nil {
		return err
	}
	if err := a.run(ctx, a.ci()); err != nil {
		return fmt.Errorf("npm undo: %w (package.json and the lockfile are restored: fix the cause and run npm ci in %s)", err, a.dir)
	}
	for name, want := range restored {
		got, err := os.ReadFile(filepath.Join(a.dir, name))
		if err != nil || !bytes.Equal(got, want) {
			return fmt.Errorf("npm undo: %s in %s differs from the snapshot in %s after npm ci: compare them and copy the snapshot back", name, a.dir, ap.Snapshot)
		}
	}
	if err := a.verifyInstalled(ap.Changes); err != nil {
		return err
	}
	if len(a.build) > 0 {
		if err := a.run(ctx, a.build); err != nil {
			return fmt.Errorf("npm undo: the previous versions are back but the frontend build failed: %w", err)
		}
	}
	return nil
}

// undoCommands are Undo's steps as commands an operator can run from
// anywhere (the report lists them): the snapshot's files copied back, and
// npm ci in the frontend; then the build, if configured, in dir.
func (a *npmApplier) undoCommands(snapshot string) [][]string {
	var cmds [][]string
	for _, name := range append([]string{"package.json"}, npmLockfiles...) {
		if exists(filepath.Join(snapshot, name)) {
			cmds = append(cmds, []string{"cp", filepath.Join(snapshot, name), filepath.Join(a.dir, name)})
		}
	}
	return append(cmds, append([]string{"npm", "ci", "--prefix", a.dir}, a.ci()[2:]...))
}

// run runs one command in the frontend directory; a non-zero exit is an
// error quoting what the command said.
func (a *npmApplier) run(ctx context.Context, argv []string) error {
	stdout, stderr, code, err := a.r.Run(ctx, a.dir, npmEnv, argv...)
	if err != nil {
		return fmt.Errorf("%s in %s: %w", strings.Join(argv, " "), a.dir, err)
	}
	if code != 0 {
		said := firstLines(stderr, 5)
		if strings.TrimSpace(said) == "" {
			said = firstLines(stdout, 5)
		}
		return fmt.Errorf("%s in %s: exit status %d: %s", strings.Join(argv, " "), a.dir, code, said)
	}
	return nil
}

// snapshot copies package.json and the lockfile(s) into snapshotDir/npm,
// readable by the owner only, and returns that directory.
func (a *npmApplier) snapshot(snapshotDir string) (string, error) {
	dir := filepath.Join(snapshotDir, "npm")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("npm snapshot: %w (check that %s is writable)", err, snapshotDir)
	}
	for _, name := range append([]string{"package.json"}, npmLockfiles...) {
		data, err := os.ReadFile(filepath.Join(a.dir, name))
		if errors.Is(err, fs.ErrNotExist) && name != "package.json" {
			_ = os.Remove(filepath.Join(dir, name)) // a stale one from an earlier run
			continue
		}
		if err != nil {
			return "", fmt.Errorf("npm snapshot: %w", err)
		}
		if err := durable.WriteFile(filepath.Join(dir, name), data, 0o600, "npm-snapshot"); err != nil {
			return "", fmt.Errorf("npm snapshot: %w", err)
		}
	}
	return dir, nil
}

// restore copies the snapshot's files back into the frontend directory,
// keeping each file's current mode and owner (the directory's for a file
// that is gone: fossamaint, as root, must not leave root's files in the
// frontend), and returns what it wrote by name.
func (a *npmApplier) restore(snapshot string) (map[string][]byte, error) {
	restored := map[string][]byte{}
	dirSt, err := os.Stat(a.dir)
	if err != nil {
		return nil, fmt.Errorf("npm undo: %w", err)
	}
	for _, name := range append([]string{"package.json"}, npmLockfiles...) {
		data, err := os.ReadFile(filepath.Join(snapshot, name))
		if errors.Is(err, fs.ErrNotExist) && name != "package.json" {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("npm undo: reading the snapshot: %w", err)
		}
		dst, mode, was := filepath.Join(a.dir, name), os.FileMode(0o644), dirSt
		if st, err := os.Stat(dst); err == nil {
			mode, was = st.Mode().Perm(), st
		}
		err = durable.WriteFile(dst, data, mode, "npm-undo")
		if err == nil {
			err = keepOwner(dst, was)
		}
		if err != nil {
			return nil, fmt.Errorf("npm undo: %w (copy %s back by hand)", err, filepath.Join(snapshot, name))
		}
		restored[name] = data
	}
	if len(restored) < 2 {
		return nil, fmt.Errorf("npm undo: the snapshot in %s has no lockfile", snapshot)
	}
	return restored, nil
}

// verifyInstalled checks that node_modules holds every changed package's
// previous version again. An optional package npm skipped on this
// platform is not there at all, which is fine.
func (a *npmApplier) verifyInstalled(changes []Change) error {
	for _, c := range changes {
		if c.From == "" {
			continue
		}
		data, err := os.ReadFile(filepath.Join(a.dir, "node_modules", filepath.FromSlash(c.Name), "package.json"))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		var pkg struct{ Version string }
		if err != nil || json.Unmarshal(data, &pkg) != nil || pkg.Version != c.From {
			return fmt.Errorf("npm undo: node_modules/%s is not version %s after npm ci (found %q): run npm ci in %s and check", c.Name, c.From, pkg.Version, a.dir)
		}
	}
	return nil
}

// changes compares the lockfile now with before: every package whose
// version moved, appeared (From "") or went (To "").
func (a *npmApplier) changes(before map[string]lockEntry) ([]Change, error) {
	after, err := readLock(a.dir)
	if err != nil {
		return []Change{}, err
	}
	versions := func(lock map[string]lockEntry) map[string]string {
		m := make(map[string]string, len(lock))
		for k, e := range lock {
			m[strings.TrimPrefix(k, "node_modules/")] = e.Version
		}
		return m
	}
	out := DiffVersions("npm", versions(before), versions(after))
	return out, nil
}

// lockEntry is one installed package of a lockfile.
type lockEntry struct {
	Version string `json:"version"`
}

// readLock reads the lockfile npm installs from as "node_modules/a" and
// "node_modules/a/node_modules/b" paths: lockfileVersion 2 and 3 list
// them under "packages", version 1 nests "dependencies".
func readLock(dir string) (map[string]lockEntry, error) {
	var path string
	var data []byte
	for _, name := range npmLockfiles {
		var err error
		path = filepath.Join(dir, name)
		if data, err = os.ReadFile(path); err == nil {
			break
		} else if !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("reading %s: %w", path, err)
		}
	}
	if data == nil {
		return nil, toolMissing("npm", "no package-lock.json in %s (run npm install once to create it)", dir)
	}
	var lock struct {
		Packages     map[string]lockEntry `json:"packages"`
		Dependencies map[string]lockDepV1 `json:"dependencies"`
	}
	if err := json.Unmarshal(data, &lock); err != nil {
		return nil, fmt.Errorf("reading %s: %w (is it a package-lock.json?)", path, err)
	}
	out := map[string]lockEntry{}
	if lock.Packages != nil {
		for k, e := range lock.Packages {
			if strings.HasPrefix(k, "node_modules/") || strings.Contains(k, "/node_modules/") {
				out[k] = e
			}
		}
		return out, nil
	}
	flattenLockV1(out, "", lock.Dependencies)
	return out, nil
}

// lockDepV1 is lockfileVersion 1's nested form (npm 6).
type lockDepV1 struct {
	Version      string               `json:"version"`
	Dependencies map[string]lockDepV1 `json:"dependencies"`
}

func flattenLockV1(out map[string]lockEntry, prefix string, deps map[string]lockDepV1) {
	for name, d := range deps {
		key := prefix + "node_modules/" + name
		out[key] = lockEntry{Version: d.Version}
		flattenLockV1(out, key+"/", d.Dependencies)
	}
}
