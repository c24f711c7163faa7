package cli

import (
	"time"

	"github.com/fossawork/fossamaint/internal/config"
	"github.com/fossawork/fossamaint/internal/health"
	"github.com/fossawork/fossamaint/internal/service"
	"github.com/fossawork/fossamaint/internal/updates"
	"github.com/fossawork/fossamaint/internal/weekly"
)

// procedure wires the real side effects for cfg.
// loadProcedure reads the config and builds the weekly procedure on it.
func (a *app) loadProcedure() (config.Config, *weekly.Procedure, error) {
	cfg, err := a.loadConfig()
	if err != nil {
		return cfg, nil, err
	}
	proc, err := a.procedure(cfg)
	return cfg, proc, err
}

func (a *app) procedure(cfg config.Config) (*weekly.Procedure, error) {
	mgr, err := service.New(cfg.Services)
	if err != nil {
		return nil, withCode(ExitUsage, err)
	}
	spec, err := cfg.Window.Spec()
	if err != nil {
		return nil, withCode(ExitUsage, err)
	}
	return weekly.New(weekly.Deps{
		Config:      cfg,
		Services:    mgr,
		Checker:     &health.Checker{},
		Runner:      updates.ExecRunner{},
		Now:         a.now,
		Location:    spec.Location,
		ConfigPath:  a.configPath,
		ToolVersion: Version,
	}), nil
}

// installationZone is the window's IANA zone, the installation's local
// time: the zone backup names, days and archive months are read in. The
// config was validated when it was loaded, so Spec cannot fail here;
// Local is only a fallback.
func installationZone(cfg config.Config) *time.Location {
	if spec, err := cfg.Window.Spec(); err == nil && spec.Location != nil {
		return spec.Location
	}
	return time.Local
}
