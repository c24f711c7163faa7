package sandbox

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// The demo's own stand-ins for what a weekly run would otherwise read from
// the machine it runs on: the package state (`apt list --upgradable`
// output, read through updates.apt.list_file) and the system's
// authentication log (security.host_logs). Both lie under the
// installation, so the run reports them as the installation's; nothing of
// the real host's apt or /var/log gets into the demo's findings.
const (
	// AptListFile is the generated `apt list --upgradable` output.
	AptListFile = "var/lib/apt/upgradable.txt"
	// RebootFile is where the demo looks for a reboot flag (never written).
	RebootFile = "var/run/reboot-required"
	// AuthLogFile is the generated sshd log.
	AuthLogFile = "var/log/auth.log"
)

// aptUpgradable is the demo machine's pending updates: 11 packages, 4 of
// them from the security suite.
var aptUpgradable = []string{
	"base-files/stable 12.4+deb12u11 amd64 [upgradable from: 12.4+deb12u10]",
	"curl/stable-security 7.88.1-10+deb12u12 amd64 [upgradable from: 7.88.1-10+deb12u8]",
	"libcurl4/stable-security 7.88.1-10+deb12u12 amd64 [upgradable from: 7.88.1-10+deb12u8]",
	"libssl3/stable-security 3.0.16-1~deb12u1 amd64 [upgradable from: 3.0.15-1~deb12u1]",
	"openssl/stable-security 3.0.16-1~deb12u1 amd64 [upgradable from: 3.0.15-1~deb12u1]",
	"python3.11/stable 3.11.2-6+deb12u6 amd64 [upgradable from: 3.11.2-6+deb12u5]",
	"libpython3.11-stdlib/stable 3.11.2-6+deb12u6 amd64 [upgradable from: 3.11.2-6+deb12u5]",
	"tzdata/stable-updates 2025b-0+deb12u1 all [upgradable from: 2025a-0+deb12u1]",
	"nginx/stable 1.22.1-9+deb12u2 amd64 [upgradable from: 1.22.1-9+deb12u1]",
	"nginx-common/stable 1.22.1-9+deb12u2 all [upgradable from: 1.22.1-9+deb12u1]",
	"sqlite3/stable 3.40.1-2+deb12u2 amd64 [upgradable from: 3.40.1-2+deb12u1]",
}

// Counts of the generated host state, for the demo's tests.
const (
	AptUpgradableCount = 11
	AptSecurityCount   = 4
	// AuthFailuresThisWeek are the failed sshd logins of the last 7 days;
	// the log also holds one older failure and successful logins.
	AuthFailuresThisWeek = 17
)

// authBurst is a run of failed sshd password logins from one address.
type authBurst struct {
	addr    string
	daysAgo int
	n       int
}

// authBursts: 12 + 5 failures this week from two TEST-NET addresses, and
// one from 9 days ago that the week's review leaves out.
var authBursts = []authBurst{{"203.0.113.7", 2, 12}, {"198.51.100.23", 5, 5}, {"192.0.2.44", 9, 1}}

// writeHostState writes the package list and the auth log under dir.
func writeHostState(dir string, now time.Time) error {
	list := "Listing...\n" + strings.Join(aptUpgradable, "\n") + "\n"
	if err := writeFileAll(filepath.Join(dir, AptListFile), []byte(list), 0o644); err != nil {
		return err
	}
	type line struct {
		at   time.Time
		text string
	}
	var lines []line
	for _, burst := range authBursts {
		at := now.AddDate(0, 0, -burst.daysAgo).Add(-3 * time.Hour)
		for i := range burst.n {
			t := at.Add(time.Duration(i) * 7 * time.Second)
			lines = append(lines, line{t, fmt.Sprintf("Failed password for root from %s port %d ssh2", burst.addr, 40000+i)})
		}
	}
	for d := 6; d >= 0; d-- {
		lines = append(lines, line{now.AddDate(0, 0, -d).Add(-time.Hour), "Accepted publickey for deploy from 10.0.0.5 port 50022 ssh2: ED25519 SHA256:demo"})
	}
	slices.SortStableFunc(lines, func(a, b line) int { return a.at.Compare(b.at) })
	var b strings.Builder
	for i, l := range lines {
		fmt.Fprintf(&b, "%s fossawork sshd[%d]: %s\n", l.at.Format(time.Stamp), 4100+i, l.text)
	}
	return writeFileAll(filepath.Join(dir, AuthLogFile), []byte(b.String()), 0o640)
}

func writeFileAll(path string, data []byte, mode os.FileMode) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("creating %s: %w", filepath.Dir(path), err)
	}
	if err := os.WriteFile(path, data, mode); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}
