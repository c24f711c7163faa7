package weekly

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/fossawork/fossamaint/internal/config"
	"github.com/fossawork/fossamaint/internal/runbook"
	"github.com/fossawork/fossamaint/internal/testkit"
)

// aptList is `apt list --upgradable` output with 5 upgradable packages,
// 2 of them from a security suite.
const aptList = `Listing...
openssl/stable-security 3.0.15-1~deb12u1 amd64 [upgradable from: 3.0.14-1~deb12u2]
libssl3/stable-security 3.0.15-1~deb12u1 amd64 [upgradable from: 3.0.14-1~deb12u2]
tzdata/stable-updates 2025a-0+deb12u1 all [upgradable from: 2024b-0+deb12u1]
curl/stable 7.88.1-10+deb12u12 amd64 [upgradable from: 7.88.1-10+deb12u8]
vim/stable 2:9.0.1378-2+deb12u2 amd64 [upgradable from: 2:9.0.1378-2+deb12u1]
`

// hostProbes are the steps that look at the machine when their sources
// are the machine's.
var hostProbes = []string{"preflight/resources", "preflight/security-updates", "updates/apt",
	"performance/top-processes", "security/host-auth", "security/security-updates", "postflight/resources"}

// TestHostScope: steps about the machine carry Scope host, and the
// installation's findings hold nothing from them. Pointed at sources under
// the root (as the demo's generated installation is), the package state,
// auth log and processes are the installation's and read from there: the
// apt numbers are exactly the file's, the processes only the unit's tree.
func TestHostScope(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		underRoot bool
		wantHost  []string
	}{
		{"sources on the host", false, hostProbes},
		{"sources under the installation", true, []string{"preflight/resources", "postflight/resources"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tr := newTree(t, 0)
			dir := t.TempDir() // outside the root: the "host"
			if tt.underRoot {
				dir = filepath.Join(tr.root, "var")
			}
			scopeSources(t, tr, dir, tt.underRoot)
			run, err := tr.procedure(nil, saturday).Execute(context.Background(),
				Options{Only: []string{"preflight", "updates", "performance", "security", "postflight"}})
			if err != nil {
				t.Fatal(err)
			}
			var host []string
			for _, p := range run.Phases {
				for _, s := range p.Steps {
					if s.Scope == runbook.ScopeHost {
						host = append(host, p.Name+"/"+s.Name)
					}
				}
			}
			if !slices.Equal(host, tt.wantHost) {
				t.Errorf("host-scoped steps %v, want %v", host, tt.wantHost)
			}
			checkNoHostItems(t, run)
			for _, step := range []string{"updates/apt", "preflight/security-updates"} {
				phase, name, _ := strings.Cut(step, "/")
				st, _ := run.Step(phase, name)
				if st.Metrics["security_updates"].Value != 2 {
					t.Errorf("%s: %v security updates (%s), want the list file's 2", step, st.Metrics["security_updates"], st.Note)
				}
			}
			if apt, _ := run.Step("updates", "apt"); apt.Metrics["upgradable"].Value != 5 {
				t.Errorf("updates/apt: %v upgradable, want the list file's 5", apt.Metrics["upgradable"])
			}
			auth, _ := run.Step("security", "host-auth")
			if auth.Metrics["failed_logins"].Value != 3 {
				t.Errorf("security/host-auth: %v failed logins, want the generated log's 3 (%s)", auth.Metrics["failed_logins"], auth.Note)
			}
			top, _ := run.Step("performance", "top-processes")
			if _, ok := top.Metrics["processes"]; ok != tt.underRoot {
				t.Errorf("performance/top-processes metrics %v: a processes count only for a unit's tree", top.Metrics)
			}
		})
	}
}

// scopeSources writes the package state and an auth log into dir and
// points the config at them; underRoot also names this test process as a
// unit's pid.
func scopeSources(t *testing.T, tr *tree, dir string, underRoot bool) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	list, auth := filepath.Join(dir, "apt-upgradable.txt"), filepath.Join(dir, "auth.log")
	testkit.WriteFile(t, list, []byte(aptList), 0o644)
	var b strings.Builder
	for i := range 3 {
		fmt.Fprintf(&b, "Nov 27 10:00:%02d web sshd[%d]: Failed password for root from 192.0.2.9 port 4%04d ssh2\n", i, 100+i, i)
	}
	testkit.WriteFile(t, auth, []byte(b.String()), 0o600)
	tr.cfg.Updates.Apt = config.AptUpdates{Enabled: true, ListFile: list, RebootRequiredFile: filepath.Join(dir, "reboot-required")}
	tr.cfg.Security.HostLogs = []string{auth}
	if underRoot {
		pid := filepath.Join(tr.root, "state", "backend.pid")
		testkit.WriteFile(t, pid, fmt.Appendf(nil, "%d\n", os.Getpid()), 0o600)
		tr.cfg.Services.Units = []config.Service{{Name: "fossawork-backend", PidFile: "state/backend.pid"}}
	}
}

// checkNoHostItems: the installation's steps carry no disk, memory or load
// finding or metric: those are in the host-scoped resources steps.
func checkNoHostItems(t *testing.T, run *runbook.Run) {
	t.Helper()
	for _, p := range run.Phases {
		for _, s := range p.Steps {
			if s.Scope == runbook.ScopeHost {
				continue
			}
			for name := range s.Metrics {
				if strings.HasPrefix(name, "disk_used_percent") || name == "load_percent" || name == "memory_used_percent" || name == "load1" {
					t.Errorf("%s/%s (not host-scoped) has the host metric %s", p.Name, s.Name, name)
				}
			}
			for _, f := range s.Findings {
				for _, area := range []string{"disk:", "memory:", "load:", "system load"} {
					if strings.HasPrefix(f.Message, area) {
						t.Errorf("%s/%s (not host-scoped) has a host finding: %s", p.Name, s.Name, f.Message)
					}
				}
			}
		}
	}
}

func TestScopeOf(t *testing.T) {
	t.Parallel()
	root := filepath.FromSlash("/opt/fossawork")
	tests := []struct {
		paths []string
		want  runbook.Scope
	}{
		{nil, runbook.ScopeHost},
		{[]string{"/opt/fossawork/var/apt.txt"}, runbook.ScopeInstallation},
		{[]string{"/opt/fossawork/var/auth.log", "/var/log/auth.log"}, runbook.ScopeHost},
		{[]string{"/opt/fossawork-other/auth.log"}, runbook.ScopeHost},
		{[]string{"/opt/fossawork/../etc/auth.log"}, runbook.ScopeHost},
		{[]string{"/var/log/auth.log"}, runbook.ScopeHost},
	}
	for _, tt := range tests {
		var paths []string
		for _, p := range tt.paths {
			paths = append(paths, filepath.FromSlash(p))
		}
		if got := scopeOf(root, paths...); got != tt.want {
			t.Errorf("scopeOf(%s, %v) = %q, want %q", root, tt.paths, got, tt.want)
		}
	}
	if got := (&aptSource{root: root}).scope(); got != runbook.ScopeHost {
		t.Errorf("apt without a list file: %q, want host", got)
	}
}

// TestTopProcessesOfUnits: with services.units[].pid_file the step lists
// the unit's process tree; a pid file that is missing or holds no pid is
// a warning, never a silent fallback to the whole host.
func TestTopProcessesOfUnits(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		content string // "" leaves the pid file absent
		procs   float64
		warning string
	}{
		{"this process", fmt.Sprintf("%d\n", os.Getpid()), 1, ""},
		{"no pid file", "", 0, "does not exist"},
		{"not a pid", "backend\n", 0, "not a process id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tr := newTree(t, 0)
			if tt.content != "" {
				testkit.WriteFile(t, filepath.Join(tr.root, "backend.pid"), []byte(tt.content), 0o600)
			}
			tr.cfg.Services.Units = []config.Service{{Name: "fossawork-backend", PidFile: "backend.pid"}}
			run, err := tr.procedure(nil, saturday).Execute(context.Background(), Options{Only: []string{"performance"}})
			if err != nil {
				t.Fatal(err)
			}
			st, _ := run.Step("performance", "top-processes")
			if st.Scope != runbook.ScopeInstallation || st.Metrics["processes"].Value < tt.procs || (tt.procs == 0 && st.Metrics["processes"].Value != 0) {
				t.Errorf("scope %q, %v processes; want the installation's, %v", st.Scope, st.Metrics["processes"], tt.procs)
			}
			var warned string
			for _, f := range st.Findings {
				if f.Severity == runbook.Warning {
					warned = f.Evidence
				}
			}
			if (tt.warning == "") != (warned == "") || !strings.Contains(warned, tt.warning) {
				t.Errorf("warning %q, want one containing %q (findings %+v)", warned, tt.warning, st.Findings)
			}
		})
	}
}

// TestSecurityUpdatesReportedOnce: pending security updates are one
// warning per run, from updates/apt when the updates phase runs, else from
// the first of preflight and security; the other steps record the metric
// and a note pointing at it. A standalone preflight rates them as the
// weekly run does.
func TestSecurityUpdatesReportedOnce(t *testing.T) {
	t.Parallel()
	steps := []string{"preflight/security-updates", "updates/apt", "security/security-updates"}
	for _, tc := range []struct {
		only     []string
		reporter string
	}{
		{[]string{"preflight", "updates", "security"}, "updates/apt"},
		{[]string{"preflight", "security"}, "preflight/security-updates"},
		{[]string{"preflight"}, "preflight/security-updates"},
		{[]string{"security"}, "security/security-updates"},
	} {
		t.Run(strings.Join(tc.only, ","), func(t *testing.T) {
			t.Parallel()
			tr := newTree(t, 0)
			scopeSources(t, tr, filepath.Join(tr.root, "var"), true)
			run, err := tr.procedure(nil, saturday).Execute(context.Background(), Options{Only: tc.only})
			if err != nil {
				t.Fatal(err)
			}
			rphase, rname, _ := strings.Cut(tc.reporter, "/")
			if st, ok := run.Step(rphase, rname); !ok || st.Status == runbook.StatusSkipped {
				t.Fatalf("%s did not run: %+v", tc.reporter, st)
			}
			for _, step := range steps {
				phase, name, _ := strings.Cut(step, "/")
				st, ok := run.Step(phase, name)
				if !ok || !slices.Contains(tc.only, phase) {
					continue
				}
				var about []runbook.Finding
				for _, f := range st.Findings {
					if strings.Contains(f.Message, "security update") {
						about = append(about, f)
					}
				}
				if step == tc.reporter {
					if len(about) != 1 || about[0].Severity != runbook.Warning {
						t.Errorf("%s reports the updates: findings %+v, want one warning", step, about)
					}
					continue
				}
				if len(about) != 0 || st.Note != "2 security updates pending (see "+tc.reporter+")" {
					t.Errorf("%s: findings %+v, note %q: want none and a note naming %s", step, about, st.Note, tc.reporter)
				}
			}
		})
	}
}
