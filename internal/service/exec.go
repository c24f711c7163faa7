package service

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/fossawork/fossamaint/internal/config"
)

// Exec manages services with the start, stop and status argv arrays of
// each configured unit. A start command must return once the service is
// launched (as systemctl start does); a daemon it leaves behind may keep
// writing to the inherited output without blocking fossamaint.
type Exec struct {
	units map[string]config.Service
	names []string
}

// NewExec checks that every unit has a name and all three commands.
func NewExec(units []config.Service) (*Exec, error) {
	e := &Exec{units: make(map[string]config.Service, len(units))}
	for i, u := range units {
		if err := checkName(u.Name); err != nil {
			return nil, fmt.Errorf("services.units[%d]: %w", i, err)
		}
		if len(u.Start) == 0 || len(u.Stop) == 0 || len(u.Status) == 0 {
			return nil, fmt.Errorf("services.units[%d] (%s): the exec manager needs start, stop and status commands", i, u.Name)
		}
		if _, dup := e.units[u.Name]; dup {
			return nil, fmt.Errorf("services.units[%d]: service %q listed twice", i, u.Name)
		}
		e.units[u.Name] = config.Service{Name: u.Name, Start: slices.Clone(u.Start),
			Stop: slices.Clone(u.Stop), Status: slices.Clone(u.Status)}
		e.names = append(e.names, u.Name)
	}
	return e, nil
}

func (e *Exec) unit(name string) (config.Service, error) {
	u, ok := e.units[name]
	if !ok {
		return u, fmt.Errorf("unknown service %q (configured: %s)", name, strings.Join(e.names, ", "))
	}
	return u, nil
}

// Start runs the unit's start command; a non-zero exit is an error.
func (e *Exec) Start(ctx context.Context, name string) error {
	return e.do(ctx, "start", name, func(u config.Service) []string { return u.Start })
}

// Stop runs the unit's stop command; a non-zero exit is an error.
func (e *Exec) Stop(ctx context.Context, name string) error {
	return e.do(ctx, "stop", name, func(u config.Service) []string { return u.Stop })
}

func (e *Exec) do(ctx context.Context, verb, name string, argv func(config.Service) []string) error {
	u, err := e.unit(name)
	if err != nil {
		return fmt.Errorf("%s: %w", verb, err)
	}
	cmd := argv(u)
	o, err := run(ctx, cmd)
	if err != nil {
		return fmt.Errorf("%s %s: %w", verb, name, err)
	}
	if o.ExitCode != 0 {
		return fmt.Errorf("%s %s: %s", verb, name, describe(cmd, o))
	}
	return nil
}

// Active runs the unit's status command: exit 0 is active, any other exit
// inactive. A command that cannot run (missing binary) is an error.
func (e *Exec) Active(ctx context.Context, name string) (bool, error) {
	u, err := e.unit(name)
	if err != nil {
		return false, fmt.Errorf("status: %w", err)
	}
	o, err := run(ctx, u.Status)
	if err != nil {
		return false, fmt.Errorf("status %s: %w", name, err)
	}
	return o.ExitCode == 0, nil
}
