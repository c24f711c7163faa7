package history

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/fossawork/fossamaint/internal/runbook"
)

func TestNotificationsAndDowntimes(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	fri := time.Date(2026, 11, 27, 2, 0, 0, 0, time.UTC)
	s, err := Open(ctx, dir, func() time.Time { return fri })
	if err != nil {
		t.Fatal(err)
	}
	// Before any notification the table does not exist: none, no error.
	if _, ok, err := s.LastNotification(ctx, "notice", fri.Add(-time.Hour), fri); ok || err != nil {
		t.Fatalf("empty history: ok=%v err=%v", ok, err)
	}
	must(t, s.RecordNotification(ctx, Notification{At: fri.Add(-7 * 24 * time.Hour), Event: "notice", Destinations: 1, Delivered: 1}))
	must(t, s.RecordNotification(ctx, Notification{At: fri, Event: "notice", WindowStart: fri.Add(24 * time.Hour),
		Destinations: 2, Delivered: 1, Failures: []string{"smtp://mail:25: refused", "second"}}))
	must(t, s.RecordNotification(ctx, Notification{At: fri.Add(time.Hour), Event: "started", RunID: "r1", Destinations: 1}))
	for _, tc := range []struct {
		name     string
		from, to time.Time
		want     bool
		wantAt   time.Time
	}{
		{"the newest in range", fri.Add(-24 * time.Hour), fri.Add(48 * time.Hour), true, fri},
		{"an older one", fri.Add(-8 * 24 * time.Hour), fri.Add(-time.Hour), true, fri.Add(-7 * 24 * time.Hour)},
		{"none in range", fri.Add(time.Minute), fri.Add(48 * time.Hour), false, time.Time{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n, ok, err := s.LastNotification(ctx, "notice", tc.from, tc.to)
			if err != nil || ok != tc.want || !n.At.Equal(tc.wantAt) {
				t.Fatalf("got %+v ok=%v err=%v", n, ok, err)
			}
		})
	}
	n, _, _ := s.LastNotification(ctx, "notice", fri, fri)
	if !n.WindowStart.Equal(fri.Add(24*time.Hour)) || n.Delivered != 1 || len(n.Failures) != 2 {
		t.Errorf("round trip: %+v", n)
	}

	// Downtimes: finished weekly real runs only, newest first.
	for i, r := range []struct {
		id      string
		cmd     string
		dry     bool
		down    float64
		running bool
	}{{"a", "weekly", false, 4, false}, {"b", "weekly", false, 9, false}, {"c", "db optimize", false, 50, false},
		{"d", "weekly", true, 70, false}, {"e", "weekly", false, 80, true}} {
		run := &runbook.Run{RunID: r.id, Command: r.cmd, DryRun: r.dry, DowntimeSeconds: r.down,
			StartedAt: fri.Add(time.Duration(i) * time.Hour), Status: runbook.RunOK}
		if r.running {
			run.Status = runbook.RunRunning
		} else {
			run.FinishedAt = run.StartedAt.Add(time.Minute)
		}
		must(t, s.RunFinished(ctx, run))
	}
	got, err := s.RecentDowntimes(ctx, 10)
	if err != nil || !slices.Equal(got, []float64{9, 4}) {
		t.Errorf("RecentDowntimes = %v, %v; want [9 4]", got, err)
	}
	s.Close()

	// A dry run reads the history read-only: the notice is still found.
	ro, err := OpenReadOnly(ctx, dir, func() time.Time { return fri })
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	if _, ok, err := ro.LastNotification(ctx, "notice", fri, fri); !ok || err != nil {
		t.Errorf("read-only: ok=%v err=%v", ok, err)
	}
}
