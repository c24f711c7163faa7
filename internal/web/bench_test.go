package web_test

import (
	"net/http"
	"net/http/httptest"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/fossawork/fossamaint/internal/web"
)

// benchRuns is the history size the pages must stay fast with: ten years
// of weekly runs.
const benchRuns = 500

// BenchmarkPages measures each page's server time (the handler, security
// headers included, writing into a recorder: no network, no browser) over
// a history of benchRuns weekly runs planted through the journal
// (testkit.PlantRuns) and a few backups. The target is under 100 ms a
// page (issue 15); cpu-ms/op is the CPU time the process spent a page,
// which a busy machine does not inflate as it does ns/op; bench/README.md ("Dashboard") has the figures. The
// history is planted once, on /dev/shm when there is one (500 runs
// through the journal fsync some 13,000 times: 25 s on this machine's
// disk):
//
//	go test ./internal/web -run '^$' -bench Pages -benchtime 50x
func BenchmarkPages(b *testing.B) {
	dir := ""
	if d, err := os.MkdirTemp("/dev/shm", "fossamaint-bench-"); err == nil {
		dir = d
		b.Cleanup(func() { os.RemoveAll(d) })
	}
	d := plantDash(b, dir, benchRuns, time.Now().Truncate(time.Second))
	d.plantBackups(b)
	h := d.server(b, web.Options{}).Handler()
	for _, p := range []struct{ name, path string }{
		{"runs", "/"},
		{"runs-filtered", "/?status=warn&q=2026"},
		{"runs-all", "/?command=all"},
		{"run-newest", "/runs/" + d.runs[0].RunID},
		{"run-oldest", "/runs/" + d.runs[benchRuns-1].RunID},
		{"trends", "/trends"},
		{"trends-52", "/trends?weeks=52"},
		{"trends-260", "/trends?weeks=260"},
		{"backups", "/backups"},
		{"now", "/now"},
	} {
		b.Run(p.name, func(b *testing.B) {
			var size int
			cpu0 := cpuTime(b)
			for b.Loop() {
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, p.path, nil))
				if rec.Code != http.StatusOK {
					b.Fatalf("GET %s: %d\n%s", p.path, rec.Code, rec.Body.String())
				}
				size = rec.Body.Len()
			}
			b.ReportMetric(float64(size), "bytes/page")
			b.ReportMetric(float64(cpuTime(b)-cpu0)/float64(b.N)/1e6, "cpu-ms/op")
		})
	}
}

// cpuTime is the CPU time (user and system) the process has used: on a
// machine shared with other work, ns/op (wall time) grows with the load
// while cpu-ms/op stays the server's own work (the recorder's too, and
// the garbage collector's).
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
