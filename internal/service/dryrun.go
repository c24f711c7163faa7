package service

import "context"

// DryRun wraps m so that Start and Stop only record what they would do
// ("would start NAME", "would stop NAME") while Active still asks m: a dry
// run reports the real state, which a would-be stop has not changed.
// A nil record discards the descriptions.
func DryRun(m Manager, record func(string)) Manager {
	if record == nil {
		record = func(string) {}
	}
	return &dryRun{m: m, record: record}
}

type dryRun struct {
	m      Manager
	record func(string)
}

func (d *dryRun) Start(_ context.Context, name string) error {
	d.record("would start " + name)
	return nil
}

func (d *dryRun) Stop(_ context.Context, name string) error {
	d.record("would stop " + name)
	return nil
}

func (d *dryRun) Active(ctx context.Context, name string) (bool, error) {
	return d.m.Active(ctx, name)
}
