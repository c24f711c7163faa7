package weekly

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fossawork/fossamaint/internal/backup"
)

// The latest weekly run's rollback point survives retention even when a
// later ad-hoc `db optimize` made a newer one and the first is older than
// keep_maintenance_within counts from it: `fossamaint rollback` restores
// from it. Without the pin the retention step lists it outside the policy
// (and with backups.prune on, deletes it).
func TestRetentionKeepsTheLatestRunsRollbackPoint(t *testing.T) {
	tr := newTree(t, 0)
	mgr := withExecService(t, tr, false)
	tr.cfg.Database.Vacuum = "always"
	run := func(at time.Time, opts Options) string {
		t.Helper()
		opts.ForceWindow = true
		r, err := tr.procedure(mgr, at).Execute(context.Background(), opts)
		if err != nil {
			t.Fatal(err)
		}
		return r.RollbackPoint
	}
	pointB := run(saturday, Options{Only: []string{"database"}})
	later := run(saturday.Add(40*24*time.Hour), Options{Only: []string{"database"}, Command: "db optimize"})
	if pointB == "" || later == "" || pointB == later {
		t.Fatalf("rollback points %q and %q", pointB, later)
	}
	at := saturday.Add(41 * 24 * time.Hour)
	r, err := tr.procedure(mgr, at).Execute(context.Background(), Options{Only: []string{"backups"}, ForceWindow: true})
	if err != nil {
		t.Fatal(err)
	}
	st, _ := r.Step("backups", "retention")
	for _, f := range st.Findings {
		if strings.Contains(f.Evidence, pointB) {
			t.Fatalf("the latest weekly run's rollback point %s is outside the policy: %s\n%s", pointB, f.Message, f.Evidence)
		}
	}
	// And it is still there, listed as a maintenance backup.
	list, err := backup.List(context.Background(), tr.procedure(mgr, at).in.Backups.Layout, at)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(list, func(b backup.Backup) bool { return b.Path == pointB }) {
		t.Fatalf("%s is not listed", pointB)
	}
}
