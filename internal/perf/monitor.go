package perf

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// DefaultMonitorInterval is the upstream sampler's cadence.
const DefaultMonitorInterval = Cadence

// firstSampleDelay bounds the wait before the first line: the CPU
// percentages need two readings, and an operator who starts the monitor
// with the hourly default must not wait an hour to see it works.
const firstSampleDelay = time.Second

// Record is one metrics line in upstream's shape
// (logs/performance/performance-metrics.jsonl). A measurement the sampler
// could not read is left out (nil), never written as 0. Load is an extra
// object upstream readers ignore.
type Record struct {
	Timestamp string         `json:"timestamp"`
	System    SystemRecord   `json:"system"`
	Process   *ProcessRecord `json:"process,omitempty"`
	Load      *LoadRecord    `json:"load,omitempty"`
}

// SystemRecord is upstream's "system" object.
type SystemRecord struct {
	CPUPercent        *float64 `json:"cpu_percent,omitempty"`
	MemoryPercent     *float64 `json:"memory_percent,omitempty"`
	MemoryAvailableMB *float64 `json:"memory_available_mb,omitempty"`
	DiskPercent       *float64 `json:"disk_percent,omitempty"`
	DiskFreeGB        *float64 `json:"disk_free_gb,omitempty"`
	NetworkSentMB     *float64 `json:"network_sent_mb,omitempty"`
	NetworkRecvMB     *float64 `json:"network_recv_mb,omitempty"`
}

// ProcessRecord is upstream's "process" object: the backend process.
type ProcessRecord struct {
	MemoryRSSMB float64  `json:"memory_rss_mb"`
	MemoryVMSMB float64  `json:"memory_vms_mb"`
	CPUPercent  *float64 `json:"cpu_percent,omitempty"`
	NumThreads  int32    `json:"num_threads"`
	OpenFiles   *int     `json:"open_files,omitempty"`
}

// LoadRecord holds the load averages and the CPU count they divide by.
type LoadRecord struct {
	Load1  float64 `json:"load1"`
	Load5  float64 `json:"load5"`
	Load15 float64 `json:"load15"`
	CPUs   int     `json:"cpus"`
}

// Sampler reads one Record; the monitor stamps its time.
type Sampler interface {
	Sample(ctx context.Context) (Record, error)
}

// Monitor writes one Record every Interval to Out until ctx ends or Count
// lines are written (0: no limit).
type Monitor struct {
	Interval time.Duration
	Count    int
	Sampler  Sampler
	Out      *Appender
	// Now stamps the lines (the wall clock); the schedule itself runs on
	// a monotonic ticker, so a clock step neither bunches nor skips lines.
	Now func() time.Time
	// Zone is the zone of the naive timestamps (the installation's, which
	// the readers are given too); nil is time.Local.
	Zone *time.Location
	// Note receives what the operator should know (a sample that failed,
	// a missing process); nil drops it.
	Note func(string)
}

// Run samples and appends until ctx is cancelled (a clean stop: nil) or
// Count lines are written. A line is written whole or not at all.
func (m *Monitor) Run(ctx context.Context) (written int, err error) {
	if m.Interval <= 0 {
		return 0, fmt.Errorf("monitor interval %s: give a positive --interval such as 1h", m.Interval)
	}
	now := m.Now
	if now == nil {
		now = time.Now
	}
	first := time.NewTimer(min(m.Interval, firstSampleDelay))
	defer first.Stop()
	var tick <-chan time.Time
	for m.Count <= 0 || written < m.Count {
		select {
		case <-ctx.Done():
			return written, nil
		case <-first.C:
			t := time.NewTicker(m.Interval)
			defer t.Stop()
			tick = t.C
		case <-tick:
		}
		if err := m.once(ctx, now()); err != nil {
			return written, err
		}
		written++
	}
	return written, nil
}

func (m *Monitor) once(ctx context.Context, at time.Time) error {
	rec, err := m.Sampler.Sample(ctx)
	if err != nil {
		m.note("incomplete sample (what could be read is written): " + err.Error())
	}
	rec.Timestamp = FormatTimestamp(at, m.Zone)
	line, err := json.Marshal(rec)
	if err != nil {
		return fmt.Errorf("encoding a metrics line: %w", err)
	}
	if err := m.Out.Append(append(line, '\n')); err != nil {
		return err
	}
	return nil
}

func (m *Monitor) note(s string) {
	if m.Note != nil {
		m.Note(s)
	}
}

// FormatTimestamp writes t in zone (time.Local when nil) as upstream's
// datetime.now().isoformat(): naive, with microseconds. A zone offset would
// be more exact, but upstream's Python compares these with naive
// datetimes, which fails on an aware one; fossamaint's readers are given
// the installation's zone instead.
func FormatTimestamp(t time.Time, zone *time.Location) string {
	if zone == nil {
		zone = time.Local
	}
	return t.In(zone).Format("2006-01-02T15:04:05.000000")
}
