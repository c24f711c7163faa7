package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/fossawork/fossamaint/internal/durable"
	"github.com/fossawork/fossamaint/internal/fault"
	"github.com/fossawork/fossamaint/internal/runbook"
)

// trialKind is how a trial ends the weekly run.
type trialKind int

const (
	atPoint   trialKind = iota // SIGKILL at a named fault point
	randomly                   // SIGKILL at a random moment
	interrupt                  // SIGINT at a random moment, then the run's own undo
)

type trialSpec struct {
	kind  trialKind
	point string
}

func (t trialSpec) label() string {
	switch t.kind {
	case atPoint:
		return "kill -9 at " + t.point
	case randomly:
		return "kill -9 at a random moment"
	}
	return "Ctrl-C at a random moment"
}

func (t trialSpec) group() string {
	if t.kind == atPoint {
		return t.point
	}
	return map[trialKind]string{randomly: "random moment", interrupt: "Ctrl-C (SIGINT)"}[t.kind]
}

// pointsOnPath are the fault points a weekly run of preflight and
// database passes with database.vacuum: always.
var pointsOnPath = []string{fault.BackupTemp, fault.AfterVacuum, fault.AfterStop, fault.AfterPointB, fault.AfterSwap, fault.BeforeStart}

// schedule interleaves the kinds: the kill trials start with every fault
// point twice (when there are enough), the rest random moments.
func schedule(kills, interrupts int) []trialSpec {
	var ks []trialSpec
	targeted := min(kills/2, 2*len(pointsOnPath))
	for i := range targeted {
		ks = append(ks, trialSpec{kind: atPoint, point: pointsOnPath[i%len(pointsOnPath)]})
	}
	for range kills - targeted {
		ks = append(ks, trialSpec{kind: randomly})
	}
	var out []trialSpec
	for i := 0; i < len(ks) || interrupts > 0; i++ {
		if i < len(ks) {
			out = append(out, ks[i])
		}
		if interrupts > 0 && (i%5 == 4 || i >= len(ks)) {
			out = append(out, trialSpec{kind: interrupt})
			interrupts--
		}
	}
	return out
}

// result is what one trial found.
type result struct {
	spec          trialSpec
	killed        bool   // the signal arrived while the run was running
	inDowntime    bool   // recover found the run dead inside the downtime step
	exit          int    // the weekly run's exit code (-1: killed)
	recoverErr    string // recover failed (exit other than 0 or 1)
	corrupt       string // integrity_check's answer when not ok
	acked, lost   int
	down          bool // the backend did not answer after recover
	downAfterStop bool // Ctrl-C trials: down before recover ran
	leftovers     []string
	wrongReport   string // Ctrl-C trials: what the report got wrong
	downtime      float64
}

func (r result) summary() string {
	var bad []string
	if r.recoverErr != "" {
		bad = append(bad, "recover failed: "+r.recoverErr)
	}
	if r.corrupt != "" {
		bad = append(bad, "CORRUPT: "+r.corrupt)
	}
	if r.lost > 0 {
		bad = append(bad, fmt.Sprintf("LOST %d of %d acknowledged writes", r.lost, r.acked))
	}
	if r.down {
		bad = append(bad, "BACKEND DOWN after recover")
	}
	if r.downAfterStop {
		bad = append(bad, "backend down after Ctrl-C (before recover)")
	}
	if len(r.leftovers) > 0 {
		bad = append(bad, fmt.Sprintf("%d leftover temporaries: %s", len(r.leftovers), r.leftovers[0]))
	}
	if r.wrongReport != "" {
		bad = append(bad, "REPORT: "+r.wrongReport)
	}
	state := "finished"
	if r.killed {
		state = "stopped mid-run"
	}
	if len(bad) == 0 {
		return fmt.Sprintf("ok (%s, exit %d)", state, r.exit)
	}
	return fmt.Sprintf("%s, exit %d: %s", state, r.exit, strings.Join(bad, "; "))
}

func (r result) ok() bool {
	return r.recoverErr == "" && r.corrupt == "" && r.lost == 0 && !r.down && !r.downAfterStop &&
		len(r.leftovers) == 0 && r.wrongReport == ""
}

type campaign struct {
	inst    *installation
	writer  *writer
	phases  string
	rng     *rand.Rand
	logf    func(string, ...any)
	typical time.Duration
	started time.Time
	results []result
}

// calibrate times one uninterrupted run, so random moments fall inside
// runs rather than after them.
func (c *campaign) calibrate(ctx context.Context) error {
	c.started = time.Now()
	start := time.Now()
	out, code, err := c.weekly(ctx, nil, 0, 0)
	if err != nil || (code != 0 && code != 1) {
		return fmt.Errorf("the calibration run failed (exit %d): %v\n%s", code, err, out)
	}
	c.typical = time.Since(start)
	c.logf("an uninterrupted run of %s takes %s", c.phases, c.typical.Round(time.Millisecond))
	return nil
}

// weekly runs the weekly procedure with env added; after sig is sent once
// at (0: never). It returns stdout (the JSON report) and the exit code,
// -1 when a signal ended the process.
func (c *campaign) weekly(ctx context.Context, env []string, sig syscall.Signal, at time.Duration) ([]byte, int, error) {
	cmd := exec.CommandContext(ctx, c.inst.bin, "weekly", "--config", c.inst.config, "--force-window", "--json", "--only", c.phases)
	cmd.Env = append(os.Environ(), env...)
	var stdout bytes.Buffer
	cmd.Stdout = &stdout
	if err := cmd.Start(); err != nil {
		return nil, 0, err
	}
	if sig != 0 {
		timer := time.AfterFunc(at, func() { _ = cmd.Process.Signal(sig) })
		defer timer.Stop()
	}
	err := cmd.Wait()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return stdout.Bytes(), ee.ExitCode(), nil
	}
	return stdout.Bytes(), cmd.ProcessState.ExitCode(), err
}

func (c *campaign) trial(ctx context.Context, spec trialSpec) result {
	res := result{spec: spec}
	var out []byte
	var err error
	at := time.Duration(c.rng.Float64() * float64(c.typical))
	switch spec.kind {
	case atPoint:
		out, res.exit, err = c.weekly(ctx, []string{"FOSSAMAINT_FAULT=" + spec.point + "=kill"}, 0, 0)
	case randomly:
		out, res.exit, err = c.weekly(ctx, nil, syscall.SIGKILL, at)
	case interrupt:
		out, res.exit, err = c.weekly(ctx, nil, syscall.SIGINT, at)
	}
	if err != nil {
		res.recoverErr = "weekly: " + err.Error()
		return res
	}
	res.killed = res.exit == -1 || res.exit == 130
	if spec.kind == interrupt {
		c.checkInterrupted(ctx, out, &res)
	}
	c.recover(ctx, &res)
	c.check(ctx, &res)
	return res
}

// checkInterrupted holds a Ctrl-C'd run to its own promises: services up
// without recover, and a report whose downtime is the real one.
func (c *campaign) checkInterrupted(ctx context.Context, out []byte, res *result) {
	res.downAfterStop = !c.inst.healthy(ctx, 5*time.Second)
	var run runbook.Run
	if err := json.Unmarshal(out, &run); err != nil {
		res.wrongReport = fmt.Sprintf("no JSON report on stdout (exit %d): %v", res.exit, err)
		return
	}
	res.downtime = run.DowntimeSeconds
	stopped := false
	for _, ph := range run.Phases {
		for _, st := range ph.Steps {
			for _, a := range st.Actions {
				stopped = stopped || strings.HasPrefix(a, "stop ")
			}
			if _, ok := st.Metrics["reclaimed_bytes"]; ok && st.Undone {
				res.wrongReport = "reclaimed_bytes for an undone VACUUM"
			}
		}
	}
	if stopped && run.DowntimeSeconds <= 0 {
		res.wrongReport = "a service was stopped, yet the report says no downtime"
	}
	if !stopped && run.DowntimeSeconds > 0 {
		res.wrongReport = fmt.Sprintf("downtime %.2fs without a stop", run.DowntimeSeconds)
	}
}

func (c *campaign) recover(ctx context.Context, res *result) {
	cmd := exec.CommandContext(ctx, c.inst.bin, "recover", "--config", c.inst.config, "--json")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	var ee *exec.ExitError
	if errors.As(err, &ee) && ee.ExitCode() == 1 {
		err = nil // warnings: a run had died, and was dealt with
	}
	if err != nil {
		res.recoverErr = fmt.Sprintf("%v: %s", err, bytes.TrimSpace(stderr.Bytes()))
		return
	}
	var r runbook.Result
	if err := json.Unmarshal(out, &r); err != nil {
		res.recoverErr = "recover --json: " + err.Error()
		return
	}
	for _, f := range r.Findings {
		res.inDowntime = res.inDowntime || strings.Contains(f.Evidence, "database/optimize")
	}
}

// check is what the operator relies on after recover.
func (c *campaign) check(ctx context.Context, res *result) {
	res.down = !c.inst.healthy(ctx, 5*time.Second)
	if ok, err := c.inst.integrity(ctx); err != nil || ok != "ok" {
		res.corrupt = fmt.Sprintf("%q %v", ok, err)
	}
	acked, _ := c.writer.snapshot()
	present, err := c.inst.present(ctx)
	if err != nil {
		res.corrupt += " (reading work orders: " + err.Error() + ")"
	}
	res.acked = len(acked)
	for _, id := range acked {
		if !present[id] {
			res.lost++
		}
	}
	res.leftovers = leftovers(c.inst.dir)
}

// leftovers lists the temporaries of dead processes under dir and in the
// system temp dir: after recover there must be none.
func leftovers(dir string) []string {
	var out []string
	visit := func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if pid, _, ok := durable.Owner(d.Name()); ok && !durable.ProcessAlive(pid) {
			out = append(out, p)
			if d.IsDir() {
				return filepath.SkipDir
			}
		}
		return nil
	}
	_ = filepath.WalkDir(dir, visit)
	ents, _ := os.ReadDir(os.TempDir())
	for _, e := range ents {
		_ = visit(filepath.Join(os.TempDir(), e.Name()), e, nil)
	}
	return out
}
