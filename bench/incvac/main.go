// Command incvac measures the alternative issue 9 asks to weigh against
// the online VACUUM INTO: switching a database once to
// auto_vacuum=INCREMENTAL (which rides on a VACUUM INTO: the pragma set on
// the source connection applies to the copy) so that later weeks reclaim
// free pages online with PRAGMA incremental_vacuum(N), in chunks, while
// the application writes.
//
//	incvac -db SCRATCH.db [-chunk 2048] [-writer-ms 20]
//
// SCRATCH.db is changed (use a copy). It prints: the cost of a VACUUM INTO
// of the file as it is (what a stopped VACUUM costs), the one-time switch,
// and, after deleting as much as the file had free, the online reclaim:
// total time, each chunk's time (how long it holds the write lock), and a
// concurrent writer's commit latency before and during it.
package main

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

func main() {
	db := flag.String("db", "", "scratch copy of a database (it is changed)")
	chunk := flag.Int("chunk", 2048, "pages freed per PRAGMA incremental_vacuum(N)")
	writerMS := flag.Int("writer-ms", 20, "the concurrent writer commits every this many ms")
	flag.Parse()
	if *db == "" {
		fmt.Fprintln(os.Stderr, "usage: incvac -db SCRATCH.db [-chunk N] [-writer-ms N]")
		os.Exit(64)
	}
	if err := run(context.Background(), *db, *chunk, time.Duration(*writerMS)*time.Millisecond); err != nil {
		fmt.Fprintln(os.Stderr, "incvac:", err)
		os.Exit(1)
	}
}

func open(path string) (*sql.DB, error) {
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)")
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	return db, nil
}

func pragma(ctx context.Context, db *sql.DB, q string) (int64, error) {
	var v int64
	err := db.QueryRowContext(ctx, "PRAGMA "+q).Scan(&v)
	return v, err
}

func run(ctx context.Context, path string, chunk int, every time.Duration) error {
	db, err := open(path)
	if err != nil {
		return err
	}
	pages, _ := pragma(ctx, db, "page_count")
	free, _ := pragma(ctx, db, "freelist_count")
	fi, _ := os.Stat(path)
	fmt.Printf("database %s: %.1f MiB, %d pages, %d free (%.1f%%)\n", filepath.Base(path), mib(fi.Size()), pages, free, 100*float64(free)/float64(pages))

	base := writerLatency(ctx, path, every, 2*time.Second, nil)
	fmt.Printf("writer, auto_vacuum none: %s\n", base)

	// The one-time switch rides on the VACUUM INTO the weekly run makes.
	tmp := path + ".incvac"
	os.Remove(tmp)
	start := time.Now()
	if _, err := db.ExecContext(ctx, "PRAGMA auto_vacuum=INCREMENTAL"); err != nil {
		return err
	}
	if _, err := db.ExecContext(ctx, "VACUUM INTO ?", tmp); err != nil {
		return err
	}
	took := time.Since(start)
	db.Close()
	for _, s := range []string{"", "-wal", "-shm"} {
		os.Remove(path + s)
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	db, err = open(path)
	if err != nil {
		return err
	}
	defer db.Close()
	mode, _ := pragma(ctx, db, "auto_vacuum")
	fi, _ = os.Stat(path)
	fmt.Printf("VACUUM INTO with auto_vacuum=INCREMENTAL: %s -> %.1f MiB, auto_vacuum=%d (2 = incremental)\n", took.Round(time.Millisecond), mib(fi.Size()), mode)

	after := writerLatency(ctx, path, every, 2*time.Second, nil)
	fmt.Printf("writer, auto_vacuum incremental: %s\n", after)

	// Make the same share free again, as a week of retention deletes does.
	start = time.Now()
	if _, err := db.ExecContext(ctx, `DELETE FROM dispensers WHERE work_order_id IN (SELECT id FROM work_orders ORDER BY created_at LIMIT (SELECT count(*) * ? / 1000 FROM work_orders));
		DELETE FROM work_orders WHERE id IN (SELECT id FROM work_orders ORDER BY created_at LIMIT (SELECT count(*) * ? / 1000 FROM work_orders))`,
		int(1000*float64(free)/float64(pages)), int(1000*float64(free)/float64(pages))); err != nil {
		return err
	}
	if _, err := db.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		return err
	}
	pages, _ = pragma(ctx, db, "page_count")
	free, _ = pragma(ctx, db, "freelist_count")
	fmt.Printf("deleted the oldest work orders in %s: %d of %d pages free (%.1f%%)\n", time.Since(start).Round(time.Millisecond), free, pages, 100*float64(free)/float64(pages))

	var chunks []time.Duration
	reclaim := func() {
		for {
			n, err := pragma(ctx, db, "freelist_count")
			if err != nil || n == 0 {
				return
			}
			t := time.Now()
			if _, err := db.ExecContext(ctx, fmt.Sprintf("PRAGMA incremental_vacuum(%d)", chunk)); err != nil {
				fmt.Fprintln(os.Stderr, "incremental_vacuum:", err)
				return
			}
			chunks = append(chunks, time.Since(t))
		}
	}
	start = time.Now()
	during := writerLatency(ctx, path, every, 0, reclaim)
	total := time.Since(start)
	fi, _ = os.Stat(path)
	slices.Sort(chunks)
	fmt.Printf("online reclaim, %d-page chunks: %d chunks in %s, chunk p50 %s max %s; file now %.1f MiB\n", chunk, len(chunks),
		total.Round(time.Millisecond), pct(chunks, 50), pct(chunks, 100), mib(fi.Size()))
	fmt.Printf("writer during the reclaim: %s\n", during)
	return nil
}

// writerLatency commits a work order every interval on its own connection,
// for d, or for as long as work runs, and summarises commit latencies.
func writerLatency(ctx context.Context, path string, every, d time.Duration, work func()) string {
	db, err := open(path)
	if err != nil {
		return err.Error()
	}
	defer db.Close()
	var user string
	_ = db.QueryRowContext(ctx, "SELECT id FROM users LIMIT 1").Scan(&user)
	stop := make(chan struct{})
	var lat []time.Duration
	var failed int
	var wg sync.WaitGroup
	wg.Go(func() {
		tick := time.NewTicker(every)
		defer tick.Stop()
		for n := 0; ; n++ {
			select {
			case <-stop:
				return
			case <-tick.C:
			}
			t := time.Now()
			_, err := db.ExecContext(ctx, `UPDATE work_orders SET updated_at = ? WHERE rowid = (SELECT rowid FROM work_orders ORDER BY rowid DESC LIMIT 1 OFFSET ?)`,
				time.Now().Format(time.RFC3339Nano), n%50)
			if err != nil {
				failed++
				continue
			}
			lat = append(lat, time.Since(t))
		}
	})
	if work != nil {
		work()
	} else {
		time.Sleep(d)
	}
	close(stop)
	wg.Wait()
	slices.Sort(lat)
	return fmt.Sprintf("%d commits, latency p50 %s p99 %s max %s, %d failed", len(lat), pct(lat, 50), pct(lat, 99), pct(lat, 100), failed)
}

func pct(s []time.Duration, p int) time.Duration {
	if len(s) == 0 {
		return 0
	}
	i := (len(s) - 1) * p / 100
	return s[i].Round(10 * time.Microsecond)
}

func mib(n int64) float64 { return float64(n) / (1 << 20) }
