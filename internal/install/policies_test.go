package install

import (
	"slices"
	"testing"

	"github.com/fossawork/fossamaint/internal/config"
)

func TestUpdatePolicies(t *testing.T) {
	tests := []struct {
		name   string
		edit   func(*config.Updates)
		active []string
		reboot string
	}{
		{"defaults: report only", func(*config.Updates) {}, nil, "window-end"},
		{"pip minor, apt security", func(u *config.Updates) { u.Pip.Apply, u.Apt.Apply = "minor", "security" }, []string{"apt", "pip"}, "window-end"},
		{"a disabled manager applies nothing", func(u *config.Updates) { u.Npm.Apply, u.Npm.Enabled = "all", false }, nil, "window-end"},
		{"reboot now, npm patch", func(u *config.Updates) { u.Npm.Apply, u.Reboot = "patch", "now" }, []string{"npm"}, "now"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := config.Default()
			cfg.Root = "/srv/fw"
			cfg.Updates.Pip.Exclude = []string{"django"}
			cfg.Updates.Npm.Build = []string{"npm", "run", "build"}
			tt.edit(&cfg.Updates)
			in, err := Resolve(cfg, "")
			if err != nil {
				t.Fatal(err)
			}
			p := in.UpdatePolicies
			if got := p.Active(); !slices.Equal(got, tt.active) {
				t.Errorf("Active() = %v, want %v", got, tt.active)
			}
			if p.Reboot != tt.reboot || p.RebootRequiredFile != "/var/run/reboot-required" {
				t.Errorf("reboot %q, file %q", p.Reboot, p.RebootRequiredFile)
			}
			if !slices.Equal(p.For("pip").Exclude, []string{"django"}) || !slices.Equal(p.Build, []string{"npm", "run", "build"}) {
				t.Errorf("pip exclude %v, build %v", p.For("pip").Exclude, p.Build)
			}
			if p.For("yum").Apply != "none" {
				t.Errorf("unknown manager: %+v", p.For("yum"))
			}
		})
	}
}
