package updates

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestReleaseNumbers(t *testing.T) {
	tests := []struct {
		in   string
		want []int // nil: not ok
	}{
		{"1", []int{1}},
		{"1.2.3", []int{1, 2, 3}},
		{" 2024.10.01 ", []int{2024, 10, 1}},
		{"1.0.0rc1", nil},
		{"1.0.post1", nil},
		{"1.0.dev0", nil},
		{"1.0+cpu", nil},
		{"1!2.0", nil},
		{"v1.0", nil},
		{"1..0", nil},
		{"1.", nil},
		{"", nil},
		{"-1.0", nil},
		{"1.1234567890", nil}, // a component this long is not a release number
	}
	for _, tt := range tests {
		got, ok := ReleaseNumbers(tt.in)
		if ok != (tt.want != nil) || !slices.Equal(got, tt.want) {
			t.Errorf("ReleaseNumbers(%q) = %v, %v; want %v", tt.in, got, ok, tt.want)
		}
	}
}

func TestUpgradeKind(t *testing.T) {
	tests := []struct{ from, to, want string }{
		{"1.0.0", "2.0.0", "major"},
		{"1.0.0", "1.1.0", "minor"},
		{"1.0.0", "1.0.1", "patch"},
		{"1.0", "1.0.0.1", "patch"},
		{"1", "1.0.1", "patch"},
		{"1", "1.1", "minor"},
		{"1.0.0", "1.0.0", ""},
		{"1.0.1", "1.0.0", ""},
		{"1.0.0", "1.0.1rc1", ""},
		{"1.0.0rc1", "1.0.0", ""},
		{"2.0", "1.2.3", ""},
		{"1.2", "1.1.9", ""},
	}
	for _, tt := range tests {
		if got := upgradeKind(tt.from, tt.to); got != tt.want {
			t.Errorf("upgradeKind(%q, %q) = %q; want %q", tt.from, tt.to, got, tt.want)
		}
	}
}

func TestParsePipReport(t *testing.T) {
	items, err := ParsePipReport(bytes.NewReader(readFixture(t, "pip_report.json")))
	if err != nil {
		t.Fatal(err)
	}
	want := []PipReportItem{{"alpha", "1.1.0", true}, {"beta", "1.0.1", true}}
	if !slices.Equal(items, want) {
		t.Fatalf("items %+v; want %+v", items, want)
	}
	for _, tt := range []struct{ in, err string }{
		{`not json`, "not JSON"},
		{`{"install": []}`, "no version 1"},
		{`{"version": "2", "install": []}`, "no version 1"},
		{`{"version": "1", "install": [{"metadata": {"name": "x"}}]}`, "entry 0 lacks"},
		{`[]`, "not JSON"},
	} {
		if _, err := ParsePipReport(strings.NewReader(tt.in)); err == nil || !strings.Contains(err.Error(), tt.err) {
			t.Errorf("ParsePipReport(%s) = %v; want %q", tt.in, err, tt.err)
		}
	}
}

func TestParsePipFreeze(t *testing.T) {
	f, err := ParsePipFreeze(bytes.NewReader(readFixture(t, "pip_freeze.txt")))
	if err != nil {
		t.Fatal(err)
	}
	want := PipFreeze{
		"alpha": "1.0.0", "beta-pkg": "1.0.0", "pip": "23.0.1", "setuptools": "66.1.1",
		"mypkg":                "@ file:///srv/wheels/mypkg-1.0-py3-none-any.whl",
		"-e /srv/src/localpkg": "-e /srv/src/localpkg",
	}
	if fmt.Sprint(f) != fmt.Sprint(want) {
		t.Fatalf("freeze %v; want %v", f, want)
	}
	if !f.isProject("beta-pkg") || f.isProject("-e /srv/src/localpkg") {
		t.Error("isProject tells names from whole lines wrongly")
	}
	after := PipFreeze{"alpha": "1.1.0", "beta-pkg": "1.0.0", "new": "0.1"}
	got := describeChanges(DiffVersions("pip", PipFreeze{"alpha": "1.0.0", "beta-pkg": "1.0.0", "old": "2"}, after))
	if got != "alpha 1.0.0 -> 1.1.0, new (absent) -> 0.1, old 2 -> (absent)" {
		t.Errorf("diff described as %q", got)
	}
}

// TestPipApplyRefuses: Apply runs nothing for a plan of another manager, a
// refused plan, or a command that is not this venv's pip install; Undo
// nothing for another manager's record.
func TestPipApplyRefuses(t *testing.T) {
	venv := fakeVenv(t, `echo "must not run: $*" >&2; exit 9`)
	a := NewPipApplier(ExecRunner{}, venv, PolicyMinor, nil)
	good := a.installCommand([]PlanItem{{Name: "alpha", To: "1.1.0"}})
	for _, tt := range []struct {
		plan Plan
		err  string
	}{
		{Plan{Manager: "npm", Commands: [][]string{good}}, `plan of "npm"`},
		{Plan{Manager: "pip", Refused: "because", Commands: [][]string{good}}, "refused, nothing installed: because"},
		{Plan{Manager: "pip", Commands: [][]string{{"/bin/sh", "-c", "true"}}}, "is not a pip install of the virtualenv"},
		{Plan{Manager: "pip", Commands: [][]string{{filepath.Join(t.TempDir(), "bin", "python"), "-m", "pip", "install", "x"}}}, "make the plan again"},
	} {
		snap := t.TempDir()
		if _, err := a.Apply(context.Background(), tt.plan, snap); err == nil || !strings.Contains(err.Error(), tt.err) {
			t.Errorf("Apply(%+v) = %v; want %q", tt.plan, err, tt.err)
		}
		if left, _ := os.ReadDir(snap); len(left) != 0 {
			t.Errorf("Apply(%+v) left %v", tt.plan, left)
		}
	}
	if done, err := a.Apply(context.Background(), Plan{Manager: "pip"}, t.TempDir()); err != nil || done.Snapshot != "" {
		t.Errorf("an empty plan: %+v, %v", done, err)
	}
	if err := a.Undo(context.Background(), Applied{Manager: "apt"}); err == nil {
		t.Error("Undo took apt's record")
	}
	if err := a.Undo(context.Background(), Applied{Manager: "pip"}); err != nil {
		t.Errorf("Undo of nothing: %v", err)
	}
	err := a.Undo(context.Background(), Applied{Manager: "pip", Changes: []Change{{"pip", "alpha", "1.0.0", "1.1.0"}}})
	if err == nil || !strings.Contains(err.Error(), "alpha 1.0.0 -> 1.1.0") {
		t.Errorf("Undo without a snapshot: %v", err)
	}
	if _, err := NewPipApplier(ExecRunner{}, venv, PolicySecurity, nil).Plan(context.Background()); err == nil || !strings.Contains(err.Error(), "none, patch, minor or all") {
		t.Errorf("policy security: %v", err)
	}
}

// TestPipPlanIndexUnreachable: without its index pip's dry run reports
// nothing to install and exits 0; the plan is unknown, not empty.
func TestPipPlanIndexUnreachable(t *testing.T) {
	venv := fakeVenv(t, `case "$*" in
*"list --outdated"*) echo '[{"name": "alpha", "version": "1.0.0", "latest_version": "2.0.0"}]';;
*"install --dry-run"*) echo '{"version": "1", "install": []}'; cat '`+fixturePath(t, "pip_offline_refused.stderr")+`' >&2;;
*) echo "bad call: $*" >&2; exit 2;;
esac`)
	_, err := NewPipApplier(ExecRunner{}, venv, PolicyMinor, nil).Plan(context.Background())
	wantUnknown(t, err, "Connection refused")
}

// TestPipUndoReportsDifference: when pip freeze still differs after the
// reinstall, Undo says what differs.
func TestPipUndoReportsDifference(t *testing.T) {
	venv := fakeVenv(t, `case "$*" in
*"freeze --all"*) echo alpha==1.1.0; echo pip==23.0.1;;
*"install --no-input --disable-pip-version-check -r "*) exit 0;;
*) echo "bad call: $*" >&2; exit 2;;
esac`)
	snap := filepath.Join(t.TempDir(), "pip-freeze.txt")
	if err := os.WriteFile(snap, []byte("alpha==1.0.0\npip==23.0.1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	err := NewPipApplier(ExecRunner{}, venv, PolicyMinor, nil).Undo(context.Background(), Applied{Manager: "pip", Snapshot: snap})
	if err == nil || !strings.Contains(err.Error(), "still differs from the snapshot") || !strings.Contains(err.Error(), "alpha 1.0.0 -> 1.1.0") {
		t.Fatalf("err = %v", err)
	}
	if errors.Is(err, ErrToolMissing) {
		t.Fatal("a failed undo is not a skipped check")
	}
}

func FuzzParsePipReport(f *testing.F) {
	f.Add(readFixture(f, "pip_report.json"))
	f.Add([]byte(`{"version": "1", "install": [{"requested": false, "metadata": {"name": "x", "version": "1"}}]}`))
	f.Add([]byte(`{"version": "1", "install": [{"metadata": {"name": " ", "version": "1"}}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		items, err := ParsePipReport(bytes.NewReader(data))
		if err != nil {
			return
		}
		for _, it := range items {
			if strings.TrimSpace(it.Name) == "" || strings.TrimSpace(it.Version) == "" {
				t.Fatalf("bad item %+v from %q", it, data)
			}
		}
	})
}

func FuzzParsePipFreeze(f *testing.F) {
	f.Add(readFixture(f, "pip_freeze.txt"))
	f.Add([]byte("a==1\nA==2\n-e .\n# c\nb @ x\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		fr, err := ParsePipFreeze(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("ParsePipFreeze failed on %q: %v", data, err)
		}
		for k, v := range fr {
			if k == "" || v == "" {
				t.Fatalf("empty key or value %q=%q from %q", k, v, data)
			}
		}
		if d := DiffVersions("pip", fr, fr); len(d) != 0 {
			t.Fatalf("a freeze differs from itself: %v", d)
		}
	})
}

func FuzzReleaseNumbers(f *testing.F) {
	for _, s := range []string{"1.2.3", "1.0rc1", "01.2", "1!2", ""} {
		f.Add(s, "2.0")
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		nums, ok := ReleaseNumbers(a)
		if ok && (len(nums) == 0 || slices.ContainsFunc(nums, func(n int) bool { return n < 0 })) {
			t.Fatalf("ReleaseNumbers(%q) = %v", a, nums)
		}
		if k := upgradeKind(a, b); k != "" && upgradeKind(b, a) != "" {
			t.Fatalf("%q -> %q and back are both upgrades", a, b)
		}
	})
}

// TestPipPlanOldPip: a pip without --dry-run --report says to upgrade it.
func TestPipPlanOldPip(t *testing.T) {
	venv := fakeVenv(t, `case "$*" in
*"list --outdated"*) echo '[{"name": "alpha", "version": "1.0.0", "latest_version": "1.0.1"}]';;
*) printf '\nUsage:\n  python -m pip install [options]\n\nno such option: --dry-run\n' >&2; exit 2;;
esac`)
	_, err := NewPipApplier(ExecRunner{}, venv, PolicyPatch, nil).Plan(context.Background())
	if err == nil || !strings.Contains(err.Error(), "older than 22.2") {
		t.Fatalf("err = %v", err)
	}
}
