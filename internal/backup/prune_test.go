package backup

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fossawork/fossamaint/internal/human"
)

func TestPlanPrunePerKind(t *testing.T) {
	now := time.Date(2026, 11, 28, 3, 0, 0, 0, time.UTC)
	var list []Backup
	add := func(kind Kind, age time.Duration) {
		// Age as List sets it: PlanPrune reads the listing's now from it.
		list = append(list, Backup{Path: string(kind) + "-" + age.String(), Kind: kind, Time: now.Add(-age), Age: human.Seconds(age)})
	}
	for d := 0; d < 20; d++ {
		add(KindDaily, time.Duration(d)*24*time.Hour)
	}
	for w := 0; w < 10; w++ {
		add(KindWeekly, time.Duration(w)*7*24*time.Hour)
	}
	// A minute old: one at exactly the listing's now would not count as
	// the newest (restic's "before now", TestApplyPolicyAtNow).
	add(KindMaintenance, time.Minute)
	add(KindMaintenance, 40*24*time.Hour)
	add(KindUnknown, 400*24*time.Hour)
	plan := PlanPrune(list, PrunePolicy{KeepDaily: 14, KeepWeekly: 4, KeepMonthly: 6, KeepMaintenanceWithin: 30 * 24 * time.Hour})
	removed := map[Kind]int{}
	for _, b := range plan.Remove {
		removed[b.Kind]++
	}
	// 20 daily keep 14; 10 weekly over ~9 weeks: 4 weekly + monthly ones of
	// older months keep 6 here; the 40-day-old rollback point goes; unknown
	// files are never removed.
	if removed[KindDaily] != 6 || removed[KindMaintenance] != 1 || removed[KindUnknown] != 0 {
		t.Fatalf("removed %v", removed)
	}
	if removed[KindWeekly] == 0 || removed[KindWeekly] >= 10 {
		t.Fatalf("weekly removed %d", removed[KindWeekly])
	}
	if len(plan.Keep)+len(plan.Remove) != len(list) {
		t.Fatal("plan lost backups")
	}
	for _, b := range plan.Keep {
		if b.Kind != KindUnknown && len(plan.Reasons[b.Path]) == 0 {
			t.Errorf("%s kept without a reason", b.Path)
		}
	}
	// The same list gives the same plan, in the same order, every time
	// (prune prints it; kinds used to come out in map order).
	for range 20 {
		again := PlanPrune(list, PrunePolicy{KeepDaily: 14, KeepWeekly: 4, KeepMonthly: 6, KeepMaintenanceWithin: 30 * 24 * time.Hour})
		if fmt.Sprint(again.Remove) != fmt.Sprint(plan.Remove) || fmt.Sprint(again.Keep) != fmt.Sprint(plan.Keep) {
			t.Fatalf("the plan's order changed between two calls:\n%v\n%v", plan.Remove, again.Remove)
		}
	}
	// An empty policy keeps everything rather than deleting all.
	if p := PlanPrune(list, PrunePolicy{}); len(p.Remove) != 0 {
		t.Fatalf("empty policy removed %d", len(p.Remove))
	}
}

func TestRemove(t *testing.T) {
	dir := t.TempDir()
	day := filepath.Join(dir, "daily", "20261101")
	weekly := filepath.Join(dir, "weekly", "fossawork_v2_full_20261101_020000.db")
	for _, p := range []string{filepath.Join(day, "fossawork_v2.db"), filepath.Join(day, "manifest.json"), weekly, weekly + ManifestSuffix} {
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	ctx := context.Background()
	if err := Remove(ctx, Backup{Path: filepath.Join(day, "fossawork_v2.db"), Kind: KindDaily}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(day); !os.IsNotExist(err) {
		t.Error("daily set directory left behind")
	}
	if err := Remove(ctx, Backup{Path: weekly, Kind: KindWeekly, ManifestPath: weekly + ManifestSuffix}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(weekly + ManifestSuffix); !os.IsNotExist(err) {
		t.Error("manifest left behind")
	}
	if err := Remove(ctx, Backup{Path: filepath.Join(dir, "notes.txt"), Kind: KindUnknown}); err == nil {
		t.Error("unknown files must never be removed")
	}
	if err := Remove(ctx, Backup{Path: filepath.Join(dir, "x", "fossawork_v2.db"), Kind: KindDaily}); err == nil {
		t.Error("a daily backup outside a YYYYMMDD directory must be refused")
	}
}

// TestPlanPruneFutureBackup: a pre-maintenance backup whose name carries a
// clock-skewed future time is not "the newest" that keep-within counts back
// from (restic's rule: the newest snapshot not after now). Before, the 41
// backups of the last 41 days were all "older than 30 days before the
// newest" and the plan kept 1 of 42. Issue 9 item 17.
func TestPlanPruneFutureBackup(t *testing.T) {
	now := time.Date(2026, 11, 28, 3, 0, 0, 0, time.UTC)
	dir := filepath.Join(t.TempDir(), "maintenance")
	name := func(t time.Time) string {
		return filepath.Join(dir, "fossawork_v2_pre_maintenance_"+t.Format("20060102_150405")+".db")
	}
	for i := range 41 {
		touch(t, name(now.Add(-time.Hour-time.Duration(i)*24*time.Hour)), "db")
	}
	future := now.AddDate(1, 0, 0)
	touch(t, name(future), "db")
	list, err := List(context.Background(), Layout{MaintenanceDir: dir}, now)
	if err != nil {
		t.Fatal(err)
	}
	plan := PlanPrune(list, PrunePolicy{KeepMaintenanceWithin: 30 * 24 * time.Hour})
	// The newest in the past is now-1h: within 30 days of it are the ones
	// 0..29 days older; the one exactly 30 days older is not after the
	// cutoff. The future one is within too, as in restic.
	if len(plan.Keep) != 31 || len(plan.Remove) != 11 {
		t.Fatalf("kept %d, removed %d of 42; want 31 and 11", len(plan.Keep), len(plan.Remove))
	}
	for _, b := range plan.Remove {
		if age := now.Sub(b.Time); age < 30*24*time.Hour {
			t.Errorf("removed %s, %s old", filepath.Base(b.Path), age)
		}
	}
	if got := fmt.Sprint(plan.Reasons[name(future)]); got != "[within 30d]" {
		t.Errorf("the future backup is kept for %s, want [within 30d]", got)
	}
}

// A pinned backup (the latest run's rollback point) is kept whatever the
// policy says, with its reason, and does not count against the policy: a
// later ad-hoc backup in the same week must not push it out.
func TestPlanPruneKeepsPinnedBackups(t *testing.T) {
	now := time.Date(2026, 11, 28, 3, 0, 0, 0, time.UTC)
	at := func(kind Kind, path string, age time.Duration) Backup {
		return Backup{Path: path, Kind: kind, Time: now.Add(-age), Age: human.Seconds(age)}
	}
	list := []Backup{
		at(KindWeekly, "/i/backups/weekly/adhoc.db", time.Hour),         // db optimize --force-window, later
		at(KindWeekly, "/i/backups/weekly/run-point-a.db", 2*time.Hour), // the weekly run's point A
		at(KindDaily, "/i/backups/daily/20261101", 27*24*time.Hour),
		at(KindDaily, "/i/backups/daily/20261128", time.Hour),
	}
	pol := PrunePolicy{KeepDaily: 1, KeepWeekly: 1}
	for _, tc := range []struct {
		name       string
		pinned     map[string]string
		wantRemove []string
	}{
		{"no pins: the older backup of the week goes", nil,
			[]string{"/i/backups/daily/20261101", "/i/backups/weekly/run-point-a.db"}},
		{"the run's point A is pinned", map[string]string{"/i/backups/weekly/run-point-a.db": "rollback point of run r1"},
			[]string{"/i/backups/daily/20261101"}},
		{"a file inside a daily set pins the set", map[string]string{"/i/backups/daily/20261101/fossawork_v2.db": "rollback point of run r0"},
			[]string{"/i/backups/weekly/run-point-a.db"}},
		{"a path that only starts like a set does not", map[string]string{"/i/backups/daily/20261101-old/x.db": "x"},
			[]string{"/i/backups/daily/20261101", "/i/backups/weekly/run-point-a.db"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := pol
			p.Pinned = tc.pinned
			plan := PlanPrune(list, p)
			var removed []string
			for _, b := range plan.Remove {
				removed = append(removed, b.Path)
			}
			slices.Sort(removed)
			if !slices.Equal(removed, tc.wantRemove) {
				t.Fatalf("removed %v, want %v", removed, tc.wantRemove)
			}
			for path, why := range tc.pinned {
				for _, b := range plan.Keep {
					if strings.HasPrefix(path, b.Path+"/") || path == b.Path {
						if got := plan.Reasons[b.Path]; len(got) != 1 || got[0] != why {
							t.Errorf("%s kept for %v, want %q", b.Path, got, why)
						}
					}
				}
			}
		})
	}
}
