package weekly

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fossawork/fossamaint/internal/history"
	"github.com/fossawork/fossamaint/internal/install"
	"github.com/fossawork/fossamaint/internal/runbook"
	"github.com/fossawork/fossamaint/internal/testkit"
	"github.com/fossawork/fossamaint/internal/updates"
)

// applyTree is newTree with an application whose "packages" a fileApplier
// upgrades, pip's policy set, and a backend healthy while
// app/pkgs/healthy exists. The reboot commands run recorder, a script
// that writes its arguments to tr.root/reboot.argv.
func applyTree(t *testing.T, policy string, candidates map[string]string, exclude ...string) (*tree, *fileApplier, string) {
	t.Helper()
	tr := newTree(t, 0)
	dir := filepath.Join(tr.root, "app")
	for name, v := range map[string]string{"requests": "2.31.0", "flask": "3.0.0", "kernel": "1", "healthy": "ok"} {
		testkit.WriteFile(t, filepath.Join(dir, "pkgs", name), []byte(v+"\n"), 0o644)
	}
	tr.upFile.Store(filepath.Join(dir, "pkgs", "healthy"))
	tr.cfg.Updates.Pip.Enabled, tr.cfg.Updates.Pip.Venv, tr.cfg.Updates.Pip.Apply = true, "no-venv", policy
	tr.cfg.Updates.Apt.RebootRequiredFile = "run/reboot-required"
	if err := os.MkdirAll(filepath.Join(tr.root, "run"), 0o755); err != nil {
		t.Fatal(err)
	}
	recorder := filepath.Join(tr.root, "reboot.sh")
	testkit.WriteFile(t, recorder, []byte("#!/bin/sh\nprintf '%s\\n' \"$@\" > \""+filepath.Join(tr.root, "reboot.argv")+"\"\n"), 0o755)
	fa := &fileApplier{manager: "pip", dir: dir, candidates: candidates, exclude: exclude,
		rebootFile: filepath.Join(tr.root, "run", "reboot-required")}
	return tr, fa, recorder
}

func (tr *tree) applyProcedure(fa *fileApplier, recorder string, delay time.Duration, more ...*fileApplier) *Procedure {
	p := tr.procedure(nil, saturday)
	p.d.Appliers = func(manager, policy string) (updates.Applier, error) {
		for _, f := range append([]*fileApplier{fa}, more...) {
			if manager == f.manager {
				f.policy = policy
				return f, nil
			}
		}
		return nil, ErrNoApplier
	}
	def := RebootCommands{}.withDefaults()
	p.d.Reboot = RebootCommands{Delay: delay, Now: []string{recorder, "systemctl", "reboot"},
		Schedule: func(d time.Duration, msg string) []string { return append([]string{recorder}, def.Schedule(d, msg)...) }}
	return p
}

func version(t *testing.T, fa *fileApplier, name string) string {
	t.Helper()
	return fa.installed(name)
}

// TestApplyUpdates runs the updates and postflight phases with pip's
// policy set: only the selected packages change, every change is an
// action, a tally and a history row, the snapshot is private, and when
// postflight's health fails the application updates are undone exactly
// and the run is rolled back.
func TestApplyUpdates(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		candidates map[string]string
		exclude    []string
		want       map[string]string // versions afterwards
		rolledBack bool
		history    []string // "package from to", in the order recorded
	}{
		{"applied, healthy", map[string]string{"requests": "2.32.3"}, nil,
			map[string]string{"requests": "2.32.3", "flask": "3.0.0"}, false, []string{"requests 2.31.0 2.32.3"}},
		{"excluded package untouched", map[string]string{"requests": "2.32.3", "flask": "3.0.3"}, []string{"flask"},
			map[string]string{"requests": "2.32.3", "flask": "3.0.0"}, false, []string{"requests 2.31.0 2.32.3"}},
		{"health fails: undone", map[string]string{"requests": "2.32.3", "flask": "broken"}, nil,
			map[string]string{"requests": "2.31.0", "flask": "3.0.0", "healthy": "ok"}, true,
			[]string{"flask 3.0.0 broken", "requests 2.31.0 2.32.3", "flask broken 3.0.0", "requests 2.32.3 2.31.0"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tr, fa, rec := applyTree(t, "minor", tt.candidates, tt.exclude...)
			tr.cfg.Updates.Pip.Exclude = tt.exclude
			run, err := tr.applyProcedure(fa, rec, time.Minute).Execute(context.Background(), Options{Only: []string{"updates", "postflight"}})
			if err != nil {
				t.Fatal(err)
			}
			for name, v := range tt.want {
				if got := version(t, fa, name); got != v {
					t.Errorf("%s is %q, want %q", name, got, v)
				}
			}
			if (run.Status == runbook.RunRolledBack) != tt.rolledBack {
				t.Errorf("run status %s, want rolled back %v (findings %q)", run.Status, tt.rolledBack, findings(run, "postflight", "undo-updates"))
			}
			st, _ := run.Step("updates", "apply")
			if len(st.Tallies) != 1 || !tt.rolledBack && st.Tallies[0].Count != len(tt.history) {
				t.Errorf("tallies %+v", st.Tallies)
			}
			if !slices.ContainsFunc(st.Actions, func(a string) bool { return strings.Contains(a, "pip: upgraded requests 2.31.0 -> 2.32.3") }) {
				t.Errorf("actions %q", st.Actions)
			}
			fi, err := os.Stat(filepath.Join(tr.root, "state", "updates", run.RunID, "pip"))
			if err != nil || fi.Mode().Perm() != 0o700 {
				t.Errorf("snapshot dir: %v, %v", fi, err)
			}
			if got := recorded(t, tr, run.RunID); !slices.Equal(got, tt.history) {
				t.Errorf("history %q, want %q", got, tt.history)
			}
			undo, _ := run.Step("postflight", "undo-updates")
			if undo.Rolled != tt.rolledBack {
				t.Errorf("undo-updates rolled back %v: %+v", undo.Rolled, undo.Result)
			}
		})
	}
}

func recorded(t *testing.T, tr *tree, runID string) []string {
	t.Helper()
	s, err := history.Open(context.Background(), filepath.Join(tr.root, "state"), time.Now)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	rows, err := s.UpdateChanges(context.Background(), runID)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range rows {
		out = append(out, r.Package+" "+r.From+" "+r.To)
	}
	return out
}

// TestApplyDryRunShowsThePlan: a dry run changes nothing and lists the
// plan `updates plan` shows, line by line after "would:".
func TestApplyDryRunShowsThePlan(t *testing.T) {
	t.Parallel()
	tr, fa, rec := applyTree(t, "minor", map[string]string{"requests": "2.32.3", "flask": "3.0.3"})
	p := tr.applyProcedure(fa, rec, time.Minute)
	run, err := p.Execute(context.Background(), Options{DryRun: true, Only: []string{"updates"}})
	if err != nil {
		t.Fatal(err)
	}
	if v := version(t, fa, "requests"); v != "2.31.0" {
		t.Errorf("a dry run changed requests to %s", v)
	}
	plans := p.UpdatePlans(context.Background(), nil)
	if len(plans) != 1 || plans[0].Plan == nil {
		t.Fatalf("plans %+v", plans)
	}
	var want []string
	for _, l := range PlanLines(*plans[0].Plan) {
		want = append(want, "would: "+l)
	}
	st, _ := run.Step("updates", "apply")
	if !slices.Equal(st.Actions, want) {
		t.Errorf("dry run actions\n%q\nwant\n%q", st.Actions, want)
	}
	// A policy given for the plan only; none leaves the manager out.
	if got := p.UpdatePlans(context.Background(), map[string]string{"pip": "none"}); len(got) != 0 {
		t.Errorf("pip=none: %+v", got)
	}
	if got := p.UpdatePlans(context.Background(), map[string]string{"npm": "all"}); len(got) != 2 || got[1].Error == "" {
		t.Errorf("npm=all without an npm applier: %+v", got)
	}
}

// TestRebootAfterApply: when the reboot-required file appears after the
// apply step, postflight/reboot acts per updates.reboot, running the
// recorder script instead of the real commands, and never outside the
// window or after a rollback.
func TestRebootAfterApply(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		policy     string
		candidates map[string]string
		delay      time.Duration
		wantArgv   string // the recorder's argv ("" : not run)
		finding    string
		due        bool
	}{
		{"window-end", "window-end", map[string]string{"kernel": "2"}, time.Minute, "--on-active=60", "", false},
		{"window-end outside the window", "window-end", map[string]string{"kernel": "2"}, 48 * time.Hour, "", "outside the window", false},
		{"never", "never", map[string]string{"kernel": "2"}, time.Minute, "", "updates.reboot is never", false},
		{"now", "now", map[string]string{"kernel": "2"}, time.Minute, "systemctl\nreboot", "", true},
		{"rolled back", "window-end", map[string]string{"kernel": "2", "flask": "broken"}, time.Minute, "", "rolled back", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tr, fa, rec := applyTree(t, "all", tt.candidates)
			tr.cfg.Updates.Reboot = tt.policy
			p := tr.applyProcedure(fa, rec, tt.delay)
			run, err := p.Execute(context.Background(), Options{Only: []string{"updates", "postflight"}})
			if err != nil {
				t.Fatal(err)
			}
			ran, err := p.RebootIfDue(context.Background())
			if err != nil || ran != tt.due {
				t.Errorf("RebootIfDue: %v, %v", ran, err)
			}
			argv, _ := os.ReadFile(filepath.Join(tr.root, "reboot.argv"))
			if tt.wantArgv == "" && len(argv) > 0 || !strings.Contains(string(argv), tt.wantArgv) {
				t.Errorf("reboot argv %q, want %q", argv, tt.wantArgv)
			}
			if tt.policy == "window-end" && tt.wantArgv != "" && !strings.HasPrefix(string(argv), "systemd-run\n--on-active=60\n--description=fossamaint: reboot after maintenance run ") ||
				tt.wantArgv != "" && !strings.HasSuffix(string(argv), "systemctl\nreboot\n") {
				t.Errorf("reboot argv %q", argv)
			}
			if f := strings.Join(findings(run, "postflight", "reboot"), "\n"); !strings.Contains(f, tt.finding) {
				t.Errorf("findings %q, want %q", f, tt.finding)
			}
		})
	}
}

// TestUndoLeavesOSPackages: when health fails after apt and pip updates,
// pip's are undone and apt's are listed with their downgrade commands,
// never run.
func TestUndoLeavesOSPackages(t *testing.T) {
	t.Parallel()
	tr, fa, rec := applyTree(t, "minor", map[string]string{"flask": "broken"})
	osDir := filepath.Join(tr.root, "os")
	testkit.WriteFile(t, filepath.Join(osDir, "pkgs", "openssl"), []byte("3.0.14-1\n"), 0o644)
	apt := &fileApplier{manager: "apt", dir: osDir, candidates: map[string]string{"openssl": "3.0.15-1"}, os: true}
	tr.cfg.Updates.Apt.Enabled, tr.cfg.Updates.Apt.Apply = true, "security"
	tr.cfg.Updates.Apt.ListFile = "no-list" // the report-only apt check reads a file, not the host
	run, err := tr.applyProcedure(fa, rec, time.Minute, apt).Execute(context.Background(), Options{Only: []string{"updates", "postflight"}})
	if err != nil {
		t.Fatal(err)
	}
	if v := version(t, fa, "flask"); v != "3.0.0" {
		t.Errorf("flask is %s after the undo", v)
	}
	if v := version(t, apt, "openssl"); v != "3.0.15-1" {
		t.Errorf("openssl is %s: OS packages must not be downgraded", v)
	}
	undo, _ := run.Step("postflight", "undo-updates")
	var evidence []string
	for _, f := range undo.Findings {
		evidence = append(evidence, f.Evidence)
	}
	if !slices.Contains(evidence, "apt-get install openssl=3.0.14-1") || !undo.Rolled || run.Status != runbook.RunRolledBack {
		t.Errorf("undo-updates: rolled %v, run %s, findings %+v", undo.Rolled, run.Status, undo.Findings)
	}
}

func TestNoticeUpdates(t *testing.T) {
	none := install.UpdatePolicies{Apt: install.ManagerPolicy{Enabled: true, Apply: "none"}, Reboot: "window-end"}
	if got := noticeUpdates(none); got != "checked and reported only: no update is applied in this window" {
		t.Errorf("none: %q", got)
	}
	pol := none
	pol.Apt.Apply, pol.Pip = "security", install.ManagerPolicy{Enabled: true, Apply: "minor"}
	want := "applied by policy (apt security, pip minor), pip and npm undone if the application is unhealthy afterwards; a reboot they ask for: window-end"
	if got := noticeUpdates(pol); got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// TestApplyFailureUndone: an Apply that fails halfway fails the step,
// and the step's Undo puts the snapshot back.
func TestApplyFailureUndone(t *testing.T) {
	t.Parallel()
	tr, fa, rec := applyTree(t, "all", map[string]string{"flask": "3.0.3", "requests": "fails"})
	run, err := tr.applyProcedure(fa, rec, time.Minute).Execute(context.Background(), Options{Only: []string{"updates"}})
	if err != nil {
		t.Fatal(err)
	}
	st, _ := run.Step("updates", "apply")
	if st.Status != runbook.StatusFail || !st.Undone {
		t.Errorf("apply: status %s, undone %v, error %q", st.Status, st.Undone, st.Error)
	}
	if v := version(t, fa, "flask"); v != "3.0.0" {
		t.Errorf("flask is %s after the undo", v)
	}
	if got, want := recorded(t, tr, run.RunID), []string{"flask 3.0.0 3.0.3", "flask 3.0.3 3.0.0"}; !slices.Equal(got, want) {
		t.Errorf("history %q, want %q", got, want)
	}
}
