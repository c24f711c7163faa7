package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/fossawork/fossamaint/internal/install"
	"github.com/fossawork/fossamaint/internal/updates"
	"github.com/fossawork/fossamaint/internal/weekly"
)

// The scripts' Appliers, until the real ones are wired into them: with
// FOSSAMAINT_TEST_APPLIER=DIR in a script's environment, pip's Applier is
// fileApplier over DIR (a test double at the updates.Applier interface
// that changes real files), and FOSSAMAINT_TEST_REBOOT=PROGRAM makes the
// reboot commands run PROGRAM with the real argv as its arguments.
func init() {
	if dir := os.Getenv("FOSSAMAINT_TEST_APPLIER"); dir != "" {
		testAppliers = func(in *install.Installation, manager, policy string) (updates.Applier, error) {
			if manager != "pip" {
				return nil, fmt.Errorf("%s: %w", manager, weekly.ErrNoApplier)
			}
			return &fileApplier{dir: dir, policy: policy, exclude: in.UpdatePolicies.Pip.Exclude}, nil
		}
	}
	if prog := os.Getenv("FOSSAMAINT_TEST_REBOOT"); prog != "" {
		testReboot = weekly.RebootCommands{Now: []string{prog, "systemctl", "reboot"},
			Schedule: func(d time.Duration, msg string) []string {
				return []string{prog, "systemd-run", fmt.Sprintf("--on-active=%d", int(d.Seconds())), "systemctl", "reboot"}
			}}
	}
}

// fileApplier's packages are files DIR/pkgs/NAME holding the installed
// version; DIR/candidates lists "NAME VERSION" lines.
type fileApplier struct {
	dir, policy string
	exclude     []string
}

func (f *fileApplier) Manager() string { return "pip" }

func (f *fileApplier) read(name string) string {
	b, _ := os.ReadFile(filepath.Join(f.dir, name))
	return strings.TrimSpace(string(b))
}

func (f *fileApplier) Plan(context.Context) (updates.Plan, error) {
	p := updates.Plan{Manager: "pip", Policy: f.policy}
	for _, line := range strings.Split(f.read("candidates"), "\n") {
		name, to, ok := strings.Cut(strings.TrimSpace(line), " ")
		if !ok || f.read("pkgs/"+name) == to {
			continue
		}
		it := updates.PlanItem{Name: name, From: f.read("pkgs/" + name), To: to, Selected: true, Why: "within " + f.policy}
		if slices.Contains(f.exclude, name) {
			it.Selected, it.Why = false, "excluded by updates.pip.exclude"
		} else {
			p.Commands = append(p.Commands, []string{"pip", "install", name + "==" + to})
		}
		p.Items = append(p.Items, it)
	}
	return p, nil
}

func (f *fileApplier) Apply(_ context.Context, p updates.Plan, snapshotDir string) (updates.Applied, error) {
	a := updates.Applied{Manager: "pip", Snapshot: filepath.Join(snapshotDir, "freeze.txt")}
	var freeze []string
	for _, it := range p.Items {
		freeze = append(freeze, it.Name+"=="+it.From)
	}
	if err := os.WriteFile(a.Snapshot, []byte(strings.Join(freeze, "\n")+"\n"), 0o600); err != nil {
		return a, err
	}
	for _, it := range p.Selected() {
		if err := os.WriteFile(filepath.Join(f.dir, "pkgs", it.Name), []byte(it.To+"\n"), 0o644); err != nil {
			return a, err
		}
		a.Changes = append(a.Changes, updates.Change{Manager: "pip", Name: it.Name, From: it.From, To: f.read("pkgs/" + it.Name)})
	}
	// DIR/reboot-pkgs: the upgrade asks for a reboot, as a Debian
	// package's postinst does.
	if pkgs, err := os.ReadFile(filepath.Join(f.dir, "reboot-pkgs")); err == nil {
		_ = os.WriteFile(filepath.Join(f.dir, "reboot-required.pkgs"), pkgs, 0o644)
		_ = os.WriteFile(filepath.Join(f.dir, "reboot-required"), nil, 0o644)
	}
	return a, nil
}

func (f *fileApplier) Undo(_ context.Context, a updates.Applied) error {
	b, err := os.ReadFile(a.Snapshot)
	if err != nil {
		return err
	}
	for _, line := range strings.Fields(string(b)) {
		name, v, _ := strings.Cut(line, "==")
		if err := os.WriteFile(filepath.Join(f.dir, "pkgs", name), []byte(v+"\n"), 0o644); err != nil {
			return err
		}
	}
	return nil
}
