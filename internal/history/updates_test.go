package history

import (
	"context"
	"slices"
	"testing"
	"time"
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
