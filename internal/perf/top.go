package perf

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/shirou/gopsutil/v4/mem"
	"github.com/shirou/gopsutil/v4/process"

	"github.com/fossawork/fossamaint/internal/redact"
)

// MaxCmdlineBytes bounds a reported command line (after redaction).
const MaxCmdlineBytes = 200

// Proc is one process as the top lists report it. CPUPercent is of one CPU,
// as top shows it, so a process using two cores reads 200.
type Proc struct {
	PID        int32   `json:"pid"`
	Name       string  `json:"name"`
	User       string  `json:"user"`
	CPUPercent float64 `json:"cpu_percent"`
	MemPercent float64 `json:"mem_percent"`
	RSSBytes   uint64  `json:"rss_bytes"`
	Cmdline    string  `json:"cmdline"` // redacted and truncated
}

// cpuReading is a process's cumulated CPU time at a wall-clock instant; the
// creation time guards against a PID reused between the two readings.
type cpuReading struct {
	cpuSeconds float64
	at         time.Time
	created    int64
}

// TopProcesses returns the n processes using the most CPU over an interval of
// length sample, and the n with the largest resident memory. Processes that
// exit or deny access meanwhile are skipped, not errors.
func TopProcesses(ctx context.Context, n int, sample time.Duration) (byCPU, byMem []Proc, err error) {
	return top(ctx, n, sample, nil)
}

// TopProcessesOf is TopProcesses over the process trees rooted at roots
// only (those pids and their descendants): an installation's own
// processes rather than the whole host's. Roots that are not running are
// ignored; none running gives empty lists.
func TopProcessesOf(ctx context.Context, n int, sample time.Duration, roots []int32) (byCPU, byMem []Proc, err error) {
	if len(roots) == 0 {
		return nil, nil, nil
	}
	return top(ctx, n, sample, roots)
}

// top lists the processes (those of the trees rooted at roots when roots
// is not nil), samples them and ranks them.
func top(ctx context.Context, n int, sample time.Duration, roots []int32) (byCPU, byMem []Proc, err error) {
	if n <= 0 {
		return nil, nil, nil
	}
	procs, err := process.ProcessesWithContext(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("listing processes: %w", err)
	}
	if roots != nil {
		procs = descendants(ctx, procs, roots)
	}
	vm, err := mem.VirtualMemoryWithContext(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("reading total memory: %w", err)
	}
	first := make(map[int32]cpuReading, len(procs))
	for _, p := range procs {
		if r, ok := readCPU(ctx, p); ok {
			first[p.Pid] = r
		}
	}
	if err := sleepCtx(ctx, sample); err != nil {
		return nil, nil, fmt.Errorf("sampling process CPU: %w", err)
	}
	all := measure(ctx, procs, first, vm.Total)
	if err := ctx.Err(); err != nil {
		return nil, nil, fmt.Errorf("sampling process CPU: %w", err)
	}
	byCPU = topBy(all, n, func(a, b *Proc) bool { return a.CPUPercent > b.CPUPercent })
	byMem = topBy(all, n, func(a, b *Proc) bool { return a.RSSBytes > b.RSSBytes })
	for _, list := range [][]Proc{byCPU, byMem} {
		for i := range list {
			describe(ctx, &list[i])
		}
	}
	return byCPU, byMem, nil
}

// descendants keeps the processes of procs that are one of roots or
// descend from one (by parent pid, read once for every process).
func descendants(ctx context.Context, procs []*process.Process, roots []int32) []*process.Process {
	parent := make(map[int32]int32, len(procs))
	for _, p := range procs {
		if pp, err := p.PpidWithContext(ctx); err == nil {
			parent[p.Pid] = pp
		}
	}
	in := make(map[int32]bool, len(roots))
	for _, r := range roots {
		in[r] = true
	}
	var out []*process.Process
	for _, p := range procs {
		// The chain is bounded by the number of processes: a pid reused
		// into a cycle cannot loop forever.
		for pid, hops := p.Pid, 0; hops <= len(procs); hops++ {
			if in[pid] {
				out = append(out, p)
				break
			}
			pp, ok := parent[pid]
			if !ok || pp == pid || pp <= 0 {
				break
			}
			pid = pp
		}
	}
	return out
}

func readCPU(ctx context.Context, p *process.Process) (cpuReading, bool) {
	created, err := p.CreateTimeWithContext(ctx)
	if err != nil {
		return cpuReading{}, false
	}
	t, err := p.TimesWithContext(ctx)
	if err != nil {
		return cpuReading{}, false
	}
	return cpuReading{cpuSeconds: t.User + t.System, at: time.Now(), created: created}, true
}

// measure takes the second CPU reading and the memory of every process that
// had a first one.
func measure(ctx context.Context, procs []*process.Process, first map[int32]cpuReading, totalMem uint64) []Proc {
	out := make([]Proc, 0, len(first))
	for _, p := range procs {
		r0, ok := first[p.Pid]
		if !ok || ctx.Err() != nil {
			continue
		}
		r1, ok := readCPU(ctx, p)
		if !ok || r1.created != r0.created {
			continue
		}
		mi, err := p.MemoryInfoWithContext(ctx)
		if err != nil {
			continue
		}
		pr := Proc{PID: p.Pid, RSSBytes: mi.RSS}
		if wall := r1.at.Sub(r0.at).Seconds(); wall > 0 {
			pr.CPUPercent = max(0, 100*(r1.cpuSeconds-r0.cpuSeconds)/wall)
		}
		if totalMem > 0 {
			pr.MemPercent = 100 * float64(mi.RSS) / float64(totalMem)
		}
		out = append(out, pr)
	}
	return out
}

func topBy(all []Proc, n int, better func(a, b *Proc) bool) []Proc {
	sorted := slices.Clone(all)
	slices.SortStableFunc(sorted, func(a, b Proc) int {
		switch {
		case better(&a, &b):
			return -1
		case better(&b, &a):
			return 1
		}
		return int(a.PID) - int(b.PID)
	})
	return sorted[:min(n, len(sorted))]
}

// describe fills the naming fields; each is best effort because access to
// another user's process details is often denied.
func describe(ctx context.Context, pr *Proc) {
	p, err := process.NewProcessWithContext(ctx, pr.PID)
	if err != nil {
		return
	}
	pr.Name, _ = p.NameWithContext(ctx)
	if u, err := p.UsernameWithContext(ctx); err == nil {
		pr.User = u
	} else if uids, err := p.UidsWithContext(ctx); err == nil && len(uids) > 0 {
		pr.User = strconv.FormatUint(uint64(uids[0]), 10) // no passwd entry, e.g. in containers
	}
	args, _ := p.CmdlineSliceWithContext(ctx)
	if len(args) == 0 && pr.Name != "" {
		pr.Cmdline = "[" + pr.Name + "]" // kernel threads have no command line
		return
	}
	pr.Cmdline = RedactCmdline(args, MaxCmdlineBytes)
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// RedactCmdline joins args with spaces after the redaction layer has hidden
// secret values (--password x, API_KEY=x, Authorization: x, user:pass@ in
// URLs) and cuts the result after maxBytes (on a rune boundary, marked with
// "…"). Listed secrets are removed later, with the report.
func RedactCmdline(args []string, maxBytes int) string {
	return truncate(strings.Join(redact.Args(args), " "), maxBytes)
}
