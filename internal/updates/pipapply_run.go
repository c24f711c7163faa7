package updates

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/fossawork/fossamaint/internal/durable"
)

// Apply implements Applier. It refuses a plan of another manager, a
// refused plan, and a command that is not this virtualenv's pip install.
// It writes `pip freeze --all` to a new 0600 file in snapshotDir first,
// then runs the plan's commands, then records as Changes what pip freeze
// says changed (not what was planned). When an install fails midway the
// returned Applied still holds the snapshot and the changes so far, with
// the error: Undo takes it back.
func (a *PipApplier) Apply(ctx context.Context, p Plan, snapshotDir string) (Applied, error) {
	done := Applied{Manager: "pip", Changes: []Change{}}
	if err := a.checkPlan(p); err != nil {
		return done, err
	}
	if len(p.Commands) == 0 {
		return done, nil
	}
	raw, before, err := a.freeze(ctx)
	if err != nil {
		return done, fmt.Errorf("taking the pip freeze snapshot before upgrading (nothing was installed): %w", err)
	}
	if done.Snapshot, err = writeSnapshot(snapshotDir, raw); err != nil {
		return done, err
	}
	done.UndoCommands = [][]string{a.restoreCommand(done.Snapshot)}
	var runErr error
	for _, argv := range p.Commands {
		if _, runErr = a.pip(ctx, argv[3:]...); runErr != nil {
			runErr = fmt.Errorf("applying the pip plan: %w; the state before is in %s (Undo restores it)", runErr, done.Snapshot)
			break
		}
	}
	_, after, err := a.freeze(ctx)
	if err != nil {
		return done, errors.Join(runErr, fmt.Errorf("reading pip freeze after upgrading, so what changed is unknown; the state before is in %s: %w", done.Snapshot, err))
	}
	done.Changes = DiffVersions("pip", before, after)
	return done, runErr
}

// checkPlan accepts only a pip plan of this applier that is not refused.
func (a *PipApplier) checkPlan(p Plan) error {
	switch {
	case p.Manager != "pip":
		return fmt.Errorf("pip cannot apply a plan of %q: give each manager its own plan", p.Manager)
	case p.Refused != "":
		return fmt.Errorf("the pip plan is refused, nothing installed: %s", p.Refused)
	}
	prefix := []string{venvPython(a.venv), "-m", "pip", "install"}
	for _, argv := range p.Commands {
		if len(argv) < len(prefix) || !slices.Equal(argv[:len(prefix)], prefix) {
			return fmt.Errorf("the pip plan's command %q is not a pip install of the virtualenv %s: make the plan again with this configuration", strings.Join(argv, " "), a.venv)
		}
	}
	return nil
}

// writeSnapshot keeps a pip freeze as dir/pip-freeze.txt (0600),
// written durably (temp file, fsync, rename): the undo restores from it,
// possibly after a crash.
func writeSnapshot(dir string, freeze []byte) (string, error) {
	path := filepath.Join(dir, "pip-freeze.txt")
	if err := durable.WriteFile(path, freeze, 0o600, "pip-snapshot"); err != nil {
		return "", fmt.Errorf("writing the pip freeze snapshot %s (nothing was installed): %w", path, err)
	}
	return path, nil
}

// restoreCommand reinstalls a snapshot.
func (a *PipApplier) restoreCommand(snapshot string) []string {
	return []string{venvPython(a.venv), "-m", "pip", "install", "--no-input", "--disable-pip-version-check", "-r", snapshot}
}

// Undo implements Applier: it reinstalls the snapshot with `pip install
// -r` (the versions it pins, from the index or pip's cache), uninstalls
// the packages the snapshot lacks (never pip itself), then checks that
// pip freeze equals the snapshot, and says what differs if not.
func (a *PipApplier) Undo(ctx context.Context, done Applied) error {
	switch {
	case done.Manager != "pip":
		return fmt.Errorf("pip cannot undo what %q applied", done.Manager)
	case done.Snapshot == "" && len(done.Changes) == 0:
		return nil // nothing was applied
	case done.Snapshot == "":
		return errors.New("pip: no freeze snapshot to restore; reinstall the previous versions by hand: " + describeChanges(done.Changes))
	}
	f, err := os.Open(done.Snapshot)
	if err != nil {
		return fmt.Errorf("pip undo: reading the freeze snapshot: %w", err)
	}
	want, err := ParsePipFreeze(f)
	f.Close()
	if err != nil {
		return fmt.Errorf("pip undo: reading the freeze snapshot %s: %w", done.Snapshot, err)
	}
	if err := a.reinstall(ctx, done.Snapshot); err != nil {
		return err
	}
	_, now, err := a.freeze(ctx)
	if err != nil {
		return fmt.Errorf("pip undo: %w", err)
	}
	var extra []string
	for name := range now {
		if _, ok := want[name]; !ok && now.isProject(name) && name != "pip" {
			extra = append(extra, name)
		}
	}
	if len(extra) > 0 {
		slices.Sort(extra)
		if _, err := a.pip(ctx, append([]string{"uninstall", "--yes", "--disable-pip-version-check"}, extra...)...); err != nil {
			return fmt.Errorf("pip undo: removing %s, which the snapshot lacks: %w", strings.Join(extra, ", "), err)
		}
		if _, now, err = a.freeze(ctx); err != nil {
			return fmt.Errorf("pip undo: %w", err)
		}
	}
	if diff := DiffVersions("pip", want, now); len(diff) > 0 {
		return fmt.Errorf("pip undo: pip freeze still differs from the snapshot %s: %s; reinstall those versions by hand", done.Snapshot, describeChanges(diff))
	}
	return nil
}

// reinstall runs `pip install -r snapshot`. The snapshot is fossamaint's
// (0600 under state_dir); when pip runs as the virtualenv's owner, it
// reads a copy: a 0600 file of the owner's in a new private directory,
// removed afterwards. Not stdin: pip's -r wants a path (/dev/stdin is
// Linux's alone) and the Runner has no stdin. A copy the owner cannot
// reach is an error saying so; pip never runs as root instead.
func (a *PipApplier) reinstall(ctx context.Context, snapshot string) error {
	owner, err := runsAs(a.r)
	if err != nil {
		return fmt.Errorf("pip undo: %w", err)
	}
	from := snapshot
	if owner != nil {
		copied, done, err := copyForOwner(*owner, snapshot)
		if err != nil {
			return fmt.Errorf("pip undo: %w", err)
		}
		defer done()
		from = copied
	}
	if _, err := a.pip(ctx, a.restoreCommand(from)[3:]...); err != nil {
		return fmt.Errorf("pip undo: reinstalling %s: %w", snapshot, err)
	}
	return nil
}
