package patterns

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

// syntheticLog returns n messages drawn from a few dozen event shapes with
// numbers, addresses, ids and user names as variables, in the proportions
// of a busy service log.
func syntheticLog(n int, seed uint64) []string {
	r := rand.New(rand.NewPCG(seed, 1))
	users := []string{"alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi"}
	verbs := []string{"GET", "POST", "PUT", "DELETE"}
	forms := []func() string{
		func() string {
			return fmt.Sprintf("Accepted password for %s from 10.%d.%d.%d port %d ssh2", users[r.IntN(len(users))], r.IntN(256), r.IntN(256), r.IntN(256), 1024+r.IntN(60000))
		},
		func() string {
			return fmt.Sprintf("request %s /api/work-orders/%d completed in %.1fms status=%d", verbs[r.IntN(4)], r.IntN(99999), r.Float64()*900, 200+r.IntN(4))
		},
		func() string {
			return fmt.Sprintf("Database locked while updating work order %08x-%04x, retry %d of 5", r.Uint32(), r.IntN(65536), r.IntN(5))
		},
		func() string {
			return fmt.Sprintf("Scheduler job sync_dispensers_%d finished: %d dispensers, %d changed", r.IntN(40), r.IntN(500), r.IntN(20))
		},
		func() string {
			return fmt.Sprintf("user %s logged in from browser session %x", users[r.IntN(len(users))], r.Uint64())
		},
		func() string {
			return fmt.Sprintf("Cache miss for key=station:%d:status after %d attempts", r.IntN(1000), r.IntN(9))
		},
	}
	out := make([]string, n)
	for i := range out {
		out[i] = forms[r.IntN(len(forms))]()
	}
	return out
}

// BenchmarkMine measures Add, the streaming part of mining, per line.
func BenchmarkMine(b *testing.B) {
	msgs := syntheticLog(1<<16, 7)
	var bytes int64
	for _, m := range msgs {
		bytes += int64(len(m))
	}
	b.SetBytes(bytes / int64(len(msgs)))
	b.ReportAllocs()
	m := New(Options{})
	b.ResetTimer()
	cpu := processCPU()
	for i := 0; i < b.N; i++ {
		m.Add(msgs[i&(len(msgs)-1)])
	}
	b.StopTimer()
	reportRates(b, processCPU()-cpu)
	if len(m.Templates()) == 0 {
		b.Fatal("no templates")
	}
}

// BenchmarkMatch measures the second pass, assigning each line.
func BenchmarkMatch(b *testing.B) {
	msgs := syntheticLog(1<<16, 7)
	m := New(Options{})
	for _, s := range msgs {
		m.Add(s)
	}
	m.Templates()
	b.ReportAllocs()
	b.ResetTimer()
	cpu := processCPU()
	for i := 0; i < b.N; i++ {
		m.Match(msgs[i&(len(msgs)-1)])
	}
	b.StopTimer()
	reportRates(b, processCPU()-cpu)
}

// reportRates reports millions of lines per wall second and, where the
// platform tells CPU time, per CPU second of this process.
func reportRates(b *testing.B, cpu time.Duration) {
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds()/1e6, "Mlines/s")
	if cpu > 0 {
		b.ReportMetric(float64(b.N)/cpu.Seconds()/1e6, "Mlines/cpu-s")
	}
}
