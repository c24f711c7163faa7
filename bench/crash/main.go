// Command crash is the crash campaign of issue 9, repeatable: it builds
// fossamaint with -tags faults, generates a demo installation with the
// backend running, keeps an outside writer committing work orders through
// the backend's API (recording each acknowledged one), and runs the weekly
// procedure again and again, killing it with SIGKILL at the named fault
// points and at random moments, and interrupting it with SIGINT, each time
// followed by `fossamaint recover`. After every trial it checks what an
// operator relies on: the database passes integrity_check, no acknowledged
// write is lost, the backend answers, no temporary file is left, and the
// report of an interrupted run tells the real downtime. It prints a table.
//
//	go run ./bench/crash --trials 60 --interrupts 12
//
// The installation and binary live in --dir (a new temp dir by default,
// removed unless --keep).
package main

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"
)

type options struct {
	trials, interrupts int
	size, dir, phases  string
	seed               uint64
	keep, quiet        bool
}

func main() {
	var o options
	flag.IntVar(&o.trials, "trials", 60, "kill -9 trials: each fault point in turn, then random moments")
	flag.IntVar(&o.interrupts, "interrupts", 12, "SIGINT (Ctrl-C) trials at random moments")
	flag.StringVar(&o.size, "size", "small", "demo size: small, medium or large")
	flag.StringVar(&o.dir, "dir", "", "work directory (default: a new temp dir)")
	flag.StringVar(&o.phases, "phases", "preflight,database", "the weekly phases each trial runs (--only)")
	flag.Uint64Var(&o.seed, "seed", 1, "seed for the random moments")
	flag.BoolVar(&o.keep, "keep", false, "keep the work directory")
	flag.BoolVar(&o.quiet, "quiet", false, "no progress on stderr")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, o); err != nil {
		fmt.Fprintln(os.Stderr, "crash:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, o options) error {
	dir := o.dir
	if dir == "" {
		d, err := os.MkdirTemp("", "fossamaint-crash-")
		if err != nil {
			return err
		}
		dir = d
	}
	if !o.keep {
		defer os.RemoveAll(dir)
	}
	logf := func(format string, a ...any) {
		if !o.quiet {
			fmt.Fprintf(os.Stderr, "crash: "+format+"\n", a...)
		}
	}
	logf("building fossamaint -tags faults into %s", dir)
	bin, err := buildFaultBinary(ctx, filepath.Join(dir, "fossamaint"))
	if err != nil {
		return err
	}
	logf("generating a %s demo installation", o.size)
	inst, err := newInstallation(ctx, bin, filepath.Join(dir, "inst"), o.size)
	if err != nil {
		return err
	}
	defer inst.stopBackend()
	w := startWriter(ctx, inst.baseURL)
	defer w.stop()

	c := &campaign{inst: inst, writer: w, phases: o.phases, rng: rand.New(rand.NewPCG(o.seed, 7)), logf: logf}
	if err := c.calibrate(ctx); err != nil {
		return err
	}
	plan := schedule(o.trials, o.interrupts)
	for i, tr := range plan {
		if ctx.Err() != nil {
			break
		}
		res := c.trial(ctx, tr)
		c.results = append(c.results, res)
		logf("%3d/%d %-34s %s", i+1, len(plan), tr.label(), res.summary())
	}
	w.stop()
	c.printTable(os.Stdout, time.Since(c.started))
	if c.failed() {
		return fmt.Errorf("at least one trial broke an invariant (see the table)")
	}
	return nil
}
