package main

import (
	"fmt"
	"io"
	"text/tabwriter"
	"time"
)

// printTable prints one row per kind of trial and a total: the figures
// issue 9 asks to be zero.
func (c *campaign) printTable(w io.Writer, took time.Duration) {
	type row struct {
		trials, stopped, inDowntime, corrupt, lost, down, downCtrlC, leftovers, wrong, recoverFailed int
	}
	var order []string
	rows := map[string]*row{}
	var total row
	for _, r := range c.results {
		g := r.spec.group()
		if rows[g] == nil {
			rows[g] = &row{}
			order = append(order, g)
		}
		for _, x := range []*row{rows[g], &total} {
			x.trials++
			x.stopped += b2i(r.killed)
			x.inDowntime += b2i(r.inDowntime)
			x.corrupt += b2i(r.corrupt != "")
			x.lost += r.lost
			x.down += b2i(r.down)
			x.downCtrlC += b2i(r.downAfterStop)
			x.leftovers += len(r.leftovers)
			x.wrong += b2i(r.wrongReport != "")
			x.recoverFailed += b2i(r.recoverErr != "")
		}
	}
	acked, refused := c.writer.snapshot()
	fmt.Fprintf(w, "crash campaign: %d trials of `weekly --only %s` (database.vacuum: always) in %s; an uninterrupted run takes %s\n",
		len(c.results), c.phases, took.Round(time.Second), c.typical.Round(time.Millisecond))
	fmt.Fprintf(w, "outside writer: %d work orders acknowledged by the backend, %d refused while it was down\n\n", len(acked), refused)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "trial\ttrials\tstopped mid-run\tof them in the downtime step\tcorrupt DB\tlost acked writes\tdown after recover\tdown after Ctrl-C\tleftover temps\twrong report\trecover failed\t")
	line := func(name string, x row) {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t\n", name, x.trials, x.stopped, x.inDowntime, x.corrupt, x.lost,
			x.down, x.downCtrlC, x.leftovers, x.wrong, x.recoverFailed)
	}
	for _, g := range order {
		line(g, *rows[g])
	}
	line("total", total)
	tw.Flush()
}

func (c *campaign) failed() bool {
	for _, r := range c.results {
		if !r.ok() {
			return true
		}
	}
	return false
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
