package sandbox

import (
	"context"
	"fmt"
	"time"
)

// runWriter is the app's own write traffic: every WriteIntervalMS it
// inserts a work order (with dispensers) or updates a recent one, at most
// MaxWrites times. Maintenance has to cope with a live writer.
func (b *backend) runWriter(ctx context.Context) {
	if b.s.WriteIntervalMS <= 0 || b.s.MaxWrites <= 0 {
		return
	}
	var user string
	if err := b.db.QueryRowContext(ctx, b.sql.firstUser).Scan(&user); err != nil {
		if ctx.Err() == nil {
			b.logf("ERROR", "Writer disabled: no user to own work orders: %v", err)
		}
		return
	}
	f := newFaker(b.now().UnixNano(), 9)
	tick := time.NewTicker(time.Duration(b.s.WriteIntervalMS) * time.Millisecond)
	defer tick.Stop()
	for n := 0; n < b.s.MaxWrites; n++ {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		var err error
		if n%3 == 0 {
			err = b.insertWorkOrder(ctx, f, user)
		} else {
			err = b.updateWorkOrder(ctx, f, n)
		}
		if err != nil && ctx.Err() == nil {
			// What the real app logs when maintenance holds the lock.
			b.logf("ERROR", "Database locked while updating work order: %v", err)
		}
	}
}

func (b *backend) insertWorkOrder(ctx context.Context, f *faker, user string) error {
	now := b.now()
	tx, err := b.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	id := f.uuid4()
	if _, err := tx.ExecContext(ctx, b.sql.insertWorkOrder, f.workOrderRow(id, user, now, now)...); err != nil {
		return rollback(tx, err)
	}
	for n := range 2 {
		if _, err := tx.ExecContext(ctx, b.sql.insertDispenser, f.dispenserRow(f.uuid4(), id, n, now, false)...); err != nil {
			return rollback(tx, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	b.logf("INFO", "Work order %s created from scrape", id[:13])
	return nil
}

func (b *backend) updateWorkOrder(ctx context.Context, f *faker, n int) error {
	now := sqlTime(b.now())
	status := []string{"in_progress", "completed", "pending"}[n%3]
	res, err := b.db.ExecContext(ctx, b.sql.touchRecent, status, now, now, f.intn(200))
	if err != nil {
		return err
	}
	if k, _ := res.RowsAffected(); k > 0 {
		b.logf("INFO", "Work order status changed to %s", status)
	}
	return nil
}

func rollback(tx interface{ Rollback() error }, err error) error {
	if rerr := tx.Rollback(); rerr != nil {
		return fmt.Errorf("%w (rollback: %v)", err, rerr)
	}
	return err
}

// runAttacks writes AttackBursts bursts of failed-login records from the
// configured documentation addresses. Only log lines: no packet is sent.
func (b *backend) runAttacks(ctx context.Context) {
	if len(b.s.AttackAddrs) == 0 || b.s.AttackIntervalMS <= 0 {
		return
	}
	users := []string{"admin", "root", "administrator", "test", "fossawork", "tech001"}
	tick := time.NewTicker(time.Duration(b.s.AttackIntervalMS) * time.Millisecond)
	defer tick.Stop()
	for burst := 0; burst < b.s.AttackBursts; burst++ {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		ip := b.s.AttackAddrs[burst%len(b.s.AttackAddrs)]
		for i := 0; i < b.s.AttackBurstSize; i++ {
			_ = b.api.entry(authFailure(b.now(), users[i%len(users)], ip, "python-requests/2.31.0"))
		}
	}
}
