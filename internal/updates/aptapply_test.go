package updates

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fossawork/fossamaint/internal/testkit"
)

// The apt Applier against the real apt and dpkg, in testkit's private
// root: two local repositories, one a security archive (Origin: Debian,
// Label: Debian-Security, Suite: bookworm-security), one not (Origin:
// Local), packages built with dpkg-deb, a dpkg database under the root.
// apt reads only the root's APT_CONFIG, and the host's dpkg database is
// checked byte-identical afterwards.

// aptRoot is the private root every test starts from and the options that
// point the Applier at it.
type aptRoot struct {
	*testkit.AptRootFixture
	opts AptOptions
}

// newAptRoot builds the scenario every test starts from. Installed (1.0):
// fmtest-sec, fmtest-held (held), fmtest-local, fmtest-breaker. Security
// repository: fmtest-sec 1.1 (needs the new fmtest-dep), fmtest-held 1.1,
// fmtest-breaker 1.1 (conflicts with fmtest-local). Local repository:
// fmtest-local 1.1, and fmtest-sec 1.0 (so that a downgrade is possible).
func newAptRoot(t *testing.T) *aptRoot {
	t.Helper()
	f := testkit.AptRoot(t)
	f.AddSecurity(testkit.AptDeb{Name: "fmtest-sec", Version: "1.1", Control: "Depends: fmtest-dep\n"},
		testkit.AptDeb{Name: "fmtest-dep", Version: "1.0"}, testkit.AptDeb{Name: "fmtest-held", Version: "1.1"},
		testkit.AptDeb{Name: "fmtest-breaker", Version: "1.1", Control: "Conflicts: fmtest-local\n"})
	f.AddLocal(testkit.AptDeb{Name: "fmtest-local", Version: "1.1"}, testkit.AptDeb{Name: "fmtest-sec", Version: "1.0"})
	var installed []testkit.AptDeb
	for _, name := range []string{"fmtest-sec", "fmtest-held", "fmtest-local", "fmtest-breaker"} {
		installed = append(installed, testkit.AptDeb{Name: name, Version: "1.0"})
	}
	f.Install(installed...)
	f.Hold("fmtest-held")
	return &aptRoot{AptRootFixture: f, opts: AptOptions{Config: f.Config, Options: f.Options, DpkgAdminDir: f.DpkgAdminDir}}
}

func mustRun(t *testing.T, env []string, argv ...string) string {
	t.Helper()
	stdout, stderr, code, err := ExecRunner{}.Run(context.Background(), "", env, argv...)
	if err != nil || code != 0 {
		t.Fatalf("%s: exit %d, %v\n%s%s", strings.Join(argv, " "), code, err, stdout, stderr)
	}
	return string(stdout)
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

var (
	secWhy   = "security origin o=Debian,a=bookworm-security,n=bookworm-security,l=Debian-Security"
	localWhy = "not from a security origin (o=Local,a=local,n=local,l=Local), policy security"
)

func TestAptPlanPrivateRoot(t *testing.T) {
	r := newAptRoot(t)
	ctx := testCtx(t)
	before := r.Installed()
	status := testkit.HashFiles(t, filepath.Join(r.DpkgAdminDir, "status"))
	tests := []struct {
		name, policy string
		exclude      []string
		want         []PlanItem
		also         []string
		refused      string // a substring of Plan.Refused; "" wants none
	}{
		{"security", PolicySecurity, []string{"fmtest-breaker"}, []PlanItem{
			{"fmtest-breaker", "1.0", "1.1", false, "excluded by updates.apt.exclude"},
			{"fmtest-held", "1.0", "1.1", false, "held (apt-mark showhold)"},
			{"fmtest-local", "1.0", "1.1", false, localWhy},
			{"fmtest-sec", "1.0", "1.1", true, secWhy},
		}, []string{"fmtest-dep (new) -> 1.0"}, ""},
		{"security removes", PolicySecurity, nil, []PlanItem{
			{"fmtest-breaker", "1.0", "1.1", true, "security origin o=Debian,a=bookworm-security,n=bookworm-security,l=Debian-Security"},
			{"fmtest-held", "1.0", "1.1", false, "held (apt-mark showhold)"},
			{"fmtest-local", "1.0", "1.1", false, localWhy},
			{"fmtest-sec", "1.0", "1.1", true, secWhy},
		}, []string{"fmtest-dep (new) -> 1.0"}, "apt-get would remove fmtest-local 1.0"},
		{"all", PolicyAll, []string{"fmtest-breaker"}, []PlanItem{
			{"fmtest-breaker", "1.0", "1.1", false, "excluded by updates.apt.exclude"},
			{"fmtest-held", "1.0", "1.1", false, "held (apt-mark showhold)"},
			{"fmtest-local", "1.0", "1.1", true, "policy all"},
			{"fmtest-sec", "1.0", "1.1", true, secWhy},
		}, []string{"fmtest-dep (new) -> 1.0"}, ""},
		{"none", PolicyNone, nil, []PlanItem{
			{"fmtest-breaker", "1.0", "1.1", false, "policy none: report only"},
			{"fmtest-held", "1.0", "1.1", false, "held (apt-mark showhold)"},
			{"fmtest-local", "1.0", "1.1", false, "policy none: report only"},
			{"fmtest-sec", "1.0", "1.1", false, "policy none: report only"},
		}, nil, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := NewAptApplier(ExecRunner{}, tc.policy, tc.exclude, r.opts).Plan(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if p.Manager != "apt" || p.Policy != tc.policy || !slices.Equal(p.Items, tc.want) || !slices.Equal(p.Also, tc.also) {
				t.Errorf("plan = %+v\nwant items %+v also %q", p, tc.want, tc.also)
			}
			if tc.refused == "" && p.Refused != "" || !strings.Contains(p.Refused, tc.refused) {
				t.Errorf("refused = %q, want %q", p.Refused, tc.refused)
			}
			wantCmd := 1
			if len(p.Selected()) == 0 {
				wantCmd = 0
			}
			if len(p.Commands) != wantCmd {
				t.Errorf("commands = %q, want %d", p.Commands, wantCmd)
			}
		})
	}
	if after := r.Installed(); !slices.Equal(before, after) {
		t.Errorf("Plan changed the private root's packages:\nbefore %q\nafter  %q", before, after)
	}
	if after := testkit.HashFiles(t, filepath.Join(r.DpkgAdminDir, "status")); !maps.Equal(after, status) {
		t.Error("Plan changed the private dpkg status file")
	}
}

func TestAptPlanBadPolicy(t *testing.T) {
	_, err := NewAptApplier(ExecRunner{}, PolicyMinor, nil, AptOptions{}).Plan(context.Background())
	if err == nil || !strings.Contains(err.Error(), `policy "minor" is not one of none, security, all`) {
		t.Fatalf("err = %v", err)
	}
}

func TestAptApplyPrivateRoot(t *testing.T) {
	r := newAptRoot(t)
	ctx := testCtx(t)
	before := r.Installed()
	app := NewAptApplier(ExecRunner{}, PolicySecurity, []string{"fmtest-breaker"}, r.opts)
	p, err := app.Plan(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// The operator edited fmtest-sec's config file: the upgrade keeps it,
	// without a prompt, and leaves the new default next to it.
	conf := filepath.Join(r.Dir, "etc", "fmtest", "fmtest-sec.conf")
	testkit.WriteFile(t, conf, []byte("edited by the operator\n"), 0o644)
	cmd := p.Commands[0]
	wantTail := []string{"install", "-y", "--no-remove", "--only-upgrade", "-o", "Dpkg::Options::=--force-confold",
		"-o", "Dpkg::Options::=--force-confdef", "fmtest-sec=1.1"}
	if len(cmd) < len(wantTail) || cmd[0] != "apt-get" || !slices.Equal(cmd[len(cmd)-len(wantTail):], wantTail) {
		t.Errorf("command = %q", cmd)
	}
	done, err := app.Apply(ctx, p, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	want := []Change{{"apt", "fmtest-dep", "", "1.0"}, {"apt", "fmtest-sec", "1.0", "1.1"}}
	if done.Manager != "apt" || !slices.Equal(done.Changes, want) {
		t.Errorf("changes = %+v, want %+v", done.Changes, want)
	}
	// The record is exactly the difference dpkg-query shows: the held,
	// the non-security and the excluded packages are untouched.
	after := r.Installed()
	wantAfter := []string{"fmtest-breaker 1.0", "fmtest-dep 1.0", "fmtest-held 1.0", "fmtest-local 1.0", "fmtest-sec 1.1"}
	if !slices.Equal(after, wantAfter) {
		t.Errorf("dpkg-query after apply = %q, want %q (before %q)", after, wantAfter, before)
	}
	if got := r.Query("${db:Status-Want}", "fmtest-held"); got != "hold" {
		t.Errorf("fmtest-held is %q after apply, want hold", got)
	}
	if data, err := os.ReadFile(conf); err != nil || string(data) != "edited by the operator\n" {
		t.Errorf("config file after apply: %q, %v", data, err)
	}
	if data, err := os.ReadFile(conf + ".dpkg-dist"); err != nil || string(data) != "fmtest-sec 1.1 default\n" {
		t.Errorf("new default config file: %q, %v", data, err)
	}
	if err := app.Undo(ctx, done); !errors.Is(err, ErrNoAutomaticUndo) {
		t.Errorf("Undo = %v, want ErrNoAutomaticUndo", err)
	}
	if got := r.Installed(); !slices.Equal(got, wantAfter) {
		t.Error("Undo changed packages")
	}
	// The listed undo command, run as an operator would (answering yes
	// and keeping the edited config file: -y, --allow-downgrades and
	// --force-confold added), restores the exact previous state.
	if len(done.UndoCommands) != 1 || !strings.HasSuffix(strings.Join(done.UndoCommands[0], " "), " install fmtest-dep- fmtest-sec=1.0") {
		t.Fatalf("undo commands = %q", done.UndoCommands)
	}
	mustRun(t, append(r.Env(), "DEBIAN_FRONTEND=noninteractive"), append(slices.Clone(done.UndoCommands[0]), "-y", "--allow-downgrades", "-o", "Dpkg::Options::=--force-confold")...)
	if got := r.Installed(); !slices.Equal(got, before) {
		t.Errorf("after the undo command: %q, want %q", got, before)
	}
}

func TestAptApplyRefused(t *testing.T) {
	r := newAptRoot(t)
	ctx := testCtx(t)
	before := r.Installed()
	app := NewAptApplier(ExecRunner{}, PolicySecurity, nil, r.opts)
	p, err := app.Plan(ctx)
	if err != nil {
		t.Fatal(err)
	}
	done, err := app.Apply(ctx, p, t.TempDir())
	if err == nil || !strings.Contains(err.Error(), "plan refused, nothing applied: apt-get would remove fmtest-local 1.0") || len(done.Changes) != 0 {
		t.Fatalf("Apply of a refused plan = %+v, %v", done, err)
	}
	// A forged plan (as read back from JSON) cannot pass options to apt-get.
	p.Refused = ""
	p.Items = []PlanItem{{Name: "--allow-remove-essential", To: "1", Selected: true}}
	if _, err := app.Apply(ctx, p, t.TempDir()); err == nil || !strings.Contains(err.Error(), "is not a package name and version") {
		t.Fatalf("Apply of a forged plan: %v", err)
	}
	// apt-get fails (no such version): the error says so, nothing changed.
	p.Items = []PlanItem{{Name: "fmtest-sec", From: "1.0", To: "9.9", Selected: true}}
	done, err = app.Apply(ctx, p, t.TempDir())
	if err == nil || !strings.Contains(err.Error(), "applying apt upgrades (0 packages changed") || !strings.Contains(err.Error(), "9.9") || len(done.Changes) != 0 {
		t.Fatalf("Apply of a missing version = %+v, %v", done, err)
	}
	if _, err := app.Apply(ctx, Plan{Manager: "pip"}, t.TempDir()); err == nil {
		t.Fatal("Apply took a pip plan")
	}
	if after := r.Installed(); !slices.Equal(after, before) {
		t.Errorf("packages changed: %q, want %q", after, before)
	}
}

// On this machine (CI=1), Plan against the host's own apt only reads:
// dpkg-query -W and the host's package state files are identical before and
// after. It prints the plan.
func TestAptPlanHost(t *testing.T) {
	if os.Getenv("CI") == "" {
		t.Skip("CI is not set: the host test reads this machine's apt (set CI=1 to run it)")
	}
	if _, err := exec.LookPath("apt-get"); err != nil {
		t.Skip("no apt-get on this machine")
	}
	testkit.CheckAptHostUntouched(t)
	query := func() string {
		return mustRun(t, nil, "dpkg-query", "-W")
	}
	before := query()
	p, err := NewAptApplier(ExecRunner{}, PolicySecurity, nil, AptOptions{}).Plan(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	if after := query(); after != before {
		t.Error("dpkg-query -W changed while planning")
	}
	var buf bytes.Buffer
	for _, it := range p.Items {
		if it.Selected != strings.HasPrefix(it.Why, "security origin") {
			t.Errorf("%s selected %v: %s", it.Name, it.Selected, it.Why)
		}
		fmt.Fprintf(&buf, "%v %s %s -> %s: %s\n", it.Selected, it.Name, it.From, it.To, it.Why)
	}
	t.Logf("host plan: %d pending, %d selected, also %q, refused %q\n%s", len(p.Items), len(p.Selected()), p.Also, p.Refused, buf.String())
}
