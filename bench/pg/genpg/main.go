// Command genpg fills an empty PostgreSQL database with FossaWork V2's
// schema and generated rows, the demo's own generator
// (sandbox.LoadPostgres), for bench/pg/run.sh --data fossawork:
//
//	genpg -url postgresql:///bench?host=/tmp/sock -work-orders 100000 [-seed 1]
//
// It prints the work orders left after the purge and the database's size.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"time"

	"github.com/fossawork/fossamaint/internal/sandbox"
)

func main() {
	url := flag.String("url", "", "the empty database (libpq URL)")
	n := flag.Int("work-orders", 100_000, "work orders to generate (the oldest 15 % are then deleted)")
	seed := flag.Int64("seed", 1, "generator seed")
	flag.Parse()
	if *url == "" || *n < 1 {
		fmt.Fprintln(os.Stderr, "usage: genpg -url URL [-work-orders N] [-seed S]")
		os.Exit(64)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	left, bytes, err := sandbox.LoadPostgres(ctx, *url, *n, *seed, time.Now(), os.Stderr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "genpg:", err)
		os.Exit(1)
	}
	fmt.Printf("%d work orders, %d bytes\n", left, bytes)
}
