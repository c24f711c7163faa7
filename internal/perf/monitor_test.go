package perf

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// fakeSampler returns fixed figures; the n-th sample's CPU is n.
type fakeSampler struct{ n atomic.Int64 }

func (f *fakeSampler) Sample(context.Context) (Record, error) {
	n := float64(f.n.Add(1))
	return Record{
		System:  SystemRecord{CPUPercent: ptr(n), MemoryPercent: ptr(40.0), MemoryAvailableMB: ptr(900.0), DiskPercent: ptr(63.0), DiskFreeGB: ptr(88.1), NetworkSentMB: ptr(1.5), NetworkRecvMB: ptr(2.5)},
		Process: &ProcessRecord{MemoryRSSMB: 310.2, MemoryVMSMB: 900.1, CPUPercent: ptr(3.1), NumThreads: 12, OpenFiles: ptr(9)},
		Load:    &LoadRecord{Load1: 0.5, Load5: 0.4, Load15: 0.3, CPUs: 2},
	}, nil
}

func TestMonitorWritesLinesTrendsReads(t *testing.T) {
	out := filepath.Join(t.TempDir(), "metrics.jsonl")
	base := time.Date(2025, 1, 11, 14, 0, 0, 0, time.UTC)
	var i atomic.Int64
	m := &Monitor{Interval: 5 * time.Millisecond, Count: 5, Sampler: &fakeSampler{}, Out: &Appender{Path: out}, Zone: time.UTC,
		Now: func() time.Time { return base.Add(time.Duration(i.Add(1)) * time.Minute) }}
	n, err := m.Run(context.Background())
	if err != nil || n != 5 {
		t.Fatalf("Run = %d, %v; want 5 lines", n, err)
	}
	rep, err := Trends(context.Background(), out, base, base.Add(time.Hour), time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Samples != 5 || rep.Malformed != 0 || rep.CPU.Max != 5 {
		t.Fatalf("trends read %d samples (%d malformed), max CPU %v; want 5, 0, 5", rep.Samples, rep.Malformed, rep.CPU.Max)
	}
	st, _ := os.Stat(out)
	if st.Mode().Perm() != 0o600 {
		t.Errorf("new metrics file mode %v, want 0600", st.Mode().Perm())
	}
	data, _ := os.ReadFile(out)
	first := strings.SplitN(string(data), "\n", 2)[0]
	for _, key := range []string{`"timestamp":"2025-01-11T14:01:00.000000"`, `"network_sent_mb":1.5`, `"memory_vms_mb":900.1`,
		`"num_threads":12`, `"open_files":9`, `"load":{"load1":0.5`} {
		if !strings.Contains(first, key) {
			t.Errorf("line %s lacks %s", first, key)
		}
	}
	// A restart appends, never truncates.
	m.Count = 2
	if _, err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	data, _ = os.ReadFile(out)
	if got := bytes.Count(data, []byte("\n")); got != 7 {
		t.Errorf("after a restart the file has %d lines, want 7", got)
	}
}

func TestMonitorStopsCleanlyOnCancel(t *testing.T) {
	out := filepath.Join(t.TempDir(), "m.jsonl")
	ctx, cancel := context.WithCancel(context.Background())
	m := &Monitor{Interval: 2 * time.Millisecond, Sampler: &fakeSampler{}, Out: &Appender{Path: out}}
	done := make(chan error, 1)
	go func() { _, err := m.Run(ctx); done <- err }()
	time.Sleep(30 * time.Millisecond)
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run after cancel = %v, want nil (a clean stop)", err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
	data, _ := os.ReadFile(out)
	if len(data) == 0 || data[len(data)-1] != '\n' {
		t.Fatalf("file does not end with a whole line: %q", data)
	}
}

func TestMonitorRejectsZeroInterval(t *testing.T) {
	if _, err := (&Monitor{}).Run(context.Background()); err == nil {
		t.Fatal("a zero interval was accepted")
	}
}

func TestAppenderRotates(t *testing.T) {
	tests := []struct {
		name       string
		maxBytes   int64
		keep       int
		lines      int
		wantFiles  []string
		wantAbsent []string
	}{
		{"no rotation", 0, 3, 20, []string{"m"}, []string{"m.1"}},
		{"rotates keeping 2", 50, 2, 20, []string{"m", "m.1", "m.2"}, []string{"m.3"}},
		{"keep 0 means 1", 50, 0, 20, []string{"m", "m.1"}, []string{"m.2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			a := &Appender{Path: filepath.Join(dir, "m"), MaxBytes: tt.maxBytes, Keep: tt.keep}
			for i := range tt.lines {
				if err := a.Append([]byte(`{"n":` + strconv.Itoa(i) + "}\n")); err != nil {
					t.Fatal(err)
				}
			}
			for _, f := range tt.wantFiles {
				data, err := os.ReadFile(filepath.Join(dir, f))
				if err != nil {
					t.Fatalf("missing %s: %v", f, err)
				}
				if tt.maxBytes > 0 && int64(len(data)) > tt.maxBytes {
					t.Errorf("%s is %d bytes, over %d", f, len(data), tt.maxBytes)
				}
				if len(data) == 0 || data[len(data)-1] != '\n' {
					t.Errorf("%s does not end in a whole line", f)
				}
			}
			for _, f := range tt.wantAbsent {
				if _, err := os.Stat(filepath.Join(dir, f)); !errors.Is(err, os.ErrNotExist) {
					t.Errorf("%s exists: %v", f, err)
				}
			}
			last, _ := os.ReadFile(a.Path)
			if !strings.HasSuffix(string(last), `{"n":19}`+"\n") {
				t.Errorf("current file does not end with the newest line: %q", last)
			}
		})
	}
}

func TestAppenderEndsACutLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m")
	if err := os.WriteFile(path, []byte(`{"timestamp":"2025-01`), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := (&Appender{Path: path}).Append([]byte("{}\n")); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	if string(data) != `{"timestamp":"2025-01`+"\n{}\n" {
		t.Fatalf("got %q", data)
	}
}

func TestHostSamplerReadsThisProcess(t *testing.T) {
	dir := t.TempDir()
	pidFile := filepath.Join(dir, "backend.pid")
	if err := os.WriteFile(pidFile, []byte(strconv.Itoa(os.Getpid())+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	s := NewHostSampler(ctx, dir, pidFile)
	time.Sleep(20 * time.Millisecond)
	rec, err := s.Sample(ctx)
	if err != nil {
		t.Logf("partial sample: %v", err) // a container may hide a counter
	}
	if rec.System.MemoryPercent == nil || rec.System.DiskPercent == nil || rec.Process == nil || rec.Process.NumThreads == 0 {
		t.Fatalf("sample lacks figures: %+v", rec)
	}
	if rec.Process.CPUPercent == nil {
		t.Errorf("second reading of the process has no CPU percent")
	}
	os.Remove(pidFile)
	rec, err = s.Sample(ctx)
	if rec.Process != nil || err == nil || !strings.Contains(err.Error(), "pid_file") {
		t.Errorf("without the pid file: process %+v, err %v; want none and a note naming pid_file", rec.Process, err)
	}
}

// A wall-clock step (backwards an hour, then forwards a day) changes the
// timestamps only: every line is written once, stamped with the clock as
// it reads, none skipped or doubled because a stamp went backwards. The
// time bound guards the design, not today's code (Run schedules with a
// monotonic ticker and reads Now only for stamps): a scheduler that slept
// until a wall-clock instant would wait an hour after the backward step.
func TestMonitorSurvivesClockSteps(t *testing.T) {
	out := filepath.Join(t.TempDir(), "m.jsonl")
	base := time.Date(2025, 1, 11, 14, 0, 0, 0, time.UTC)
	steps := []time.Duration{0, -time.Hour, 24 * time.Hour, 24*time.Hour + time.Second}
	var i atomic.Int64
	m := &Monitor{Interval: 3 * time.Millisecond, Count: len(steps), Sampler: &fakeSampler{}, Out: &Appender{Path: out}, Zone: time.UTC,
		Now: func() time.Time { return base.Add(steps[i.Add(1)-1]) }}
	start := time.Now()
	if n, err := m.Run(context.Background()); err != nil || n != len(steps) {
		t.Fatalf("Run = %d, %v", n, err)
	}
	if el := time.Since(start); el > 2*time.Second {
		t.Errorf("took %s: the schedule followed the wall clock", el)
	}
	data, _ := os.ReadFile(out)
	got := strings.Split(strings.TrimSpace(string(data)), "\n")
	if len(got) != len(steps) || !strings.Contains(got[1], "T13:00:00") || !strings.Contains(got[2], "2025-01-12T14:00:00") {
		t.Fatalf("lines:\n%s", data)
	}
}
