package weekly

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/fossawork/fossamaint/internal/updates"
)

// fileApplier is a test double at the updates.Applier interface (until
// the real pip Applier is wired into these tests): its "packages" are
// files under dir/pkgs whose content is the installed version, and it
// changes them for real. A package whose candidate is "broken" removes
// dir/pkgs/healthy (which the test backend's health follows); one whose
// name is in reboot creates the reboot-required file and its .pkgs.
type fileApplier struct {
	manager, policy, dir string
	// candidates are name -> candidate version.
	candidates map[string]string
	exclude    []string
	rebootFile string
	// os makes it behave as apt's: no snapshot, the downgrade commands
	// in UndoCommands, Undo refused with updates.ErrNoAutomaticUndo.
	os bool
}

func (f *fileApplier) Manager() string { return f.manager }

func (f *fileApplier) pkgs() string { return filepath.Join(f.dir, "pkgs") }

func (f *fileApplier) installed(name string) string {
	b, _ := os.ReadFile(filepath.Join(f.pkgs(), name))
	return strings.TrimSpace(string(b))
}

func (f *fileApplier) Plan(context.Context) (updates.Plan, error) {
	p := updates.Plan{Manager: f.manager, Policy: f.policy}
	var names []string
	for n := range f.candidates {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		it := updates.PlanItem{Name: n, From: f.installed(n), To: f.candidates[n], Selected: true, Why: "policy " + f.policy}
		if slices.Contains(f.exclude, n) {
			it.Selected, it.Why = false, "excluded by updates."+f.manager+".exclude"
		}
		p.Items = append(p.Items, it)
		if it.Selected {
			p.Commands = append(p.Commands, []string{"install", n + "==" + it.To})
		}
	}
	return p, nil
}

func (f *fileApplier) Apply(_ context.Context, p updates.Plan, snapshotDir string) (updates.Applied, error) {
	a := updates.Applied{Manager: f.manager, Snapshot: filepath.Join(snapshotDir, "pkgs")}
	if err := copyDir(f.pkgs(), a.Snapshot); err != nil {
		return a, err
	}
	for _, it := range p.Selected() {
		if err := os.WriteFile(filepath.Join(f.pkgs(), it.Name), []byte(it.To+"\n"), 0o644); err != nil {
			return a, err
		}
		if it.To == "fails" {
			return a, fmt.Errorf("installing %s: exit status 1", it.Name)
		}
		if it.To == "broken" {
			_ = os.Remove(filepath.Join(f.pkgs(), "healthy"))
		}
		if it.Name == "kernel" && f.rebootFile != "" {
			_ = os.WriteFile(f.rebootFile, nil, 0o644)
			_ = os.WriteFile(f.rebootFile+".pkgs", []byte("kernel\n"), 0o644)
		}
		a.Changes = append(a.Changes, updates.Change{Manager: f.manager, Name: it.Name, From: it.From, To: f.installed(it.Name)})
		if f.os {
			a.UndoCommands = append(a.UndoCommands, []string{"apt-get", "install", it.Name + "=" + it.From})
		}
	}
	if f.os {
		a.Snapshot = ""
	}
	return a, nil
}

func (f *fileApplier) Undo(_ context.Context, a updates.Applied) error {
	if f.os {
		return updates.ErrNoAutomaticUndo
	}
	if err := os.RemoveAll(f.pkgs()); err != nil {
		return err
	}
	return copyDir(a.Snapshot, f.pkgs())
}

func copyDir(src, dst string) error {
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return err
	}
	entries, err := os.ReadDir(src)
	if err != nil {
		return err
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dst, e.Name()), b, 0o644); err != nil {
			return fmt.Errorf("copying %s: %w", e.Name(), err)
		}
	}
	return nil
}
