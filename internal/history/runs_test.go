package history_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fossawork/fossamaint/internal/history"
	"github.com/fossawork/fossamaint/internal/runbook"
	"github.com/fossawork/fossamaint/internal/testkit"
)

var plantStart = time.Date(2026, 9, 5, 2, 0, 0, 0, time.UTC)

func openStore(t *testing.T, dir string) *history.Store {
	t.Helper()
	s, err := history.Open(context.Background(), dir, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestRunsSummaryAndFilters(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	ids := testkit.PlantRuns(t, dir, 8, plantStart)
	s := openStore(t, dir)
	single := &runbook.Run{RunID: "single-prune", Command: runbook.CommandPrune, StartedAt: plantStart.AddDate(0, 2, 0), Status: runbook.RunOK}
	if err := s.RunFinished(ctx, single); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		f    history.RunFilter
		want []string
	}{
		{"weekly runs newest first", history.RunFilter{}, []string{ids[7], ids[6], ids[5], ids[4], ids[3], ids[2], ids[1], ids[0]}},
		{"all commands", history.RunFilter{All: true, Limit: 2}, []string{"single-prune", ids[7]}},
		{"failed", history.RunFilter{Status: "fail"}, []string{ids[3]}},
		{"warn", history.RunFilter{Status: "warn"}, []string{ids[5], ids[1]}},
		{"id search, any case", history.RunFilter{Query: strings.ToLower(ids[2][:15])}, []string{ids[2]}},
		{"nothing", history.RunFilter{Query: "zzz"}, []string{}},
		{"second page", history.RunFilter{Limit: 3, Offset: 3}, []string{ids[4], ids[3], ids[2]}},
	}
	for _, tt := range tests {
		rows, err := s.Runs(ctx, tt.f)
		if err != nil {
			t.Fatal(err)
		}
		got := []string{}
		for _, r := range rows {
			got = append(got, r.ID)
		}
		if strings.Join(got, " ") != strings.Join(tt.want, " ") {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}
	for f, want := range map[history.RunFilter]int{{}: 8, {All: true}: 9, {Status: "warn", Limit: 1}: 2, {Query: "nope"}: 0} {
		if n, err := s.CountRuns(ctx, f); err != nil || n != want {
			t.Errorf("CountRuns(%+v) = %d, %v; want %d", f, n, err, want)
		}
	}
	rows, _ := s.Runs(ctx, history.RunFilter{Status: "fail"})
	r := rows[0]
	if r.Critical != 1 || r.Warning != 0 || r.Info != 0 || r.Downtime != 21 || r.Duration() != 141*time.Second {
		t.Errorf("failed run's summary: %+v (took %s)", r, r.Duration())
	}
}

// A history written before the summary columns: the first read-write
// open fills them; a read-only reader of one without them decodes.
func TestRunsBackfillAndOlderHistory(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	testkit.PlantRuns(t, dir, 4, plantStart)
	want := summaries(t, openStore(t, dir))
	testkit.Exec(t, filepath.Join(dir, "history.db"), `UPDATE runs SET summarised = 0, findings_critical = 0, findings_warning = 0, findings_info = 0, downtime_seconds = 0`)
	if got := summaries(t, openStore(t, dir)); got != want {
		t.Errorf("after backfill:\n%s\nwant\n%s", got, want)
	}

	old := t.TempDir()
	testkit.Exec(t, filepath.Join(old, "history.db"), `CREATE TABLE runs (id TEXT PRIMARY KEY, started_at TEXT NOT NULL, finished_at TEXT,
		status TEXT NOT NULL, dry_run INTEGER NOT NULL, report TEXT NOT NULL, command TEXT NOT NULL DEFAULT 'weekly');
		ATTACH '`+filepath.Join(dir, "history.db")+`' AS planted;
		INSERT INTO runs SELECT id, started_at, finished_at, status, dry_run, report, command FROM planted.runs`)
	ro, err := history.OpenDashboard(ctx, old, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	if got := summaries(t, ro); got != want {
		t.Errorf("older history read-only:\n%s\nwant\n%s", got, want)
	}
}

func summaries(t *testing.T, s *history.Store) string {
	t.Helper()
	rows, err := s.Runs(context.Background(), history.RunFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, r := range rows {
		b.WriteString(r.ID + " " + r.Status + " " + r.Duration().String())
		b.WriteString(" " + time.Duration(r.Downtime*float64(time.Second)).String())
		b.WriteString(" " + strings.Repeat("C", r.Critical) + strings.Repeat("W", r.Warning) + strings.Repeat("I", r.Info) + "\n")
	}
	return b.String()
}

// The dashboard's reader sees what a writer commits after it opened,
// including into a history that was closed cleanly (no -wal file: the
// case OpenReadOnly reads as immutable).
func TestOpenDashboardFollowsTheWriter(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	if s, err := history.OpenDashboard(ctx, dir, time.Now); s != nil || err != nil {
		t.Fatalf("no history yet: %v, %v", s, err)
	}
	testkit.PlantRuns(t, dir, 1, plantStart) // written and closed
	ro, err := history.OpenDashboard(ctx, dir, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	count := func() int {
		rows, err := ro.Runs(ctx, history.RunFilter{})
		if err != nil {
			t.Fatal(err)
		}
		return len(rows)
	}
	if n := count(); n != 1 {
		t.Fatalf("%d runs, want 1", n)
	}
	var clock time.Time
	w, err := history.Open(ctx, dir, func() time.Time { return clock })
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	live := testkit.PlantedRun(1, plantStart.AddDate(0, 0, 7), filepath.Dir(dir))
	if err := w.RunStarted(ctx, &runbook.Run{RunID: live.RunID, Command: runbook.CommandWeekly, StartedAt: live.StartedAt, Status: runbook.RunRunning}); err != nil {
		t.Fatal(err)
	}
	clock = live.StartedAt
	if err := w.StepStarted(ctx, live.RunID, "preflight", "disk-space", runbook.ReadOnly); err != nil {
		t.Fatal(err)
	}
	if n := count(); n != 2 {
		t.Fatalf("%d runs after the writer's, want 2", n)
	}
	lr, ok, err := ro.LiveRun(ctx, plantStart)
	if err != nil || !ok || lr.ID != live.RunID {
		t.Fatalf("live run %+v %v %v", lr, ok, err)
	}
	if _, ok, _ := ro.LiveRun(ctx, live.StartedAt.Add(time.Hour)); ok {
		t.Error("a run started before since is not live")
	}
	steps, err := ro.Steps(ctx, live.RunID)
	if err != nil || len(steps) != 1 || steps[0].Status != "running" || !steps[0].FinishedAt.IsZero() {
		t.Fatalf("steps %+v %v", steps, err)
	}
}

func TestVerifications(t *testing.T) {
	dir := t.TempDir()
	ids := testkit.PlantRuns(t, dir, 5, plantStart)
	s := openStore(t, dir)
	vs, err := s.Verifications(context.Background(), 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(vs) != 3 || vs[0].RunID != ids[4] || vs[1].RunID != ids[3] || vs[1].Severity != "critical" || vs[0].Severity != "info" {
		t.Fatalf("verifications %+v", vs)
	}
	if !strings.Contains(vs[1].Message, testkit.PlantedBackup(filepath.Dir(dir), plantStart.AddDate(0, 0, 7*3))) || vs[1].At.IsZero() {
		t.Errorf("verification %+v does not name its backup", vs[1])
	}
}
