package updates

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fossawork/fossamaint/internal/testkit"
)

// offlineWheels are the test's package index: alpha, beta and gamma
// 1.0.0, 1.0.1, 1.1.0 and 2.0.0 (beta 1.1.0 needs epsilon), and delta
// 1.0.0rc1 and 1.0.0. pipEnv points pip at them and nowhere else.
func offlineWheels(t *testing.T) (pipEnv []string) {
	t.Helper()
	dir := t.TempDir()
	for _, name := range []string{"alpha", "beta", "gamma"} {
		for _, v := range []string{"1.0.0", "1.0.1", "1.1.0", "2.0.0"} {
			var req []string
			if name == "beta" && v == "1.1.0" {
				req = []string{"epsilon>=1.0"}
			}
			testkit.PyWheel(t, dir, name, v, req...)
		}
	}
	testkit.PyWheel(t, dir, "delta", "1.0.0rc1")
	testkit.PyWheel(t, dir, "delta", "1.0.0")
	testkit.PyWheel(t, dir, "epsilon", "1.0.0")
	return []string{"PIP_CONFIG_FILE=" + os.DevNull, "PIP_NO_INDEX=1", "PIP_FIND_LINKS=" + dir}
}

func freezeOf(t *testing.T, venv string, env []string) []byte {
	t.Helper()
	return testkit.Pip(t, venv, env, "freeze", "--all")
}

func parseFreeze(t *testing.T, b []byte) PipFreeze {
	t.Helper()
	f, err := ParsePipFreeze(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// pipInstall installs pinned wheels of the offline index directly.
func pipInstall(t *testing.T, venv string, env []string, reqs ...string) {
	t.Helper()
	testkit.Pip(t, venv, env, append([]string{"install"}, reqs...)...)
}

// TestPipApplierRealVenv runs the real pip of one fresh virtualenv,
// offline, through a sequence: apply and undo under minor, a failed
// install, a refused plan, and the plans of every policy.
func TestPipApplierRealVenv(t *testing.T) {
	venv := testkit.PyVenv(t)
	env := offlineWheels(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	pipInstall(t, venv, env, "alpha==1.0.0", "beta==1.0.0", "gamma==1.0.0", "delta==1.0.0rc1")
	t.Run("minor apply and undo", func(t *testing.T) { testPipMinorApplyUndo(ctx, t, venv, env) })
	t.Run("failed install", func(t *testing.T) { testPipFailedInstall(ctx, t, venv, env) })
	t.Run("excluded dependency", func(t *testing.T) { testPipExcludedDependency(ctx, t, venv, env) })
	pipInstall(t, venv, env, "gamma==1.1.0")
	t.Run("policies", func(t *testing.T) { testPipPolicies(ctx, t, venv, env) })
}

// testPipMinorApplyUndo: policy minor upgrades alpha and beta within 1.x
// (never to 2.0.0), leaves the excluded gamma and the pre-release delta
// alone, records what pip freeze shows, and Undo restores the exact
// freeze, uninstalling epsilon, which beta 1.1.0 pulled in.
func testPipMinorApplyUndo(ctx context.Context, t *testing.T, venv string, env []string) {
	before := freezeOf(t, venv, env)
	a := NewPipApplier(ExecRunner{}, venv, PolicyMinor, []string{"Gamma"})
	a.Env = env
	plan, err := a.Plan(ctx)
	if err != nil {
		t.Fatal(err)
	}
	checkPlanGolden(t, "pip_plan_minor", plan, venv)
	if !bytes.Equal(freezeOf(t, venv, env), before) {
		t.Fatal("Plan changed the virtualenv")
	}

	snapDir := t.TempDir()
	done, err := a.Apply(ctx, plan, snapDir)
	if err != nil {
		t.Fatal(err)
	}
	after := freezeOf(t, venv, env)
	want := []Change{{"pip", "alpha", "1.0.0", "1.1.0"}, {"pip", "beta", "1.0.0", "1.1.0"}, {"pip", "epsilon", "", "1.0.0"}}
	if !slices.Equal(done.Changes, want) {
		t.Errorf("changes %+v; want %+v", done.Changes, want)
	}
	if got := DiffVersions("pip", parseFreeze(t, before), parseFreeze(t, after)); !slices.Equal(got, done.Changes) {
		t.Errorf("record %+v; pip freeze says %+v", done.Changes, got)
	}
	if f := parseFreeze(t, after); f["gamma"] != "1.0.0" || f["delta"] != "1.0.0rc1" {
		t.Errorf("excluded gamma or pre-release delta changed:\n%s", after)
	}
	checkSnapshot(t, done.Snapshot, snapDir, before)

	if err := a.Undo(ctx, done); err != nil {
		t.Fatal(err)
	}
	if got := freezeOf(t, venv, env); !bytes.Equal(got, before) {
		t.Fatalf("after Undo pip freeze is\n%s\nwant\n%s", got, before)
	}
}

// testPipFailedInstall: a pin pip cannot satisfy fails Apply, which still
// returns the snapshot; nothing changed, and Undo is harmless.
func testPipFailedInstall(ctx context.Context, t *testing.T, venv string, env []string) {
	before := freezeOf(t, venv, env)
	a := NewPipApplier(ExecRunner{}, venv, PolicyMinor, nil)
	a.Env = env
	plan := Plan{Manager: "pip", Policy: PolicyMinor, Commands: [][]string{a.installCommand([]PlanItem{{Name: "alpha", To: "9.9.9"}})}}
	done, err := a.Apply(ctx, plan, t.TempDir())
	if err == nil || !strings.Contains(err.Error(), "alpha==9.9.9") || !strings.Contains(err.Error(), "Undo restores it") {
		t.Fatalf("err = %v; want pip's complaint about alpha==9.9.9", err)
	}
	if done.Snapshot == "" || len(done.Changes) != 0 {
		t.Fatalf("applied %+v; want a snapshot and no changes", done)
	}
	if err := a.Undo(ctx, done); err != nil {
		t.Fatal(err)
	}
	if got := freezeOf(t, venv, env); !bytes.Equal(got, before) {
		t.Fatalf("pip freeze is\n%s\nwant\n%s", got, before)
	}
}

// testPipExcludedDependency: beta 1.1.0 needs epsilon, which is excluded,
// so the plan is refused and Apply installs nothing.
func testPipExcludedDependency(ctx context.Context, t *testing.T, venv string, env []string) {
	before := freezeOf(t, venv, env)
	a := NewPipApplier(ExecRunner{}, venv, PolicyMinor, []string{"EPSILON"})
	a.Env = env
	plan, err := a.Plan(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(plan.Refused, "epsilon ((new) -> 1.0.0), excluded") {
		t.Fatalf("refused %q; want epsilon named", plan.Refused)
	}
	snapDir := t.TempDir()
	if _, err := a.Apply(ctx, plan, snapDir); err == nil || !strings.Contains(err.Error(), "refused") {
		t.Fatalf("Apply of a refused plan: %v", err)
	}
	if left, _ := os.ReadDir(snapDir); len(left) != 0 || !bytes.Equal(freezeOf(t, venv, env), before) {
		t.Fatalf("a refused plan left %v or changed pip freeze", left)
	}
}

// testPipPolicies plans, without applying, under each policy, with alpha
// 1.0.0, beta 1.0.0, gamma 1.1.0 and delta 1.0.0rc1 installed.
func testPipPolicies(ctx context.Context, t *testing.T, venv string, env []string) {
	for _, tt := range []struct {
		policy string
		want   map[string]string // selected name -> to
	}{
		{PolicyNone, map[string]string{}},
		{PolicyPatch, map[string]string{"alpha": "1.0.1", "beta": "1.0.1"}},
		{PolicyMinor, map[string]string{"alpha": "1.1.0", "beta": "1.1.0"}},
		{PolicyAll, map[string]string{"alpha": "2.0.0", "beta": "2.0.0", "delta": "1.0.0", "gamma": "2.0.0"}},
	} {
		a := NewPipApplier(ExecRunner{}, venv, tt.policy, nil)
		a.Env = env
		plan, err := a.Plan(ctx)
		if err != nil {
			t.Fatalf("%s: %v", tt.policy, err)
		}
		got := map[string]string{}
		for _, it := range plan.Selected() {
			got[it.Name] = it.To
		}
		if fmt.Sprint(got) != fmt.Sprint(tt.want) || len(plan.Items) != 4 || (len(got) == 0) != (len(plan.Commands) == 0) {
			t.Errorf("%s: selected %v, want %v; plan %+v", tt.policy, got, tt.want, plan)
		}
		if tt.policy == PolicyPatch {
			checkPlanGolden(t, "pip_plan_patch", plan, venv)
		}
	}
}

// checkSnapshot: the snapshot is a private file in dir holding the freeze.
func checkSnapshot(t *testing.T, path, dir string, freeze []byte) {
	t.Helper()
	if filepath.Dir(path) != dir {
		t.Errorf("snapshot %s is not in %s", path, dir)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("snapshot mode %v; want 0600", st.Mode().Perm())
	}
	if data, _ := os.ReadFile(path); !bytes.Equal(data, freeze) {
		t.Errorf("snapshot holds\n%s\nwant\n%s", data, freeze)
	}
}

// checkPlanGolden compares p, with the virtualenv's path written $VENV,
// with testdata/<name>.golden.json.
func checkPlanGolden(t *testing.T, name string, p Plan, venv string) {
	t.Helper()
	data, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	data = bytes.ReplaceAll(data, []byte(venv), []byte("$VENV"))
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatal(err)
	}
	checkGolden(t, name, v)
}
