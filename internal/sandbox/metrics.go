package sandbox

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"time"
)

// MetricsHours is how many hourly performance samples Generate writes.
const MetricsHours = 14 * 24

// metricsMalformed is how many damaged lines the metrics file carries.
const metricsMalformed = 2

// writeMetrics writes hourly samples ending at now's hour: a working-day
// cycle, CPU spikes above 80 % during the nightly jobs every few days, and
// memory mostly between 40 and 70 %.
func writeMetrics(ctx context.Context, logDir string, now time.Time, f *faker) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	last := now.Truncate(time.Hour)
	first := last.Add(-time.Duration(MetricsHours-1) * time.Hour)
	b := make([]byte, 0, MetricsHours*420)
	sent, recv := 1000.0, 2200.0
	for i := 0; i < MetricsHours; i++ {
		t := first.Add(time.Duration(i) * time.Hour)
		// Business hours load: peaks early afternoon.
		cycle := math.Max(0, math.Sin(float64(t.Hour()-7)/12*math.Pi))
		cpu := 8 + 30*cycle + f.float(-4, 6)
		mem := 44 + 18*cycle + f.float(-3, 4)
		if t.Hour() == 2 && i/24%3 == 1 {
			cpu = f.float(82, 97)
			mem = f.float(71, 78)
		}
		sent += 20 + 60*cycle*f.float(0.5, 1.5)
		recv += 40 + 120*cycle*f.float(0.5, 1.5)
		disk := 61 + 3*float64(i)/MetricsHours
		b = fmt.Appendf(b, `{"timestamp": "%s", "system": {"cpu_percent": %.1f, "memory_percent": %.1f, `+
			`"memory_available_mb": %.1f, "disk_percent": %.1f, "disk_free_gb": %.1f, "network_sent_mb": %.1f, `+
			`"network_recv_mb": %.1f}, "process": {"memory_rss_mb": %.1f, "memory_vms_mb": %.1f, `+
			`"cpu_percent": %.1f, "num_threads": %d, "open_files": %d}}`+"\n",
			t.Format("2006-01-02T15:04:05"), cpu, mem, 16384*(100-mem)/100, disk, 240*(100-disk)/100,
			sent, recv, 280+90*cycle+f.float(0, 20), 900+f.float(0, 60), cpu/6, 12+f.between(0, 6), 9+f.between(0, 8))
		switch i {
		case 100:
			b = fmt.Appendf(b, `{"timestamp": "%s", "system": {"cpu_percent": 1`+"\n", t.Format("2006-01-02T15:04:05"))
		case 250:
			b = append(b, "psutil.AccessDenied: (pid=4242, name='uvicorn')\n"...)
		}
	}
	path := filepath.Join(logDir, "performance", "performance-metrics.jsonl")
	return writeFileTimes(path, b, 0o600, last)
}
