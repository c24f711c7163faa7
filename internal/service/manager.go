package service

import (
	"context"
	"fmt"
	"strings"

	"github.com/fossawork/fossamaint/internal/config"
)

// Manager starts, stops and reports on a named service. Start and Stop
// return when the manager has acted, not when the service is ready: use
// StartAndWait for that.
type Manager interface {
	Start(ctx context.Context, name string) error
	Stop(ctx context.Context, name string) error
	Active(ctx context.Context, name string) (bool, error)
}

var (
	_ Manager = (*Systemd)(nil)
	_ Manager = (*Exec)(nil)
	_ Manager = None{}
)

// New returns the manager named by cfg.Manager. This switch is the whole
// registry of managers.
func New(cfg config.Services) (Manager, error) {
	switch cfg.Manager {
	case "systemd":
		return &Systemd{}, nil
	case "exec":
		return NewExec(cfg.Units)
	case "none":
		return None{}, nil
	}
	return nil, fmt.Errorf("services.manager %q is not one of systemd, exec, none", cfg.Manager)
}

// checkName rejects names a command could read as an option.
func checkName(name string) error {
	if name == "" || strings.HasPrefix(name, "-") {
		return fmt.Errorf("invalid service name %q", name)
	}
	return nil
}
