package service

import "context"

// NoneNote explains the none manager in reports.
const NoneNote = "services are managed by the operator: fossamaint neither starts nor stops them and assumes they run"

// None is the manager for installations whose services the operator runs
// (containers, a supervisor fossamaint cannot drive). Start and Stop do
// nothing and Active reports true, so health checks, not the manager,
// decide whether the application is up. See NoneNote.
type None struct{}

// Start does nothing.
func (None) Start(context.Context, string) error { return nil }

// Stop does nothing.
func (None) Stop(context.Context, string) error { return nil }

// Active reports true: the operator vouches for the service.
func (None) Active(context.Context, string) (bool, error) { return true, nil }
