package sandbox

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fossawork/fossamaint/internal/config"
)

// TestGenerateHostState: the demo config reads the package state, the
// auth log and the processes from the installation, never from the host,
// and the generated package list holds the counts the demo's tests expect.
func TestGenerateHostState(t *testing.T) {
	inst := smallInstallation(t)
	cfg, err := config.Load(inst.ConfigPath)
	if err != nil {
		t.Fatal(err)
	}
	under := func(key, p string) {
		t.Helper()
		rel, err := filepath.Rel(inst.Dir, cfg.Path(p))
		if p == "" || err != nil || !filepath.IsLocal(rel) {
			t.Errorf("%s = %q: want a path under the installation %s", key, p, inst.Dir)
		}
	}
	under("updates.apt.list_file", cfg.Updates.Apt.ListFile)
	under("updates.apt.reboot_required_file", cfg.Updates.Apt.RebootRequiredFile)
	for _, l := range cfg.Security.HostLogs {
		under("security.host_logs[]", l)
	}
	for _, u := range cfg.Services.Units {
		under("services.units[].pid_file", u.PidFile)
	}
	if s, _ := LoadSettings(inst.Dir); cfg.Path(cfg.Services.Units[0].PidFile) != s.Pidfile {
		t.Errorf("the unit's pid_file %s is not the daemon's pidfile %s", cfg.Services.Units[0].PidFile, s.Pidfile)
	}
	data, err := os.ReadFile(cfg.Path(cfg.Updates.Apt.ListFile))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	if lines[0] != "Listing..." || len(lines)-1 != AptUpgradableCount {
		t.Errorf("%d upgradable lines after %q, want %d", len(lines)-1, lines[0], AptUpgradableCount)
	}
	if n := strings.Count(string(data), "-security "); n != AptSecurityCount {
		t.Errorf("%d security lines, want %d", n, AptSecurityCount)
	}
	auth, err := os.ReadFile(filepath.Join(inst.Dir, AuthLogFile))
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(auth), "Failed password"); n != AuthFailuresThisWeek+1 {
		t.Errorf("%d failed logins in the auth log, want %d this week and 1 older", n, AuthFailuresThisWeek)
	}
	if _, err := os.Stat(cfg.Path(cfg.Updates.Apt.RebootRequiredFile)); !os.IsNotExist(err) {
		t.Errorf("the demo plants no reboot flag: %v", err)
	}
}
