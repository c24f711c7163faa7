package pgdb

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// SetSwitchStep makes f run after each statement of a restore's switch
// ("hold off", "rename target", "rename copy") until t ends.
func SetSwitchStep(t testing.TB, f func(step string)) {
	old := switchStep
	switchStep = f
	t.Cleanup(func() { switchStep = old })
}

// UndoSwitch is the undo of a restore of the database at targetURL dated
// now (server version major) whose target existed and accepted
// connections, run on whatever state the databases are in.
func UndoSwitch(ctx context.Context, targetURL string, major int, now time.Time) (switched bool, err error) {
	cfg, err := pgx.ParseConfig(targetURL)
	if err != nil {
		return false, err
	}
	p := &restorePlan{major: major, target: cfg.Database, exists: true, shape: dbShape{allowConn: true},
		copy: DatedName(cfg.Database, KindRestore, now), replaced: DatedName(cfg.Database, KindReplaced, now)}
	if p.adminURL, err = Sibling(targetURL, "postgres"); err != nil {
		return false, err
	}
	return p.undo()
}
