package pgdb

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// terminateWait bounds how long the switch waits for the target's
// connections to end once told to.
const terminateWait = 15 * time.Second

// switchIn puts the restored copy under the target's name: new
// connections to the target held off, the existing ones terminated, the
// target renamed to p.replaced and the copy to the target's name. Any
// failure undoes what was done (with a fresh context: ctx may be the
// cancelled one) and drops the copy; the target is then as it was.
func (p *restorePlan) switchIn(ctx context.Context) (terminated int, err error) {
	target, copyName, replaced := QuoteIdent(p.target), QuoteIdent(p.copy), QuoteIdent(p.replaced)
	var undo []string
	switched := false
	defer func() {
		if err == nil || switched {
			return
		}
		if uerr := p.undo(undo); uerr != nil {
			err = errors.Join(err, uerr)
		}
	}()
	if p.exists {
		if _, err = p.admin.Exec(ctx, "ALTER DATABASE "+target+" ALLOW_CONNECTIONS false"); err != nil {
			return 0, fmt.Errorf("restore: holding off new connections to %s: %w", p.target, err)
		}
		undo = append(undo, "ALTER DATABASE "+target+" ALLOW_CONNECTIONS "+boolSQL(p.shape.allowConn))
		if terminated, err = p.terminate(ctx); err != nil {
			return terminated, err
		}
		if _, err = p.admin.Exec(ctx, "ALTER DATABASE "+target+" RENAME TO "+replaced); err != nil {
			return terminated, fmt.Errorf("restore: renaming %s to %s: %w", p.target, p.replaced, err)
		}
		// Undone in reverse order: the name goes back before the setting.
		undo = append([]string{"ALTER DATABASE " + replaced + " RENAME TO " + target}, undo...)
	}
	if _, err = p.admin.Exec(ctx, "ALTER DATABASE "+copyName+" RENAME TO "+target); err != nil {
		return terminated, fmt.Errorf("restore: renaming %s to %s: %w", p.copy, p.target, err)
	}
	switched = true
	if p.exists {
		// The kept database may be opened again, to look at or copy from.
		if _, err := p.admin.Exec(ctx, "ALTER DATABASE "+replaced+" ALLOW_CONNECTIONS "+boolSQL(p.shape.allowConn)); err != nil {
			return terminated, fmt.Errorf("restore: done, but %s still refuses connections: %w (ALTER DATABASE %s ALLOW_CONNECTIONS true)", p.replaced, err, replaced)
		}
	}
	return terminated, nil
}

// undo runs the statements that put the target back, then drops the
// copy; the first failure stops it (the error says what is left).
func (p *restorePlan) undo(stmts []string) error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := connect(ctx, p.adminURL)
	if err != nil {
		return fmt.Errorf("restore: undoing the switch: %w (run by hand: %v)", err, stmts)
	}
	defer conn.Close(context.Background())
	for i, s := range stmts {
		if _, err := conn.Exec(ctx, s); err != nil {
			return fmt.Errorf("restore: undoing the switch: %s: %w (run by hand: %v)", s, err, stmts[i:])
		}
	}
	return dropDatabase(p.adminURL, p.major, p.copy)
}

// terminate ends every other connection to the target and waits until
// they are gone (a terminated backend takes a moment to exit, and a
// rename fails while it is there). It counts each backend once.
// Autovacuum workers are left to the rename, which ends them itself (a
// user that is not superuser may not).
func (p *restorePlan) terminate(ctx context.Context) (int, error) {
	ended := map[int32]bool{}
	deadline := time.Now().Add(terminateWait)
	for {
		rows, err := p.admin.Query(ctx, `SELECT pid, pg_terminate_backend(pid) FROM pg_stat_activity
		  WHERE datname = $1 AND pid <> pg_backend_pid() AND backend_type <> 'autovacuum worker'`, p.target)
		if err != nil {
			return len(ended), fmt.Errorf("restore: ending the connections to %s: %w", p.target, err)
		}
		left := 0
		for rows.Next() {
			var pid int32
			var ok bool
			if err := rows.Scan(&pid, &ok); err != nil {
				rows.Close()
				return len(ended), fmt.Errorf("restore: ending the connections to %s: %w", p.target, err)
			}
			left++
			if ok {
				ended[pid] = true
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return len(ended), fmt.Errorf("restore: ending the connections to %s: %w", p.target, err)
		}
		if left == 0 {
			return len(ended), nil
		}
		if time.Now().After(deadline) {
			return len(ended), fmt.Errorf("restore: %d connections to %s did not end within %v: nothing was switched; retry, or stop the application first", left, p.target, terminateWait)
		}
		select {
		case <-ctx.Done():
			return len(ended), fmt.Errorf("restore: %w", ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func boolSQL(b bool) string {
	if b {
		return "true"
	}
	return "false"
}
