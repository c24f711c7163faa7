package health

import "context"

// activer tells whether a unit is active (service.Manager does).
type activer interface {
	Active(ctx context.Context, name string) (bool, error)
}

// ServiceStates asks mgr for the state of each unit, in order.
func ServiceStates(ctx context.Context, mgr activer, units []string) []ServiceState {
	out := make([]ServiceState, 0, len(units))
	for _, u := range units {
		active, err := mgr.Active(ctx, u)
		out = append(out, ServiceState{Name: u, Active: active, Err: err})
	}
	return out
}
