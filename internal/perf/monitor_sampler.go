package perf

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/shirou/gopsutil/v4/cpu"
	"github.com/shirou/gopsutil/v4/disk"
	"github.com/shirou/gopsutil/v4/load"
	"github.com/shirou/gopsutil/v4/mem"
	"github.com/shirou/gopsutil/v4/net"
	"github.com/shirou/gopsutil/v4/process"
)

const mib = 1 << 20

// HostSampler reads the host's figures with gopsutil, and the backend
// process's when PidFile is set. CPU percentages are over the time since
// the previous Sample (the first over the time since Prime), as psutil's
// cpu_percent(interval=None) does.
type HostSampler struct {
	DiskPath string // the file system whose usage is written ("/" when empty)
	PidFile  string // the backend's pid file; "" leaves "process" out

	now      func() time.Time
	lastCPU  cpu.TimesStat
	hasCPU   bool
	proc     *process.Process
	procCPU  float64 // user+system seconds at procAt
	procAt   time.Time
	procSeen bool
}

// NewHostSampler returns a sampler primed for the first CPU reading.
func NewHostSampler(ctx context.Context, diskPath, pidFile string) *HostSampler {
	s := &HostSampler{DiskPath: diskPath, PidFile: pidFile, now: time.Now}
	s.prime(ctx)
	return s
}

func (s *HostSampler) prime(ctx context.Context) {
	if t, err := cpu.TimesWithContext(ctx, false); err == nil && len(t) == 1 {
		s.lastCPU, s.hasCPU = t[0], true
	}
	_, _ = s.process(ctx)
}

// Sample reads every figure it can; the error joins what it could not.
func (s *HostSampler) Sample(ctx context.Context) (Record, error) {
	var rec Record
	var errs []error
	if p, err := s.cpuPercent(ctx); err != nil {
		errs = append(errs, err)
	} else {
		rec.System.CPUPercent = &p
	}
	if vm, err := mem.VirtualMemoryWithContext(ctx); err != nil {
		errs = append(errs, fmt.Errorf("memory: %w", err))
	} else {
		rec.System.MemoryPercent = ptr(round2(vm.UsedPercent))
		rec.System.MemoryAvailableMB = ptr(round2(float64(vm.Available) / mib))
	}
	path := s.DiskPath
	if path == "" {
		path = "/"
	}
	if du, err := disk.UsageWithContext(ctx, path); err != nil {
		errs = append(errs, fmt.Errorf("disk %s: %w", path, err))
	} else {
		rec.System.DiskPercent = ptr(round2(du.UsedPercent))
		rec.System.DiskFreeGB = ptr(round2(float64(du.Free) / (1 << 30)))
	}
	if io, err := net.IOCountersWithContext(ctx, false); err != nil || len(io) != 1 {
		errs = append(errs, fmt.Errorf("network counters: %v", err))
	} else {
		rec.System.NetworkSentMB = ptr(round2(float64(io[0].BytesSent) / mib))
		rec.System.NetworkRecvMB = ptr(round2(float64(io[0].BytesRecv) / mib))
	}
	if avg, err := load.AvgWithContext(ctx); err != nil {
		errs = append(errs, fmt.Errorf("load: %w", err))
	} else {
		rec.Load = &LoadRecord{Load1: avg.Load1, Load5: avg.Load5, Load15: avg.Load15, CPUs: runtime.NumCPU()}
	}
	if s.PidFile != "" {
		pr, err := s.process(ctx)
		if err != nil {
			errs = append(errs, err)
		}
		rec.Process = pr
	}
	return rec, errors.Join(errs...)
}

func (s *HostSampler) cpuPercent(ctx context.Context) (float64, error) {
	t, err := cpu.TimesWithContext(ctx, false)
	if err != nil || len(t) != 1 {
		return 0, fmt.Errorf("cpu times: %v", err)
	}
	prev, cur := s.lastCPU, t[0]
	had := s.hasCPU
	s.lastCPU, s.hasCPU = cur, true
	if !had {
		return 0, errors.New("cpu: no earlier reading to compare with")
	}
	busy := func(c cpu.TimesStat) (busy, total float64) {
		idle := c.Idle + c.Iowait
		total = c.User + c.System + c.Nice + c.Irq + c.Softirq + c.Steal + idle
		return total - idle, total
	}
	b0, t0 := busy(prev)
	b1, t1 := busy(cur)
	if t1 <= t0 {
		return 0, nil
	}
	return round2(clampPercent((b1 - b0) / (t1 - t0) * 100)), nil
}

// process reads the backend process named by the pid file. A pid that
// changed (a restart) starts its CPU reading afresh.
func (s *HostSampler) process(ctx context.Context) (*ProcessRecord, error) {
	if s.PidFile == "" {
		return nil, nil
	}
	pid, err := ReadPidFile(s.PidFile)
	if err != nil {
		s.proc = nil
		return nil, err
	}
	if s.proc == nil || s.proc.Pid != pid {
		p, err := process.NewProcessWithContext(ctx, pid)
		if err != nil {
			s.proc = nil
			return nil, fmt.Errorf("backend process %d (pid file %s): %w", pid, s.PidFile, err)
		}
		s.proc, s.procSeen = p, false
	}
	return s.readProcess(ctx)
}

func (s *HostSampler) readProcess(ctx context.Context) (*ProcessRecord, error) {
	p := s.proc
	mi, err := p.MemoryInfoWithContext(ctx)
	if err != nil {
		s.proc = nil
		return nil, fmt.Errorf("backend process %d: %w", p.Pid, err)
	}
	pr := &ProcessRecord{MemoryRSSMB: round2(float64(mi.RSS) / mib), MemoryVMSMB: round2(float64(mi.VMS) / mib)}
	pr.NumThreads, _ = p.NumThreadsWithContext(ctx)
	if files, err := p.OpenFilesWithContext(ctx); err == nil {
		n := 0
		for _, f := range files {
			if strings.HasPrefix(f.Path, "/") { // regular files, as psutil's open_files
				n++
			}
		}
		pr.OpenFiles = &n
	}
	if t, err := p.TimesWithContext(ctx); err == nil {
		at, used := s.now(), t.User+t.System
		if s.procSeen && at.After(s.procAt) {
			pr.CPUPercent = ptr(round2(max(0, (used-s.procCPU)/at.Sub(s.procAt).Seconds()*100)))
		}
		s.procCPU, s.procAt, s.procSeen = used, at, true
	}
	return pr, nil
}

// ReadPidFile reads a service's pid file (services.units[].pid_file): one
// positive decimal number, blanks around it allowed.
func ReadPidFile(path string) (int32, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, fmt.Errorf("pid file %s does not exist: is the service running? (services.units[].pid_file)", path)
	}
	if err != nil {
		return 0, fmt.Errorf("reading pid file %s: %w", path, err)
	}
	n, err := strconv.ParseInt(strings.TrimSpace(string(data)), 10, 32)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("pid file %s holds %q, not a process id", path, truncate(strings.TrimSpace(string(data)), 40))
	}
	return int32(n), nil
}

func ptr[T any](v T) *T { return &v }

func round2(x float64) float64 { return float64(int64(x*100+0.5)) / 100 }

func clampPercent(x float64) float64 { return min(max(x, 0), 100) }
