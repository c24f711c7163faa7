package weekly

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/fossawork/fossamaint/internal/config"
	"github.com/fossawork/fossamaint/internal/runbook"
	"github.com/fossawork/fossamaint/internal/testkit"
	"github.com/fossawork/fossamaint/internal/updates"
)

// TestApplyAndUndoWithRealPip is the updates phase and postflight with the
// real pip Applier in a real virtualenv, offline: policy minor upgrades
// alpha 1.0.0 to 1.1.0 (not 2.0.0); the backend, healthy only on alpha
// 1.0.0, fails postflight's health check, so the upgrade is undone and
// pip freeze is exactly what it was; the history records both.
func TestApplyAndUndoWithRealPip(t *testing.T) {
	venv := testkit.PyVenv(t)
	wheels := t.TempDir()
	for _, v := range []string{"1.0.0", "1.1.0", "2.0.0"} {
		testkit.PyWheel(t, wheels, "alpha", v)
	}
	// Every pip of this test, the report-only check's included, reads
	// only the test's wheels.
	t.Setenv("PIP_CONFIG_FILE", os.DevNull)
	t.Setenv("PIP_NO_INDEX", "1")
	t.Setenv("PIP_FIND_LINKS", wheels)
	pip := func(args ...string) []byte {
		t.Helper()
		out, stderr, code, err := updates.ExecRunner{}.Run(context.Background(), "", nil,
			append([]string{filepath.Join(venv, "bin", "python"), "-m", "pip", "--disable-pip-version-check"}, args...)...)
		if err != nil || code != 0 {
			t.Fatalf("pip %v: exit %d, %v: %s", args, code, err, stderr)
		}
		return out
	}
	pip("install", "alpha==1.0.0")
	before := pip("freeze", "--all")

	tr := newTree(t, 0)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		if ok, _ := filepath.Glob(filepath.Join(venv, "lib", "python*", "site-packages", "alpha-1.0.0.dist-info")); len(ok) == 0 {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	defer srv.Close()
	tr.cfg.Health.Endpoints = []config.Endpoint{{Name: "health", URL: srv.URL, Expect: []int{200}, Critical: true}}
	tr.cfg.Updates.Pip = config.PipUpdates{Enabled: true, Venv: venv, Watch: []string{"alpha"}, Apply: "minor"}
	p := tr.procedure(nil, saturday)
	p.d.Runner = updates.ExecRunner{}
	p.d.Appliers = func(manager, policy string) (updates.Applier, error) {
		if manager != "pip" {
			return nil, ErrNoApplier
		}
		return updates.NewPipApplier(updates.ExecRunner{}, venv, policy, nil), nil
	}
	run, err := p.Execute(context.Background(), Options{Only: []string{"updates", "postflight"}})
	if err != nil {
		t.Fatal(err)
	}
	if run.Status != runbook.RunRolledBack {
		t.Errorf("run status %s, want rolled_back (undo: %q)", run.Status, findings(run, "postflight", "undo-updates"))
	}
	if got, want := recorded(t, tr, run.RunID), []string{"alpha 1.0.0 1.1.0", "alpha 1.1.0 1.0.0"}; !slices.Equal(got, want) {
		t.Errorf("history %q, want %q", got, want)
	}
	if after := pip("freeze", "--all"); !bytes.Equal(after, before) {
		t.Errorf("pip freeze after the undo:\n%s\nwant\n%s", after, before)
	}
}
