package weekly

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"strings"
	"time"

	"github.com/fossawork/fossamaint/internal/config"
	"github.com/fossawork/fossamaint/internal/human"
	"github.com/fossawork/fossamaint/internal/perf"
	"github.com/fossawork/fossamaint/internal/runbook"
)

// performancePhase is the trends part of the seed's "Performance Analysis".
type performancePhase struct {
	clock
	metricsFile string
	thresholds  config.Thresholds
	// topSample is how long CPU use of processes is sampled.
	topSample time.Duration
	// pidFiles are the managed units' (services.units[].pid_file): when
	// set, the top processes are those units' process trees, and root
	// decides whether they are the installation's.
	pidFiles []string
	root     string
}

func (ph *performancePhase) trends(ctx context.Context, _ *runbook.Env) (runbook.Result, error) {
	now := ph.now()
	path := ph.metricsFile
	tr, err := perf.Trends(ctx, path, now.Add(-7*24*time.Hour), now, ph.zone)
	if errors.Is(err, fs.ErrNotExist) {
		var r runbook.Result
		r.Finding(runbook.Warning, path, "no performance metrics file: trends cannot be analysed")
		r.Recommend("Enable the backend's performance monitor so %s is written hourly.", path)
		return r, nil
	}
	if err != nil {
		return runbook.Result{}, err
	}
	var r runbook.Result
	r.Metric("samples", float64(tr.Samples), "count")
	r.Metric("missing_samples", float64(tr.MissingSamples), "count")
	r.Metric("malformed_lines", float64(tr.Malformed), "count")
	if tr.CPU.N > 0 {
		r.Headline(runbook.HeadlineCPUAvgPercent, tr.CPU.Avg, "%")
		r.Metric("cpu_p95_percent", tr.CPU.P95, "%")
		r.Metric("cpu_max_percent", tr.CPU.Max, "%")
	}
	if tr.Memory.N > 0 {
		r.Headline(runbook.HeadlineMemoryAvgPercent, tr.Memory.Avg, "%")
		r.Metric("memory_p95_percent", tr.Memory.P95, "%")
		r.Metric("memory_max_percent", tr.Memory.Max, "%")
	}
	if tr.Disk.N > 0 {
		r.Metric("disk_avg_percent", tr.Disk.Avg, "%")
		r.Metric("disk_last_percent", tr.Disk.Last, "%")
	}
	r.Series = dailyAverages(tr)
	th := ph.thresholds
	for _, f := range perf.Evaluate(tr, perf.Thresholds{CPUPercent: th.CPUPercent, MemoryPercent: th.MemoryPercent, DiskPercent: th.DiskPercent}) {
		r.Finding(f.Severity, f.Evidence, "%s", f.Message)
	}
	return r, nil
}

// dailyAverages is the week's CPU and memory use, one average per 24 h
// (oldest first, each point at the start of its 24 h), from the trend's
// own pass over the file: the trend the report charts. A day without
// samples has no point.
func dailyAverages(tr perf.TrendReport) []runbook.Series {
	cpu := runbook.Series{Name: "cpu_avg_percent", Unit: "%"}
	mem := runbook.Series{Name: "memory_avg_percent", Unit: "%"}
	for _, d := range tr.Daily {
		if d.CPUN > 0 {
			cpu.Points = append(cpu.Points, runbook.Point{At: d.Start, Value: d.CPU})
		}
		if d.MemN > 0 {
			mem.Points = append(mem.Points, runbook.Point{At: d.Start, Value: d.Memory})
		}
	}
	var out []runbook.Series
	for _, s := range []runbook.Series{cpu, mem} {
		if len(s.Points) > 0 {
			out = append(out, s)
		}
	}
	return out
}

// topProcesses lists the processes using most CPU and memory: the whole
// host's (Scope host), or, when the units name pid files, only those
// units' process trees, the installation's own.
func (ph *performancePhase) topProcesses(ctx context.Context, _ *runbook.Env) (r runbook.Result, err error) {
	if len(ph.pidFiles) == 0 {
		r.Scope = runbook.ScopeHost
		byCPU, byMem, err := perf.TopProcesses(ctx, 10, ph.topSample)
		if err != nil {
			return r, err
		}
		return procResult(r, byCPU, byMem), nil
	}
	r.Scope = scopeOf(ph.root, ph.pidFiles...)
	var roots []int32
	for _, f := range ph.pidFiles {
		pid, err := perf.ReadPidFile(f)
		if err != nil {
			r.Finding(runbook.Warning, err.Error(), "a service's processes could not be found")
			continue
		}
		roots = append(roots, pid)
	}
	byCPU, byMem, err := perf.TopProcessesOf(ctx, 10, ph.topSample, roots)
	if err != nil {
		return r, err
	}
	r.Metric("processes", float64(len(byCPU)), "count")
	return procResult(r, byCPU, byMem), nil
}

// procResult adds the two top lists to r (nothing when there is no
// process to list).
func procResult(r runbook.Result, byCPU, byMem []perf.Proc) runbook.Result {
	if len(byCPU) > 0 {
		r.Finding(runbook.Info, procTable(byCPU), "top %s by CPU", human.Count(len(byCPU), "process", "processes"))
		r.Metric("top_cpu_percent", byCPU[0].CPUPercent, "%")
	}
	if len(byMem) > 0 {
		r.Finding(runbook.Info, procTable(byMem), "top %s by memory", human.Count(len(byMem), "process", "processes"))
		r.Metric("top_rss_bytes", float64(byMem[0].RSSBytes), "bytes")
	}
	return r
}

// procTable aligns its columns on the longest process name.
func procTable(ps []perf.Proc) string {
	var b strings.Builder
	w := 4
	for _, pr := range ps {
		w = max(w, len(pr.Name))
	}
	for _, pr := range ps {
		fmt.Fprintf(&b, "%7d %-*s cpu %5s mem %5s rss %10s\n", pr.PID, w, pr.Name, human.Percent(pr.CPUPercent), human.Percent(pr.MemPercent), human.Bytes(int64(min(pr.RSSBytes, math.MaxInt64))))
	}
	return b.String()
}
