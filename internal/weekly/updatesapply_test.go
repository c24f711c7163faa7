package weekly

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fossawork/fossamaint/internal/config"
	"github.com/fossawork/fossamaint/internal/history"
	"github.com/fossawork/fossamaint/internal/install"
	"github.com/fossawork/fossamaint/internal/runbook"
	"github.com/fossawork/fossamaint/internal/testkit"
	"github.com/fossawork/fossamaint/internal/updates"
)

// The updates phase's apply step and postflight's undo and reboot steps
// with the real Appliers, offline: pip in a virtualenv the test makes,
// reading only the wheels the test writes (the Applier's Env sets
// PIP_NO_INDEX, PIP_FIND_LINKS and PIP_CONFIG_FILE), and apt and dpkg in
// testkit's private root. A virtualenv costs seconds, so the cases of a
// test share one, each reinstalling the base versions first.

// brokenFlask is a release that breaks the application: the backend of
// these tests answers 503 while it is installed.
const brokenFlask = "3.0.9"

// applyEnv is a tree whose updates the real Appliers apply; its backend
// is healthy unless flask brokenFlask is installed in venv.
type applyEnv struct {
	*tree
	venv   string   // "": pip is not set up
	pipEnv []string // points pip at this case's wheels only
	// pipExclude is updates.pip.exclude.
	pipExclude []string
	apt        *testkit.AptRootFixture // nil: apt is not set up
	// recorder is the reboot commands' program: it writes its arguments
	// to root/reboot.argv.
	recorder string
}

func newApplyEnv(t *testing.T, venv string) *applyEnv {
	t.Helper()
	e := &applyEnv{tree: newTree(t, 0), venv: venv}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		if e.venv != "" {
			if broken, _ := filepath.Glob(filepath.Join(e.venv, "lib", "python*", "site-packages", "flask-"+brokenFlask+".dist-info")); len(broken) > 0 {
				http.Error(w, "flask "+brokenFlask+" broke it", http.StatusServiceUnavailable)
				return
			}
		}
		fmt.Fprint(w, `{"status":"healthy"}`)
	}))
	t.Cleanup(srv.Close)
	e.cfg.Health.Endpoints = []config.Endpoint{{Name: "health", URL: srv.URL + "/api/health", Expect: []int{200}, Critical: true}}
	e.recorder = filepath.Join(e.root, "reboot.sh")
	testkit.WriteFile(t, e.recorder, []byte("#!/bin/sh\nprintf '%s\\n' \"$@\" > \""+filepath.Join(e.root, "reboot.argv")+"\"\n"), 0o755)
	return e
}

// wheel is a wheel of the case's package index. A failing one makes
// pip's install of it fail after resolving it.
type wheel struct {
	name, version string
	requires      []string
	failing       bool
}

// withPip sets pip's policy and writes the case's wheels, the base
// versions (requests 2.31.0, flask 3.0.0) and candidates, into a new
// directory that pip then reads alone; it installs the base versions,
// undoing what an earlier case left.
func (e *applyEnv) withPip(t *testing.T, policy string, candidates ...wheel) {
	t.Helper()
	dir := t.TempDir()
	for _, w := range append([]wheel{{name: "requests", version: "2.31.0"}, {name: "flask", version: "3.0.0"}}, candidates...) {
		testkit.PyWheel(t, dir, w.name, w.version, w.requires...)
		if w.failing {
			testkit.AddToWheel(t, filepath.Join(dir, w.name+"-"+w.version+"-py3-none-any.whl"),
				map[string]string{"../../../outside-site-packages.py": "\n"})
		}
	}
	e.pipEnv = []string{"PIP_CONFIG_FILE=" + os.DevNull, "PIP_NO_INDEX=1", "PIP_FIND_LINKS=" + dir}
	e.pip(t, "install", "requests==2.31.0", "flask==3.0.0")
	e.cfg.Updates.Pip = config.PipUpdates{Enabled: true, Venv: e.venv, Apply: policy}
}

// pip runs the venv's pip and returns its output.
func (e *applyEnv) pip(t *testing.T, args ...string) []byte {
	t.Helper()
	return testkit.Pip(t, e.venv, e.pipEnv, args...)
}

func (e *applyEnv) freeze(t *testing.T) []byte {
	t.Helper()
	return e.pip(t, "freeze", "--all")
}

// withApt builds aptScenario's root and applies its security updates.
func (e *applyEnv) withApt(t *testing.T) {
	t.Helper()
	e.useApt(aptScenario(t))
}

// aptScenario is the private root of these tests. Installed:
// fmtest-kernel, fmtest-tool and fmtest-held (held), all 1.0. The
// security repository has fmtest-kernel 1.1, whose postinst asks for a
// reboot, and fmtest-held 1.1; the other one fmtest-tool 1.1.
func aptScenario(t *testing.T) *testkit.AptRootFixture {
	t.Helper()
	r := testkit.AptRoot(t)
	r.AddSecurity(testkit.AptDeb{Name: "fmtest-kernel", Version: "1.1", RebootRequired: true}, testkit.AptDeb{Name: "fmtest-held", Version: "1.1"})
	r.AddLocal(testkit.AptDeb{Name: "fmtest-tool", Version: "1.1"})
	r.Install(testkit.AptDeb{Name: "fmtest-kernel", Version: "1.0"}, testkit.AptDeb{Name: "fmtest-tool", Version: "1.0"}, testkit.AptDeb{Name: "fmtest-held", Version: "1.0"})
	r.Hold("fmtest-held")
	return r
}

// useApt points the tree at r, applying its security updates, with its
// reboot-required file as updates.apt.reboot_required_file (which must
// not exist yet).
func (e *applyEnv) useApt(r *testkit.AptRootFixture) {
	e.apt = r
	e.cfg.Updates.Apt.Enabled, e.cfg.Updates.Apt.Apply = true, "security"
	e.cfg.Updates.Apt.RebootRequiredFile = r.RebootFile()
}

// procedure is the tree's Procedure with the real Appliers of what is set
// up, and reboot commands that run the recorder with the real argv.
func (e *applyEnv) procedure(delay time.Duration) *Procedure {
	p := e.tree.procedure(nil, saturday)
	p.d.Appliers = func(manager, policy string) (updates.Applier, error) {
		switch {
		case manager == "pip" && e.venv != "":
			a := updates.NewPipApplier(updates.ExecRunner{}, e.venv, policy, e.pipExclude)
			a.Env = e.pipEnv
			return a, nil
		case manager == "apt" && e.apt != nil:
			return updates.NewAptApplier(updates.ExecRunner{}, policy, nil,
				updates.AptOptions{Config: e.apt.Config, Options: e.apt.Options, DpkgAdminDir: e.apt.DpkgAdminDir}), nil
		}
		return nil, fmt.Errorf("%s: %w", manager, ErrNoApplier)
	}
	def := RebootCommands{}.withDefaults()
	p.d.Reboot = RebootCommands{Delay: delay, Now: []string{e.recorder, "systemctl", "reboot"},
		Schedule: func(d time.Duration, msg string) []string {
			return append([]string{e.recorder}, def.Schedule(d, msg)...)
		}}
	return p
}

// reportOnly are the report-only checks, which these tests leave out:
// they would read the host's apt.
var reportOnly = []string{"updates/apt", "updates/pip", "updates/npm"}

func (e *applyEnv) execute(t *testing.T, p *Procedure, o Options) *runbook.Run {
	t.Helper()
	o.SkipSteps = reportOnly
	run, err := p.Execute(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	return run
}

// pipChanges are the changes between two pip freezes, as "name from to".
func pipChanges(t *testing.T, before, after []byte) []string {
	t.Helper()
	parse := func(b []byte) updates.PipFreeze {
		f, err := updates.ParsePipFreeze(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	var out []string
	for _, c := range updates.DiffVersions("pip", parse(before), parse(after)) {
		out = append(out, c.Name+" "+c.From+" "+c.To)
	}
	return out
}

// TestApplyUpdates runs the updates and postflight phases with pip's
// policy minor: only the selected packages change, the excluded one is
// untouched, every change is an action, a tally and a history row that
// pip freeze confirms, the snapshot is private, and when postflight's
// health fails the application updates are undone exactly (pip freeze as
// before) and the run is rolled back.
func TestApplyUpdates(t *testing.T) {
	t.Parallel()
	venv := testkit.PyVenv(t)
	tests := []struct {
		name       string
		candidates []wheel
		exclude    []string
		rolledBack bool
		history    []string // "package from to", in the order recorded
	}{
		{"applied, healthy", []wheel{{name: "requests", version: "2.32.3"}}, nil, false,
			[]string{"requests 2.31.0 2.32.3"}},
		{"excluded package untouched", []wheel{{name: "requests", version: "2.32.3"}, {name: "flask", version: "3.0.3"}}, []string{"flask"}, false,
			[]string{"requests 2.31.0 2.32.3"}},
		{"health fails: undone", []wheel{{name: "requests", version: "2.32.3"}, {name: "flask", version: brokenFlask}}, nil, true,
			[]string{"flask 3.0.0 " + brokenFlask, "requests 2.31.0 2.32.3", "flask " + brokenFlask + " 3.0.0", "requests 2.32.3 2.31.0"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newApplyEnv(t, venv)
			e.withPip(t, "minor", tt.candidates...)
			e.pipExclude = tt.exclude
			before := e.freeze(t)
			run := e.execute(t, e.procedure(time.Minute), Options{Only: []string{"updates", "postflight"}})
			after := e.freeze(t)
			got := recorded(t, e.tree, run.RunID)
			if !slices.Equal(got, tt.history) {
				t.Errorf("history %q, want %q", got, tt.history)
			}
			if tt.rolledBack && !bytes.Equal(after, before) {
				t.Errorf("pip freeze after the undo:\n%s\nwant\n%s", after, before)
			}
			if freeze := pipChanges(t, before, after); !tt.rolledBack && !slices.Equal(freeze, got) {
				t.Errorf("history %q, but pip freeze says %q", got, freeze)
			}
			if (run.Status == runbook.RunRolledBack) != tt.rolledBack {
				t.Errorf("run status %s, want rolled back %v (findings %q)", run.Status, tt.rolledBack, findings(run, "postflight", "undo-updates"))
			}
			st, _ := run.Step("updates", "apply")
			if len(st.Tallies) != 1 || !tt.rolledBack && st.Tallies[0].Count != len(tt.history) {
				t.Errorf("tallies %+v", st.Tallies)
			}
			if !slices.Contains(st.Actions, "pip: upgraded requests 2.31.0 -> 2.32.3") {
				t.Errorf("actions %q", st.Actions)
			}
			fi, err := os.Stat(filepath.Join(e.root, "state", "updates", run.RunID, "pip"))
			if err != nil || fi.Mode().Perm() != 0o700 {
				t.Errorf("snapshot dir: %v, %v", fi, err)
			}
			undo, _ := run.Step("postflight", "undo-updates")
			if undo.Rolled != tt.rolledBack {
				t.Errorf("undo-updates rolled back %v: %+v", undo.Rolled, undo.Result)
			}
		})
	}
	t.Run("apply fails: undone", func(t *testing.T) { testApplyFailureUndone(t, venv) })
}

// testApplyFailureUndone: an Apply that fails halfway (flask 3.0.3 is
// installed, then requests 2.32.3, which needs it, fails to install)
// fails the step, and the step's Undo puts pip freeze back.
func testApplyFailureUndone(t *testing.T, venv string) {
	e := newApplyEnv(t, venv)
	e.withPip(t, "all", wheel{name: "flask", version: "3.0.3"},
		wheel{name: "requests", version: "2.32.3", requires: []string{"flask>=3.0.3"}, failing: true})
	before := e.freeze(t)
	run := e.execute(t, e.procedure(time.Minute), Options{Only: []string{"updates"}})
	st, _ := run.Step("updates", "apply")
	if st.Status != runbook.StatusFail || !st.Undone || !strings.Contains(st.Error, "requests==2.32.3") {
		t.Errorf("apply: status %s, undone %v, error %q", st.Status, st.Undone, st.Error)
	}
	if after := e.freeze(t); !bytes.Equal(after, before) {
		t.Errorf("pip freeze after the undo:\n%s\nwant\n%s", after, before)
	}
	if got, want := recorded(t, e.tree, run.RunID), []string{"flask 3.0.0 3.0.3", "flask 3.0.3 3.0.0"}; !slices.Equal(got, want) {
		t.Errorf("history %q, want %q", got, want)
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

// TestApplyDryRunShowsThePlan: a dry run with apt's and pip's policies
// set changes nothing (pip freeze, dpkg-query and the dpkg status file
// identical, no snapshot directory) and lists the plans `updates plan`
// shows, line by line after "would:".
func TestApplyDryRunShowsThePlan(t *testing.T) {
	t.Parallel()
	e := newApplyEnv(t, testkit.PyVenv(t))
	e.withPip(t, "minor", wheel{name: "requests", version: "2.32.3"}, wheel{name: "flask", version: "3.0.3"})
	e.withApt(t)
	freeze, installed := e.freeze(t), e.apt.Installed()
	status := testkit.HashFiles(t, filepath.Join(e.apt.DpkgAdminDir, "status"))
	p := e.procedure(time.Minute)
	run := e.execute(t, p, Options{DryRun: true, Only: []string{"updates"}})
	if !bytes.Equal(e.freeze(t), freeze) || !slices.Equal(e.apt.Installed(), installed) ||
		!maps.Equal(testkit.HashFiles(t, filepath.Join(e.apt.DpkgAdminDir, "status")), status) {
		t.Error("a dry run changed pip freeze, dpkg-query or the dpkg status file")
	}
	if _, err := os.Stat(filepath.Join(e.root, "state", "updates")); !os.IsNotExist(err) {
		t.Errorf("a dry run made state/updates: %v", err)
	}
	plans := p.UpdatePlans(context.Background(), nil)
	if len(plans) != 2 || plans[0].Manager != "apt" || plans[1].Manager != "pip" || plans[0].Plan == nil || plans[1].Plan == nil {
		t.Fatalf("plans %+v", plans)
	}
	var want []string
	for _, mp := range plans {
		for _, l := range PlanLines(*mp.Plan) {
			want = append(want, "would: "+l)
		}
	}
	st, _ := run.Step("updates", "apply")
	if !slices.Equal(st.Actions, want) {
		t.Errorf("dry run actions\n%q\nwant\n%q", st.Actions, want)
	}
	for _, line := range []string{"would: apt: upgrade fmtest-kernel 1.0 -> 1.1 (security origin", "would: pip: upgrade flask 3.0.0 -> 3.0.3 (patch upgrade, policy minor)",
		"would: pip: upgrade requests 2.31.0 -> 2.32.3 (minor upgrade, policy minor)"} {
		if !slices.ContainsFunc(st.Actions, func(a string) bool { return strings.HasPrefix(a, line) }) {
			t.Errorf("no action %q in %q", line, st.Actions)
		}
	}
	// A policy given for the plan only; none leaves the manager out.
	if got := p.UpdatePlans(context.Background(), map[string]string{"pip": "none"}); len(got) != 1 || got[0].Manager != "apt" {
		t.Errorf("pip=none: %+v", got)
	}
	if got := p.UpdatePlans(context.Background(), map[string]string{"npm": "all", "apt": "none"}); len(got) != 2 || got[1].Manager != "npm" || got[1].Error == "" {
		t.Errorf("npm=all without an npm applier: %+v", got)
	}
}

// TestRebootAfterApply: when an applied apt upgrade asks for a reboot
// (fmtest-kernel's postinst writes the reboot-required file),
// postflight/reboot acts per updates.reboot, running the recorder with the
// real argv, and never outside the window. The cases share one private
// root, fmtest-kernel downgraded back to 1.0 before each.
func TestRebootAfterApply(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("-short: every case runs apt and dpkg in a private root")
	}
	root := aptScenario(t)
	tests := []struct {
		name     string
		policy   string
		delay    time.Duration
		wantArgv string // the recorder's argv ("" : not run)
		finding  string
		due      bool
	}{
		{"window-end", "window-end", time.Minute, "--on-active=60", "", false},
		{"window-end outside the window", "window-end", 48 * time.Hour, "", "outside the window", false},
		{"never", "never", time.Minute, "", "updates.reboot is never", false},
		{"now", "now", time.Minute, "systemctl\nreboot", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newApplyEnv(t, "")
			root.Install(testkit.AptDeb{Name: "fmtest-kernel", Version: "1.0"}) // the previous case upgraded it
			for _, f := range []string{root.RebootFile(), root.RebootFile() + ".pkgs"} {
				if err := os.Remove(f); err != nil && !os.IsNotExist(err) {
					t.Fatal(err)
				}
			}
			e.useApt(root)
			e.cfg.Updates.Reboot = tt.policy
			p := e.procedure(tt.delay)
			run := e.execute(t, p, Options{Only: []string{"updates", "postflight"}})
			if got, want := root.Installed(), []string{"fmtest-held 1.0", "fmtest-kernel 1.1", "fmtest-tool 1.0"}; !slices.Equal(got, want) {
				t.Errorf("dpkg-query after the run: %q, want %q", got, want)
			}
			if got, want := recorded(t, e.tree, run.RunID), []string{"fmtest-kernel 1.0 1.1"}; !slices.Equal(got, want) {
				t.Errorf("history %q, want %q", got, want)
			}
			ran, err := p.RebootIfDue(context.Background())
			if err != nil || ran != tt.due {
				t.Errorf("RebootIfDue: %v, %v", ran, err)
			}
			argv, _ := os.ReadFile(filepath.Join(e.root, "reboot.argv"))
			if tt.wantArgv == "" && len(argv) > 0 || !strings.Contains(string(argv), tt.wantArgv) {
				t.Errorf("reboot argv %q, want %q", argv, tt.wantArgv)
			}
			if tt.policy == "window-end" && tt.wantArgv != "" && !strings.HasPrefix(string(argv), "systemd-run\n--on-active=60\n--description=fossamaint: reboot after maintenance run "+run.RunID+" (fmtest-kernel)\n") ||
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
// pip's are undone (pip freeze as before) and apt's are listed with their
// downgrade commands, never run (dpkg-query still shows the upgrade); the
// reboot the kernel asked for is not scheduled, as the run was rolled
// back.
func TestUndoLeavesOSPackages(t *testing.T) {
	t.Parallel()
	e := newApplyEnv(t, testkit.PyVenv(t))
	e.withPip(t, "minor", wheel{name: "flask", version: brokenFlask})
	e.withApt(t)
	e.cfg.Updates.Reboot = "window-end"
	before := e.freeze(t)
	run := e.execute(t, e.procedure(time.Minute), Options{Only: []string{"updates", "postflight"}})
	if after := e.freeze(t); !bytes.Equal(after, before) {
		t.Errorf("pip freeze after the undo:\n%s\nwant\n%s", after, before)
	}
	if got, want := e.apt.Installed(), []string{"fmtest-held 1.0", "fmtest-kernel 1.1", "fmtest-tool 1.0"}; !slices.Equal(got, want) {
		t.Errorf("dpkg-query %q, want %q: OS packages must not be downgraded", got, want)
	}
	undo, _ := run.Step("postflight", "undo-updates")
	var evidence []string
	for _, f := range undo.Findings {
		evidence = append(evidence, f.Evidence)
	}
	if !slices.ContainsFunc(evidence, func(s string) bool {
		return strings.HasPrefix(s, "apt-get ") && strings.HasSuffix(s, " install fmtest-kernel=1.0")
	}) ||
		!undo.Rolled || run.Status != runbook.RunRolledBack {
		t.Errorf("undo-updates: rolled %v, run %s, findings %+v", undo.Rolled, run.Status, undo.Findings)
	}
	want := []string{"fmtest-kernel 1.0 1.1", "flask 3.0.0 " + brokenFlask, "flask " + brokenFlask + " 3.0.0"}
	if got := recorded(t, e.tree, run.RunID); !slices.Equal(got, want) {
		t.Errorf("history %q, want %q", got, want)
	}
	if argv, err := os.ReadFile(filepath.Join(e.root, "reboot.argv")); err == nil {
		t.Errorf("a rolled-back run rebooted: %q", argv)
	}
	if f := strings.Join(findings(run, "postflight", "reboot"), "\n"); !strings.Contains(f, "rolled back") {
		t.Errorf("reboot findings %q, want the rolled-back one", f)
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
