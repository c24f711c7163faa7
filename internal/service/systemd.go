package service

import (
	"context"
	"fmt"
)

// Systemd manages units with systemctl.
type Systemd struct {
	// Systemctl is the binary to run; empty means "systemctl" on PATH.
	// Tests point it at a script.
	Systemctl string
}

func (s *Systemd) bin() string {
	if s.Systemctl == "" {
		return "systemctl"
	}
	return s.Systemctl
}

// Start runs systemctl start NAME, which returns once systemd has started
// the unit (not once the service answers).
func (s *Systemd) Start(ctx context.Context, name string) error {
	return s.do(ctx, "start", name)
}

// Stop runs systemctl stop NAME.
func (s *Systemd) Stop(ctx context.Context, name string) error {
	return s.do(ctx, "stop", name)
}

func (s *Systemd) do(ctx context.Context, verb, name string) error {
	if err := checkName(name); err != nil {
		return fmt.Errorf("systemctl %s: %w", verb, err)
	}
	argv := []string{s.bin(), verb, name}
	o, err := run(ctx, argv)
	if err != nil {
		return fmt.Errorf("systemctl %s %s: %w", verb, name, err)
	}
	if o.ExitCode != 0 {
		return fmt.Errorf("systemctl %s %s: %s", verb, name, describe(argv, o))
	}
	return nil
}

// Active runs systemctl is-active --quiet NAME: exit 0 is active, 3 is
// inactive (stopped or failed); anything else, such as 4 for an unknown
// unit, is an error carrying systemctl's output.
func (s *Systemd) Active(ctx context.Context, name string) (bool, error) {
	if err := checkName(name); err != nil {
		return false, fmt.Errorf("systemctl is-active: %w", err)
	}
	argv := []string{s.bin(), "is-active", "--quiet", name}
	o, err := run(ctx, argv)
	if err != nil {
		return false, fmt.Errorf("systemctl is-active %s: %w", name, err)
	}
	switch o.ExitCode {
	case 0:
		return true, nil
	case 3:
		return false, nil
	}
	return false, fmt.Errorf("systemctl is-active %s: %s", name, describe(argv, o))
}
