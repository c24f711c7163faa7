package cli

import (
	"fmt"
	"os"

	"github.com/fossawork/fossamaint/internal/config"
	"github.com/fossawork/fossamaint/internal/health"
	"github.com/fossawork/fossamaint/internal/install"
	"github.com/fossawork/fossamaint/internal/recovery"
	"github.com/fossawork/fossamaint/internal/updates"
	"github.com/fossawork/fossamaint/internal/weekly"
)

// installation reads the config and resolves it, once, into the options
// every command takes.
// The installation is read and resolved once per command (db stats, for
// one, needs it for the database path and again for the root).
func (a *app) installation() (*install.Installation, error) {
	if a.in == nil {
		in, err := a.resolve(config.Load)
		if err != nil {
			return nil, err
		}
		a.in = in
	}
	return a.in, nil
}

// checkedInstallation is installation with the checks of `config
// validate` (config.Check).
func (a *app) checkedInstallation() (*install.Installation, error) {
	return a.resolve(config.Check)
}

func (a *app) resolve(load func(string) (config.Config, error)) (*install.Installation, error) {
	cfg, err := a.readConfig(load)
	if err != nil {
		return nil, err
	}
	in, err := install.Resolve(cfg, a.configPath)
	if err != nil {
		return nil, withCode(ExitUsage, err)
	}
	in.ToolVersion = Version
	if in.Database.EnvProblem != "" {
		fmt.Fprintln(a.stderr, "warning: "+in.Database.EnvProblem)
	}
	return in, nil
}

// recovery is the recovery kit (recover, rollback, restore) for the
// installation.
func (a *app) recovery(in *install.Installation) *recovery.Kit {
	return recovery.New(in, &health.Checker{}, a.now)
}

// procedure wires the real side effects for the installation.
func (a *app) procedure(in *install.Installation) *weekly.Procedure {
	runner := updates.ExecRunner{}
	return weekly.New(weekly.Deps{
		Install:  in,
		Checker:  &health.Checker{},
		Runner:   runner,
		Appliers: appliers(in, runner),
		Reboot:   testReboot,
		Now:      a.now,
		// The weekly benchmark authenticates as perf bench does.
		BenchAuth: os.Getenv(benchAuthEnv),
	})
}
