package perf

import (
	"context"
	"os"
	"runtime"
	"slices"
	"sync/atomic"
	"testing"
	"time"
)

func TestTopProcessesFindsItself(t *testing.T) {
	var stop atomic.Bool
	done := make(chan struct{})
	go func() { // burn CPU for the whole sampling interval
		defer close(done)
		for x := 0; !stop.Load(); x++ {
			_ = x * x
		}
	}()
	byCPU, byMem, err := TopProcesses(context.Background(), 1<<20, 300*time.Millisecond)
	stop.Store(true)
	<-done
	if err != nil {
		t.Fatal(err)
	}
	self := int32(os.Getpid())
	i := slices.IndexFunc(byCPU, func(p Proc) bool { return p.PID == self })
	if i < 0 {
		t.Fatalf("test process %d not among %d processes", self, len(byCPU))
	}
	me := byCPU[i]
	if me.CPUPercent <= 0 || me.RSSBytes == 0 || me.MemPercent <= 0 || me.Name == "" || me.Cmdline == "" {
		t.Errorf("self = %+v; want CPU, RSS, name and command line", me)
	}
	if runtime.GOOS != "windows" && me.User == "" {
		t.Errorf("self has no user: %+v", me)
	}
	if !slices.IsSortedFunc(byCPU, func(a, b Proc) int { return cmpDesc(a.CPUPercent, b.CPUPercent) }) {
		t.Error("byCPU not sorted by CPU descending")
	}
	if !slices.IsSortedFunc(byMem, func(a, b Proc) int { return cmpDesc(float64(a.RSSBytes), float64(b.RSSBytes)) }) {
		t.Error("byMem not sorted by RSS descending")
	}
}

func cmpDesc(a, b float64) int {
	switch {
	case a > b:
		return -1
	case a < b:
		return 1
	}
	return 0
}

func TestTopProcessesLimitsAndCancel(t *testing.T) {
	byCPU, byMem, err := TopProcesses(context.Background(), 1, 10*time.Millisecond)
	if err != nil || len(byCPU) != 1 || len(byMem) != 1 {
		t.Fatalf("n=1: %d, %d, %v", len(byCPU), len(byMem), err)
	}
	if a, b, err := TopProcesses(context.Background(), 0, time.Second); a != nil || b != nil || err != nil {
		t.Fatalf("n=0 should do nothing: %v %v %v", a, b, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, _, err := TopProcesses(ctx, 5, time.Hour); err == nil {
		t.Fatal("a cancelled sample must return the context error, not wait an hour")
	}
}

func TestRedactCmdline(t *testing.T) {
	tests := []struct {
		name string
		args []string
		max  int
		want string
	}{
		{"plain", []string{"uvicorn", "app.main:app", "--port", "8000"}, 200, "uvicorn app.main:app --port 8000"},
		{"password flag value", []string{"mysql", "--password=hunter2", "-u", "root"}, 200, "mysql --password=[REDACTED] -u root"},
		{"password next arg", []string{"tool", "--password", "hunter2", "--verbose"}, 200, "tool --password [REDACTED] --verbose"},
		{"flag then flag", []string{"tool", "--token", "--verbose"}, 200, "tool --token --verbose"},
		{"token assignment", []string{"curl", "https://x/api?a=1", "token=abc123"}, 200, "curl https://x/api?a=1 token=[REDACTED]"},
		{"env style", []string{"env", "API_KEY=s3cr3t", "SECRET_KEY=x", "HOME=/root"}, 200, "env API_KEY=[REDACTED] SECRET_KEY=[REDACTED] HOME=/root"},
		{"header", []string{"curl", "-H", "Authorization: Bearer abc.def"}, 200, "curl -H Authorization: [REDACTED]"},
		{"url credentials", []string{"psql", "postgresql://fossa:pa55@db:5432/fossawork"}, 200, "psql postgresql://fossa:[REDACTED]@db:5432/fossawork"},
		{"url in assignment", []string{"DATABASE_URL=postgresql://u:p@h/db"}, 200, "DATABASE_URL=postgresql://u:[REDACTED]@h/db"},
		{"truncated after redaction", []string{"x", "--password=averyveryverylongsecret"}, 17, "x --password=[RED…"},
		{"truncated on rune", []string{"héhé"}, 2, "h…"},
		{"empty", nil, 200, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := RedactCmdline(tt.args, tt.max); got != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}
