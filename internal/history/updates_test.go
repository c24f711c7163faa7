package history

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/fossawork/fossamaint/internal/runbook"
)

func TestUpdateChangesRoundTrip(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, err := Open(ctx, dir, func() time.Time { return time.Date(2026, 12, 5, 2, 0, 0, 0, time.UTC) })
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	// A history without the table holds none.
	if got, err := s.UpdateChanges(ctx, "r1"); err != nil || got != nil {
		t.Fatalf("before any change: %v, %v", got, err)
	}
	want := []UpdateChange{
		{RunID: "r1", Manager: "pip", Package: "requests", From: "2.31.0", To: "2.32.3"},
		{RunID: "r1", Manager: "apt", Package: "openssl", From: "3.0.14-1", To: "3.0.15-1"},
	}
	if err := s.RecordUpdateChanges(ctx, append(want, UpdateChange{RunID: "r2", Manager: "npm", Package: "vite", From: "5.0.0", To: "5.0.1"})); err != nil {
		t.Fatal(err)
	}
	got, err := s.UpdateChanges(ctx, "r1")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("got %+v, want %+v", got, want)
	}
	if err := s.RecordUpdateChanges(ctx, nil); err != nil {
		t.Fatal(err)
	}
}

func TestRecentUpdateChanges(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, t.TempDir(), time.Now)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if got, err := s.RecentUpdateChanges(ctx, ChangeFilter{}); err != nil || got == nil || len(got) != 0 {
		t.Fatalf("no table: %v, %v; want an empty list", got, err)
	}
	day := time.Date(2026, 11, 28, 2, 0, 0, 0, time.UTC)
	for i, id := range []string{"older", "newer"} {
		run := &runbook.Run{RunID: id, Command: runbook.CommandWeekly, StartedAt: day.AddDate(0, 0, 7*i), Status: runbook.RunOK}
		if err := s.RunStarted(ctx, run); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.RecordUpdateChanges(ctx, []UpdateChange{
		{RunID: "older", Manager: "pip", Package: "uvicorn", From: "0.25.0", To: "0.27.1"},
		{RunID: "newer", Manager: "pip", Package: "fastapi", From: "0.109.0", To: "0.110.0"},
		{RunID: "newer", Manager: "pip", Package: "fastapi", From: "0.110.0", To: "0.109.0"},
		{RunID: "newer", Manager: "npm", Package: "uvicorn", From: "1.0.0", To: "1.1.0"},
	}); err != nil {
		t.Fatal(err)
	}
	line := func(cs []RecordedChange) []string {
		var out []string
		for _, c := range cs {
			out = append(out, fmt.Sprintf("%s %s %s %s %s->%s", c.At.Format(time.DateOnly), c.RunID, c.Manager, c.Package, c.From, c.To))
		}
		return out
	}
	for _, tt := range []struct {
		name string
		f    ChangeFilter
		want []string
	}{
		{"all, newest run first, in order within a run", ChangeFilter{}, []string{
			"2026-12-05 newer pip fastapi 0.109.0->0.110.0", "2026-12-05 newer pip fastapi 0.110.0->0.109.0",
			"2026-12-05 newer npm uvicorn 1.0.0->1.1.0", "2026-11-28 older pip uvicorn 0.25.0->0.27.1"}},
		{"one package, any manager", ChangeFilter{Package: "uvicorn"}, []string{
			"2026-12-05 newer npm uvicorn 1.0.0->1.1.0", "2026-11-28 older pip uvicorn 0.25.0->0.27.1"}},
		{"limit", ChangeFilter{Limit: 1}, []string{"2026-12-05 newer pip fastapi 0.109.0->0.110.0"}},
		{"unknown package", ChangeFilter{Package: "nope"}, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.RecentUpdateChanges(ctx, tt.f)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(line(got), tt.want) {
				t.Errorf("got %q, want %q", line(got), tt.want)
			}
		})
	}
}
