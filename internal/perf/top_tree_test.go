package perf

import (
	"context"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"testing"
	"time"
)

// TestTopProcessesOf: only the trees under the roots are listed, the
// children included; the rest of the host is not.
func TestTopProcessesOf(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("uses sleep(1)")
	}
	child := exec.Command("sleep", "30")
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = child.Process.Kill(); _ = child.Wait() })
	self, kid := int32(os.Getpid()), int32(child.Process.Pid)
	pids := func(ps []Proc) []int32 {
		var out []int32
		for _, p := range ps {
			out = append(out, p.PID)
		}
		slices.Sort(out)
		return out
	}
	tests := []struct {
		name  string
		roots []int32
		want  []int32
	}{
		{"self and its child", []int32{self}, []int32{self, kid}},
		{"the child alone", []int32{kid}, []int32{kid}},
		{"a root that is not running", []int32{1 << 30}, nil},
		{"no roots", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			byCPU, byMem, err := TopProcessesOf(context.Background(), 100, 10*time.Millisecond, tt.roots)
			if err != nil {
				t.Fatal(err)
			}
			want := slices.Clone(tt.want)
			slices.Sort(want)
			if got := pids(byCPU); !slices.Equal(got, want) {
				t.Errorf("by CPU: pids %v, want %v", got, want)
			}
			if got := pids(byMem); !slices.Equal(got, want) {
				t.Errorf("by memory: pids %v, want %v", got, want)
			}
		})
	}
}
