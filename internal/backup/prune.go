package backup

import (
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/fossawork/fossamaint/internal/human"
)

// PrunePolicy is the configured retention per kind of backup. Each kind is
// its own restic-style snapshot group, so a burst of emergency backups can
// never push weekly ones out.
type PrunePolicy struct {
	KeepDaily, KeepWeekly, KeepMonthly int
	KeepMaintenanceWithin              time.Duration
	// Pinned backups (path -> why, e.g. "rollback point of run X") are
	// kept whatever the policy says and do not count against it.
	Pinned map[string]string
}

func (pp PrunePolicy) String() string {
	within := human.Duration(pp.KeepMaintenanceWithin)
	if d := pp.KeepMaintenanceWithin; d > 0 && d%(24*time.Hour) == 0 {
		within = human.Count(int(d/(24*time.Hour)), "day", "days")
	}
	return fmt.Sprintf("daily %d, weekly %d, monthly %d, pre-maintenance within %s",
		pp.KeepDaily, pp.KeepWeekly, pp.KeepMonthly, within)
}

// policyFor maps a kind to its retention policy; ok is false for kinds
// that are never pruned (unknown files).
func (pp PrunePolicy) policyFor(k Kind) (Policy, bool) {
	switch k {
	case KindDaily:
		return Policy{Daily: pp.KeepDaily}, true
	case KindWeekly:
		return Policy{Weekly: pp.KeepWeekly, Monthly: pp.KeepMonthly}, true
	case KindMaintenance:
		h := int(pp.KeepMaintenanceWithin / time.Hour)
		return Policy{Within: Duration{Days: h / 24, Hours: h % 24}}, true
	}
	return Policy{}, false
}

// PrunePlan says which backups the policy keeps and which it removes, with
// restic's reasons for each kept one.
type PrunePlan struct {
	Keep    []Backup
	Remove  []Backup
	Reasons map[string][]string // by backup path
}

// PlanPrune evaluates the policy; it deletes nothing. Unknown files and
// kinds with an empty policy are kept. It applies the policy at the time
// list was made (see listedAt), so a backup dated in the future is not the
// newest the "within" rules count back from, and the caller's injected
// clock holds.
func PlanPrune(list []Backup, pp PrunePolicy) PrunePlan {
	plan := PrunePlan{Reasons: map[string][]string{}}
	now := listedAt(list)
	groups := map[Kind][]Backup{}
	for _, b := range list {
		if why, ok := pp.pinned(b.Path); ok {
			plan.Keep = append(plan.Keep, b)
			plan.Reasons[b.Path] = []string{why}
			continue
		}
		groups[b.Kind] = append(groups[b.Kind], b)
	}
	// Kinds in a fixed order, so the plan (and what prune prints) is the
	// same on every run.
	for _, kind := range slices.Sorted(maps.Keys(groups)) {
		bs := groups[kind]
		pol, ok := pp.policyFor(kind)
		if !ok || pol.Empty() {
			plan.Keep = append(plan.Keep, bs...)
			continue
		}
		byID := map[string]Backup{}
		snaps := make([]Snapshot, 0, len(bs))
		for _, b := range bs {
			byID[b.Path] = b
			snaps = append(snaps, Snapshot{Time: b.Time, Tags: []string{string(kind)}, ID: b.Path})
		}
		keep, remove, reasons := ApplyPolicyAt(snaps, pol, now)
		for _, s := range keep {
			plan.Keep = append(plan.Keep, byID[s.ID])
		}
		for _, s := range remove {
			plan.Remove = append(plan.Remove, byID[s.ID])
		}
		for _, kr := range reasons {
			plan.Reasons[kr.Snapshot.ID] = kr.Matches
		}
	}
	return plan
}

// pinned says whether path (a file or a daily set's directory) is, or
// holds, a pinned backup, and why.
func (pp PrunePolicy) pinned(path string) (string, bool) {
	path = filepath.Clean(path)
	for p, why := range pp.Pinned {
		p = filepath.Clean(p)
		if p == path || strings.HasPrefix(p, path+string(filepath.Separator)) {
			return why, true
		}
	}
	return "", false
}

// listedAt is the time List computed the ages at: every backup's Time
// plus its Age is that now. A list with no backups has no time, and none
// is needed.
func listedAt(list []Backup) time.Time {
	for _, b := range list {
		if !b.Time.IsZero() {
			return b.Time.Add(b.Age.D())
		}
	}
	return time.Time{}
}

// Remove deletes one backup: a daily set's whole directory, or a file with
// its manifest. It refuses paths that are not what List reported.
func Remove(ctx context.Context, b Backup) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	switch b.Kind {
	case KindDaily:
		dir := filepath.Dir(b.Path)
		if fi, err := os.Stat(b.Path); err == nil && fi.IsDir() {
			dir = b.Path
		}
		if len(filepath.Base(dir)) != 8 {
			return fmt.Errorf("removing daily backup %s: %s is not a YYYYMMDD directory", b.Path, dir)
		}
		if err := os.RemoveAll(dir); err != nil {
			return fmt.Errorf("removing daily backup %s: %w", dir, err)
		}
		return nil
	case KindWeekly, KindMaintenance:
		if err := os.Remove(b.Path); err != nil {
			return fmt.Errorf("removing backup %s: %w", b.Path, err)
		}
		for _, m := range []string{b.Path + ".manifest.json", b.ManifestPath} {
			if m != "" && strings.HasPrefix(m, strings.TrimSuffix(b.Path, filepath.Ext(b.Path))) {
				if err := os.Remove(m); err != nil && !os.IsNotExist(err) {
					return fmt.Errorf("removing manifest %s: %w", m, err)
				}
			}
		}
		return nil
	}
	return fmt.Errorf("removing %s: backups of kind %q are never removed automatically", b.Path, b.Kind)
}
