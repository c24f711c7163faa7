package pgdb

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// terminateWait bounds how long the switch waits for the target's
// connections to end once told to.
const terminateWait = 15 * time.Second

// switchTimeout bounds each ALTER DATABASE of the switch and its undo.
// They run without the caller's cancellation: a statement cancelled
// midway may or may not have been applied, and the switch could not tell
// which state it left.
const switchTimeout = 30 * time.Second

// switchStep is called after each statement of the switch, with its
// name; tests cancel or fail the restore there.
var switchStep = func(string) {}

// switchIn puts the restored copy under the target's name: new
// connections to the target held off, the existing ones terminated, the
// target renamed to p.replaced and the copy to the target's name. A
// cancellation is heeded until the target is renamed; from there the
// switch (two short statements) is finished. Any failure before the copy
// has the name undoes what was done, reading the databases' actual state
// (see undo). res.Replaced is set as soon as the copy has the name.
func (p *restorePlan) switchIn(ctx context.Context, res *RestoreResult) error {
	target, copyName, replaced := QuoteIdent(p.target), QuoteIdent(p.copy), QuoteIdent(p.replaced)
	if p.exists {
		if err := p.alter(ctx, "ALTER DATABASE "+target+" ALLOW_CONNECTIONS false"); err != nil {
			return p.undoAfter(res, fmt.Errorf("restore: holding off new connections to %s: %w", p.target, err))
		}
		switchStep("hold off")
		n, err := p.terminate(ctx)
		res.Terminated = n
		if err == nil && ctx.Err() != nil {
			err = fmt.Errorf("restore: %w before the switch", ctx.Err())
		}
		if err != nil {
			return p.undoAfter(res, err)
		}
		if err := p.alter(ctx, "ALTER DATABASE "+target+" RENAME TO "+replaced); err != nil {
			return p.undoAfter(res, fmt.Errorf("restore: renaming %s to %s: %w", p.target, p.replaced, err))
		}
		switchStep("rename target")
	}
	if err := p.alter(ctx, "ALTER DATABASE "+copyName+" RENAME TO "+target); err != nil {
		return p.undoAfter(res, fmt.Errorf("restore: renaming %s to %s: %w", p.copy, p.target, err))
	}
	p.switched(res)
	switchStep("rename copy")
	if p.exists {
		// The kept database may be opened again, to look at or copy from.
		if err := p.alter(ctx, "ALTER DATABASE "+replaced+" ALLOW_CONNECTIONS "+boolSQL(p.shape.allowConn)); err != nil {
			return fmt.Errorf("restore: done, but %s still refuses connections: %w (ALTER DATABASE %s ALLOW_CONNECTIONS true)", p.replaced, err, replaced)
		}
	}
	return nil
}

// switched records in res that the copy has the target's name.
func (p *restorePlan) switched(res *RestoreResult) {
	if p.exists {
		res.Replaced = p.replaced
	}
}

// alter runs one statement of the switch on the admin connection,
// without ctx's cancellation (see switchTimeout).
func (p *restorePlan) alter(ctx context.Context, sql string) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), switchTimeout)
	defer cancel()
	_, err := p.admin.Exec(ctx, sql)
	return err
}

// undoAfter undoes the switch after it failed with cause. When the
// databases show that the switch did happen (a statement that reported
// an error was applied), the restore is done: res says so and cause is
// dropped.
func (p *restorePlan) undoAfter(res *RestoreResult, cause error) error {
	done, err := p.undo()
	if done {
		p.switched(res)
		return err
	}
	if err != nil {
		return errors.Join(cause, err)
	}
	return cause
}

// undo reads the state of the target, the copy and the kept name on a
// fresh connection (ctx may be the cancelled one) and acts on it: the
// copy under the target's name (and the target kept, if there was one)
// is a finished switch, of which only the kept database's connections
// are put back; otherwise the target gets its name and its
// ALLOW_CONNECTIONS back and the copy is dropped. The first failure
// stops it (the error says what is left).
func (p *restorePlan) undo() (switched bool, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := connect(ctx, p.adminURL)
	if err != nil {
		return false, fmt.Errorf("restore: undoing the switch: %w (database %s may be missing: `fossamaint recover` puts it back)", err, p.target)
	}
	defer conn.Close(context.Background())
	allow, err := allowConnections(ctx, conn, p.target, p.copy, p.replaced)
	if err != nil {
		return false, fmt.Errorf("restore: undoing the switch: %w (`fossamaint recover` puts database %s back)", err, p.target)
	}
	_, hasTarget := allow[p.target]
	_, hasCopy := allow[p.copy]
	kept, hasKept := allow[p.replaced]
	var stmts []string
	switch {
	case hasTarget && !hasCopy && (hasKept || !p.exists):
		switched = true
		if hasKept && kept != p.shape.allowConn {
			stmts = append(stmts, "ALTER DATABASE "+QuoteIdent(p.replaced)+" ALLOW_CONNECTIONS "+boolSQL(p.shape.allowConn))
		}
	case !hasTarget && hasKept:
		stmts = append(stmts, "ALTER DATABASE "+QuoteIdent(p.replaced)+" RENAME TO "+QuoteIdent(p.target))
		allow[p.target], hasTarget = kept, true
	}
	if !switched && p.exists && hasTarget && allow[p.target] != p.shape.allowConn {
		stmts = append(stmts, "ALTER DATABASE "+QuoteIdent(p.target)+" ALLOW_CONNECTIONS "+boolSQL(p.shape.allowConn))
	}
	for i, s := range stmts {
		if _, err := conn.Exec(ctx, s); err != nil {
			return switched, fmt.Errorf("restore: undoing the switch: %s: %w (run by hand: %s)", s, err, strings.Join(stmts[i:], "; "))
		}
	}
	if switched || !hasCopy {
		return switched, nil
	}
	return false, dropDatabase(p.adminURL, p.major, p.copy)
}

// allowConnections is datallowconn of those of names that exist.
func allowConnections(ctx context.Context, conn *pgx.Conn, names ...string) (map[string]bool, error) {
	rows, err := conn.Query(ctx, "SELECT datname, datallowconn FROM pg_database WHERE datname = ANY($1)", names)
	if err != nil {
		return nil, fmt.Errorf("reading pg_database: %w", err)
	}
	out := map[string]bool{}
	var name string
	var allow bool
	_, err = pgx.ForEachRow(rows, []any{&name, &allow}, func() error {
		out[name] = allow
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading pg_database: %w", err)
	}
	return out, nil
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
