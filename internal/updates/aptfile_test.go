package updates

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCheckAptFile: updates.apt.list_file is read instead of running apt,
// and no apt is needed for it (PATH is empty).
func TestCheckAptFile(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	dir := t.TempDir()
	reboot := filepath.Join(dir, "reboot-required")
	garbage := filepath.Join(dir, "garbage.txt")
	if err := os.WriteFile(garbage, []byte("this is not apt output\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, list    string
		reboot        bool
		pkgs, sec     int
		errIs         error
		errContaining string
	}{
		{name: "debian", list: fixturePath(t, "apt_debian12.txt"), pkgs: 6, sec: 3},
		{name: "with reboot flag", list: fixturePath(t, "apt_debian12.txt"), reboot: true, pkgs: 6, sec: 3},
		{name: "nothing pending", list: fixturePath(t, "apt_none.txt")},
		{name: "missing file", list: filepath.Join(dir, "absent.txt"), errIs: ErrUnknown, errContaining: "absent.txt does not exist"},
		{name: "not apt output", list: garbage, errContaining: "garbage.txt: line 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			os.Remove(reboot)
			if tt.reboot {
				if err := os.WriteFile(reboot, []byte("*** System restart required ***\n"), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			rep, err := CheckAptFile(context.Background(), tt.list, reboot)
			if tt.errContaining != "" {
				if err == nil || !strings.Contains(err.Error(), tt.errContaining) || (tt.errIs != nil && !errors.Is(err, tt.errIs)) {
					t.Fatalf("err = %v, want one containing %q (is %v)", err, tt.errContaining, tt.errIs)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(rep.Packages) != tt.pkgs || rep.Security != tt.sec || rep.RebootRequired != tt.reboot {
				t.Errorf("report %d packages, %d security, reboot %v; want %d, %d, %v",
					len(rep.Packages), rep.Security, rep.RebootRequired, tt.pkgs, tt.sec, tt.reboot)
			}
		})
	}
}
