package weekly

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fossawork/fossamaint/internal/config"
	"github.com/fossawork/fossamaint/internal/runbook"
	"github.com/fossawork/fossamaint/internal/testkit"
	"github.com/fossawork/fossamaint/internal/updates"
)

// TestRestartLoadsApplicationUpdates: after pip changed the backend's
// packages, updates/restart restarts the (exec) service so that it runs
// them, and counts the downtime. The backend's start script refuses to
// start on alpha 1.1.0: under policy minor the restart fails, the step's
// undo puts pip freeze back exactly and starts the backend again on 1.0.0,
// and the run is rolled back. Under policy patch (1.0.1) it starts.
func TestRestartLoadsApplicationUpdates(t *testing.T) {
	venv := testkit.PyVenv(t)
	wheels := t.TempDir()
	for _, v := range []string{"1.0.0", "1.0.1", "1.1.0"} {
		testkit.PyWheel(t, wheels, "alpha", v)
	}
	t.Setenv("PIP_CONFIG_FILE", os.DevNull)
	t.Setenv("PIP_NO_INDEX", "1")
	t.Setenv("PIP_FIND_LINKS", wheels)
	pip := func(args ...string) []byte {
		t.Helper()
		return testkit.Pip(t, venv, nil, args...)
	}
	for _, tt := range []struct {
		policy     string
		wantStatus runbook.RunStatus
		wantFreeze string // alpha's version in pip freeze afterwards
		wantAction string
	}{
		{"patch", runbook.RunOK, "1.0.1", "restarted fossawork-backend: the upgraded pip packages are running"},
		{"minor", runbook.RunRolledBack, "1.0.0", "undid restart"},
	} {
		t.Run(tt.policy, func(t *testing.T) {
			pip("install", "--force-reinstall", "alpha==1.0.0")
			before := pip("freeze", "--all")
			tr := newTree(t, 0)
			flag := filepath.Join(tr.root, "backend.up")
			start := filepath.Join(tr.root, "start.sh")
			// The "backend" loads alpha at start: on 1.1.0 it crashes.
			script := fmt.Sprintf("#!/bin/sh\nif %s -c 'import alpha, sys; sys.exit(alpha.VERSION == \"1.1.0\")'; then touch %s; else echo 'ImportError: alpha 1.1.0' >&2; exit 1; fi\n",
				filepath.Join(venv, "bin", "python"), flag)
			testkit.WriteFile(t, start, []byte(script), 0o700)
			testkit.WriteFile(t, flag, nil, 0o600)
			tr.upFile.Store(flag)
			tr.cfg.Services = config.Services{Manager: "exec", ReadyTimeout: config.Duration(10 * time.Second), Units: []config.Service{{
				Name: "fossawork-backend", HealthURL: tr.cfg.Health.Endpoints[0].URL,
				Start: []string{start}, Stop: []string{"rm", "-f", flag}, Status: []string{"test", "-f", flag},
			}}}
			tr.cfg.Updates.Pip = config.PipUpdates{Enabled: true, Venv: venv, Watch: []string{"alpha"}, Apply: tt.policy}
			p := tr.procedure(nil, saturday)
			p.d.Appliers = func(manager, policy string) (updates.Applier, error) {
				if manager != "pip" {
					return nil, ErrNoApplier
				}
				return updates.NewPipApplier(updates.ExecRunner{}, venv, policy, nil), nil
			}
			run, err := p.Execute(context.Background(), Options{Only: []string{"updates"}})
			if err != nil {
				t.Fatal(err)
			}
			st, _ := run.Step("updates", "restart")
			// The updates phase's report-only checks may warn (alpha is
			// not the newest); only the restart decides ok or rolled back.
			if status := run.Status; status != tt.wantStatus && !(tt.wantStatus == runbook.RunOK && status == runbook.RunWarn) {
				t.Errorf("run status %s, want %s (restart: %s %q %q; run findings %v)", status, tt.wantStatus, st.Status, st.Findings, st.Actions, run.Findings())
			}
			if !slices.ContainsFunc(st.Actions, func(a string) bool { return strings.Contains(a, tt.wantAction) }) {
				t.Errorf("restart actions %q, want one containing %q", st.Actions, tt.wantAction)
			}
			if d := st.Metrics[runbook.MetricDowntimeSeconds].Value; d <= 0 {
				t.Errorf("restart downtime %v, want > 0", d)
			}
			if _, err := os.Stat(flag); err != nil {
				t.Errorf("the backend is not running after the step: %v", err)
			}
			after := pip("freeze", "--all")
			if !bytes.Contains(after, []byte("alpha=="+tt.wantFreeze+"\n")) {
				t.Errorf("pip freeze afterwards:\n%s\nwant alpha==%s", after, tt.wantFreeze)
			}
			if tt.wantStatus == runbook.RunRolledBack && !bytes.Equal(after, before) {
				t.Errorf("pip freeze after the undo:\n%s\nwant\n%s", after, before)
			}
		})
	}
}

// TestRestartNotNeeded: without an application change the step does
// nothing; with services.manager none it says the old code runs.
func TestRestartNotNeeded(t *testing.T) {
	set := &appliedSet{}
	s := &restartStep{set: set, now: time.Now}
	env := &runbook.Env{Now: time.Now}
	r, err := s.run(context.Background(), env)
	if err != nil || !r.NotNeeded() {
		t.Fatalf("no change: %+v, %v; want not needed", r, err)
	}
	set.add(appliedUpdate{applied: updates.Applied{Manager: "apt", Changes: []updates.Change{{Manager: "apt", Name: "openssl", From: "1", To: "2"}}}})
	if r, _ := s.run(context.Background(), env); !r.NotNeeded() {
		t.Errorf("apt only: %+v; want not needed (the reboot step deals with the OS)", r)
	}
	set.add(appliedUpdate{applied: updates.Applied{Manager: "pip", Changes: []updates.Change{{Manager: "pip", Name: "alpha", From: "1", To: "2"}}}})
	r, err = s.run(context.Background(), env)
	if err != nil || len(r.Findings) != 1 || !strings.Contains(r.Findings[0].Message, "services.manager is none") {
		t.Errorf("no managed service: %+v, %v", r.Findings, err)
	}
}
