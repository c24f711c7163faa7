package testkit

import (
	"maps"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// TestAptRoot: packages added to the repositories are apt's candidates,
// installed ones are dpkg-query's, a held one is held, and a
// RebootRequired package's postinst writes the root's reboot-required
// file, not the host's.
func TestAptRoot(t *testing.T) {
	hostReboot := HashFiles(t, "/var/run/reboot-required", "/var/run/reboot-required.pkgs")
	r := AptRoot(t)
	r.AddSecurity(AptDeb{Name: "fmtest-kernel", Version: "1.1", RebootRequired: true})
	r.AddLocal(AptDeb{Name: "fmtest-tool", Version: "2.0"})
	r.Install(AptDeb{Name: "fmtest-kernel", Version: "1.0"}, AptDeb{Name: "fmtest-tool", Version: "1.0"})
	r.Hold("fmtest-tool")
	if got, want := r.Installed(), []string{"fmtest-kernel 1.0", "fmtest-tool 1.0"}; !slices.Equal(got, want) {
		t.Fatalf("installed %q, want %q", got, want)
	}
	if got := r.Query("${db:Status-Want}", "fmtest-tool"); got != "hold" {
		t.Errorf("fmtest-tool is %q, want hold", got)
	}
	if _, err := os.Stat(r.RebootFile()); err == nil {
		t.Fatal("reboot-required exists before the upgrade")
	}
	r.Run(append(r.Env(), "DEBIAN_FRONTEND=noninteractive"), "apt-get", "install", "-y", "fmtest-kernel")
	if got, want := r.Installed(), []string{"fmtest-kernel 1.1", "fmtest-tool 1.0"}; !slices.Equal(got, want) {
		t.Errorf("after apt-get install: %q, want %q", got, want)
	}
	if b, err := os.ReadFile(r.RebootFile() + ".pkgs"); err != nil || string(b) != "fmtest-kernel\n" {
		t.Errorf("reboot-required.pkgs: %q, %v", b, err)
	}
	if _, err := os.Stat(filepath.Join(r.Dir, "var", "run", "reboot-required")); err != nil {
		t.Error(err)
	}
	if now := HashFiles(t, "/var/run/reboot-required", "/var/run/reboot-required.pkgs"); !maps.Equal(now, hostReboot) {
		t.Error("the host's reboot-required changed")
	}
}
