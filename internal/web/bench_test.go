package web

import (
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
)

// BenchmarkPages measures the server time of each page over a history of
// 500 weekly runs (the issue asks for under 100 ms). The history is
// planted once, on /dev/shm when there is one (planting 500 runs through
// the journal fsyncs some 12,000 times).
//
//	go test ./internal/web -run '^$' -bench Pages -benchtime 50x
func BenchmarkPages(b *testing.B) {
	root := b.TempDir()
	if d, err := os.MkdirTemp("/dev/shm", "fossamaint-bench-"); err == nil {
		root = d
		b.Cleanup(func() { os.RemoveAll(d) })
	}
	f := newFixture(b, root, 500, afterRuns(500))
	h := f.s.Handler()
	for _, path := range []string{"/", "/?status=warn&q=2030", "/?command=all", "/runs/" + f.ids[499], "/runs/" + f.ids[0], "/backups", "/now"} {
		b.Run(path, func(b *testing.B) {
			for b.Loop() {
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
				if rec.Code != http.StatusOK {
					b.Fatalf("GET %s: %d", path, rec.Code)
				}
			}
		})
	}
}
