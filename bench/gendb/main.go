// Command gendb builds the SQLite databases bench/db.sh measures on.
//
//	gendb create -out FILE -mib 100 [-free 0.15] [-seed 1]
//	gendb hold -db FILE [-wal-mib 4]
//
// create writes a FossaWork V2 database (users, work_orders, dispensers
// with the upstream schema and indexes) of about -mib MiB, then deletes
// the oldest work orders, as the app's retention does, until about -free
// of its pages are on the freelist, and leaves it in WAL mode. The file
// appears under its final name only when complete, so a cache of them
// never holds a half-written one.
//
// hold plays the running application: it opens the database, commits
// about -wal-mib MiB of new work orders that stay in the -wal (automatic
// checkpoints off), prints "ready" and keeps the connection open until
// its stdin closes or it is signalled. While it holds the file no other
// connection's close checkpoints the -wal, so every measured backup has
// the same uncheckpointed content to include. It exits without closing
// the database: the file is a scratch copy and the -wal is the point.
package main

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/fossawork/fossamaint/internal/sandbox"
)

// anchor is "now" for every generated date, so a seed always gives the
// same file.
var anchor = time.Date(2026, 11, 2, 3, 0, 0, 0, time.UTC)

const usage = "usage: gendb create -out FILE -mib N [-free F] [-seed S] | gendb hold -db FILE [-wal-mib N]"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, usage)
		os.Exit(64)
	}
	var err error
	switch os.Args[1] {
	case "create":
		err = runCreate(ctx, os.Args[2:])
	case "hold":
		err = runHold(ctx, os.Args[2:])
	default:
		err = errors.New(usage)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "gendb:", err)
		os.Exit(1)
	}
}

func runCreate(ctx context.Context, args []string) error {
	fl := flag.NewFlagSet("create", flag.ContinueOnError)
	out := fl.String("out", "", "database file to write (must not exist)")
	mib := fl.Int("mib", 100, "file size to reach, in MiB")
	free := fl.Float64("free", 0.15, "fraction of pages to leave on the freelist")
	seed := fl.Uint64("seed", 1, "random seed")
	if err := fl.Parse(args); err != nil {
		return err
	}
	if *out == "" || *mib < 1 || *free < 0 || *free > 0.5 {
		return errors.New("create needs -out, -mib >= 1 and 0 <= -free <= 0.5")
	}
	if _, err := os.Lstat(*out); err == nil {
		return fmt.Errorf("%s already exists", *out)
	}
	start := time.Now()
	tmp, err := os.CreateTemp(filepath.Dir(*out), ".gendb-*.db")
	if err != nil {
		return fmt.Errorf("creating a temp file beside %s: %w", *out, err)
	}
	tmp.Close()
	st, err := build(ctx, tmp.Name(), int64(*mib)<<20, *free, sandbox.NewRows(int64(*seed)))
	if err == nil {
		err = os.Rename(tmp.Name(), *out)
	}
	if err != nil {
		for _, s := range []string{"", "-wal", "-shm", "-journal"} {
			os.Remove(tmp.Name() + s)
		}
		return fmt.Errorf("building %s: %w", *out, err)
	}
	fmt.Printf("%s: %.1f MiB, %d work orders, %d dispensers, freelist %.1f%%, built in %s\n",
		*out, float64(st.pages*st.pageSize)/(1<<20), st.workOrders, st.dispensers,
		100*float64(st.freePages)/float64(st.pages), time.Since(start).Round(time.Millisecond))
	return nil
}

type stats struct {
	workOrders, dispensers     int64
	pages, freePages, pageSize int64
}

// build fills path (an empty file) without a journal, which is safe
// because the file only gets its final name once build succeeds.
func build(ctx context.Context, path string, target int64, free float64, f *sandbox.Rows) (st stats, err error) {
	db, err := sandbox.OpenDB(path, "journal_mode(OFF)", "synchronous(OFF)", "cache_size(-262144)")
	if err != nil {
		return st, err
	}
	defer func() {
		if cerr := db.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("closing: %w", cerr)
		}
	}()
	for _, ddl := range sandbox.Schema() {
		if _, err := db.ExecContext(ctx, ddl); err != nil {
			return st, fmt.Errorf("creating the schema: %w", err)
		}
	}
	users, err := loadUsers(ctx, db, f, 200)
	if err != nil {
		return st, err
	}
	// About 2.5 KiB per work order with its dispensers: spread the
	// expected count over three years of history.
	step := 3 * 365 * 24 * time.Hour / time.Duration(target/2500+1)
	ins := &inserter{db: db, f: f, users: users, next: anchor.Add(-3 * 365 * 24 * time.Hour), step: step}
	for {
		if err := ins.batch(ctx, 5000); err != nil {
			return st, err
		}
		if st, err = readStats(ctx, db); err != nil {
			return st, err
		}
		if st.pages*st.pageSize >= target {
			break
		}
	}
	if err := purge(ctx, db, free); err != nil {
		return st, err
	}
	if _, err := db.ExecContext(ctx, "PRAGMA journal_mode=WAL"); err != nil {
		return st, fmt.Errorf("setting WAL mode: %w", err)
	}
	return readStats(ctx, db)
}

func loadUsers(ctx context.Context, db *sql.DB, f *sandbox.Rows, n int) ([]string, error) {
	users := make([]string, n)
	for i := range users {
		users[i] = f.ID()
		if _, err := db.ExecContext(ctx, sandbox.InsertUser, f.User(users[i], i, anchor)...); err != nil {
			return nil, fmt.Errorf("inserting a user: %w", err)
		}
	}
	return users, nil
}

// inserter appends work orders in created_at order, each with 2-4
// dispensers, as the app's scraper does.
type inserter struct {
	db    *sql.DB
	f     *sandbox.Rows
	users []string
	next  time.Time
	step  time.Duration
}

// batch commits n work orders in one transaction.
func (in *inserter) batch(ctx context.Context, n int) (err error) {
	tx, err := in.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("beginning a transaction: %w", err)
	}
	defer func() {
		if err != nil {
			err = errors.Join(err, tx.Rollback())
		}
	}()
	wo, err := tx.PrepareContext(ctx, sandbox.InsertWorkOrder)
	if err != nil {
		return fmt.Errorf("preparing: %w", err)
	}
	disp, err := tx.PrepareContext(ctx, sandbox.InsertDispenser)
	if err != nil {
		return fmt.Errorf("preparing: %w", err)
	}
	for range n {
		created := in.next
		in.next = in.next.Add(in.step)
		id, nd := in.f.ID(), in.f.Between(2, 4)
		row, done := in.f.WorkOrder(id, in.users[in.f.Between(0, len(in.users)-1)], created, anchor)
		if _, err := wo.ExecContext(ctx, row...); err != nil {
			return fmt.Errorf("inserting a work order: %w", err)
		}
		for i := range nd {
			if _, err := disp.ExecContext(ctx, in.f.Dispenser(in.f.ID(), id, i, created, done)...); err != nil {
				return fmt.Errorf("inserting a dispenser: %w", err)
			}
		}
	}
	return tx.Commit()
}

// purge deletes the oldest work orders and their dispensers in slices
// until the freelist holds the wanted fraction of the file's pages.
func purge(ctx context.Context, db *sql.DB, free float64) error {
	var total int64
	if err := db.QueryRowContext(ctx, "SELECT max(rowid) FROM work_orders").Scan(&total); err != nil {
		return fmt.Errorf("counting work orders: %w", err)
	}
	slice := max(total/100, 1)
	for cut := slice; cut <= total/2; cut += slice {
		st, err := readStats(ctx, db)
		if err != nil {
			return err
		}
		if float64(st.freePages) >= free*float64(st.pages) {
			return nil
		}
		for _, q := range []string{
			`DELETE FROM dispensers WHERE work_order_id IN (SELECT id FROM work_orders WHERE rowid <= ?)`,
			`DELETE FROM work_orders WHERE rowid <= ?`,
		} {
			if _, err := db.ExecContext(ctx, q, cut); err != nil {
				return fmt.Errorf("purging old work orders: %w", err)
			}
		}
	}
	return nil
}

func readStats(ctx context.Context, db *sql.DB) (stats, error) {
	var st stats
	for _, c := range []struct {
		q   string
		dst *int64
	}{
		{"SELECT count(*) FROM work_orders", &st.workOrders},
		{"SELECT count(*) FROM dispensers", &st.dispensers},
		{"PRAGMA page_count", &st.pages},
		{"PRAGMA freelist_count", &st.freePages},
		{"PRAGMA page_size", &st.pageSize},
	} {
		if err := db.QueryRowContext(ctx, c.q).Scan(c.dst); err != nil {
			return st, fmt.Errorf("%s: %w", c.q, err)
		}
	}
	return st, nil
}

func runHold(ctx context.Context, args []string) error {
	fl := flag.NewFlagSet("hold", flag.ContinueOnError)
	path := fl.String("db", "", "database file (in WAL mode)")
	walMiB := fl.Int64("wal-mib", 4, "uncheckpointed content to commit, in MiB")
	if err := fl.Parse(args); err != nil {
		return err
	}
	if *path == "" {
		return errors.New("hold needs -db")
	}
	if _, err := os.Stat(*path); err != nil {
		return fmt.Errorf("hold: %w", err)
	}
	db, err := sandbox.OpenDB(*path, "busy_timeout(5000)", "wal_autocheckpoint(0)")
	if err != nil {
		return err
	}
	var mode string
	if err := db.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
		return fmt.Errorf("%s: journal mode %q (want wal): %v", *path, mode, err)
	}
	if err := fillWAL(ctx, db, *path, *walMiB<<20); err != nil {
		return fmt.Errorf("writing to %s: %w", *path, err)
	}
	fi, err := os.Stat(*path + "-wal")
	if err != nil {
		return err
	}
	fmt.Printf("ready: %s-wal holds %.1f MiB of committed, uncheckpointed transactions\n", *path, float64(fi.Size())/(1<<20))
	done := make(chan struct{})
	go func() {
		io.Copy(io.Discard, os.Stdin)
		close(done)
	}()
	select {
	case <-done:
	case <-ctx.Done():
	}
	// No db.Close: closing the last connection would checkpoint the -wal;
	// the process exits right after this returns.
	return nil
}

// fillWAL commits small transactions of new work orders until the -wal
// file reaches want bytes.
func fillWAL(ctx context.Context, db *sql.DB, path string, want int64) error {
	rows, err := db.QueryContext(ctx, "SELECT id FROM users")
	if err != nil {
		return err
	}
	var users []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return err
		}
		users = append(users, id)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return err
	}
	if len(users) == 0 {
		return errors.New("no users: not a gendb database")
	}
	// Another seed than create's, so the new ids never collide.
	ins := &inserter{db: db, f: sandbox.NewRows(0xa11ce), users: users, next: anchor.Add(-time.Hour), step: time.Second}
	for {
		if err := ins.batch(ctx, 100); err != nil {
			return err
		}
		fi, err := os.Stat(path + "-wal")
		if err != nil {
			return err
		}
		if fi.Size() >= want {
			return nil
		}
	}
}
