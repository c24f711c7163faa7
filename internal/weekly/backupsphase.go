package weekly

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/dustin/go-humanize"

	"github.com/fossawork/fossamaint/internal/backup"
	"github.com/fossawork/fossamaint/internal/runbook"
)

// backups is the seed's "Backup Verification", read-only: what backups
// exist and how old, which are outside the retention policy, and whether
// the newest one is a sound database (checked in place, opened immutable;
// the seed copies it to a predictable /tmp name first).
func (p *Procedure) backups() runbook.Phase {
	return runbook.Phase{Name: "backups", Title: "Backup verification", Steps: []runbook.Step{
		{Name: "inventory", Kind: runbook.ReadOnly, Budget: time.Minute, Run: p.backupInventory},
		{Name: "verify", Kind: runbook.ReadOnly, Budget: 20 * time.Minute, Run: p.verifyNewest},
		{Name: "retention", Kind: runbook.Mutating, Budget: 5 * time.Minute, Run: p.retention},
	}}
}

func (p *Procedure) backupInventory(ctx context.Context, _ *runbook.Env) (runbook.Result, error) {
	now := p.d.Now()
	lst, err := backup.ListDetailed(ctx, p.in.Backups.Layout, now)
	if err != nil {
		return runbook.Result{}, fmt.Errorf("listing backups: %w", err)
	}
	var r runbook.Result
	week := map[backup.Kind]int{}
	total := map[backup.Kind]int{}
	var lines []string
	for _, b := range lst.Backups {
		total[b.Kind]++
		if b.Age < 7*24*time.Hour {
			week[b.Kind]++
		}
		lines = append(lines, fmt.Sprintf("%-11s %s  age %s  %s", b.Kind, b.Path, age(b.Age), humanize.IBytes(uint64(b.Size))))
	}
	for _, k := range []backup.Kind{backup.KindDaily, backup.KindWeekly, backup.KindMaintenance} {
		r.Metric(string(k), float64(total[k]), "count")
		r.Metric(string(k)+"_this_week", float64(week[k]), "count")
	}
	if len(lines) > 0 {
		r.Finding(runbook.Info, strings.Join(first(lines, 40), "\n"), "%d backups found", len(lst.Backups))
	}
	if week[backup.KindWeekly] == 0 {
		r.Finding(runbook.Warning, p.in.Backups.Layout.WeeklyDir, "no weekly backup from the last 7 days")
		r.Recommend("Check the weekly backup job.")
	}
	for _, n := range lst.Notes {
		r.Finding(runbook.Info, "", "%s", n)
	}
	return r, nil
}

// verifyNewest verifies the newest daily and the newest weekly backup as
// the seed's section 6 does, but properly: sha256 against the manifest, the
// configured check, and a restore test in a private temp dir.
func (p *Procedure) verifyNewest(ctx context.Context, _ *runbook.Env) (runbook.Result, error) {
	list, err := backup.List(ctx, p.in.Backups.Layout, p.d.Now())
	if err != nil {
		return runbook.Result{}, fmt.Errorf("listing backups: %w", err)
	}
	var r runbook.Result
	for _, kind := range []backup.Kind{backup.KindDaily, backup.KindWeekly} {
		b, ok := newestOf(list, kind)
		if !ok {
			r.Finding(runbook.Warning, p.in.Backups.Dir, "there is no %s backup to verify", kind)
			continue
		}
		res, err := backup.VerifyDeep(ctx, b, backup.VerifyOptions{Full: p.in.Database.Verify == "full"})
		if err != nil {
			return r, err
		}
		r.Metric(string(kind)+"_verify_seconds", res.Duration.Seconds(), "s")
		if !res.Sound() {
			ev := strings.Join(append(append([]string{}, res.Messages...), res.ManifestErr), "\n")
			r.Finding(runbook.Critical, ev, "the newest %s backup %s failed verification", kind, b.Path)
			r.Recommend("Take a new %s backup and find out why %s is damaged.", kind, b.Path)
			continue
		}
		note := "no manifest"
		if b.HasManifest {
			note = "sha256 matches its manifest"
		}
		r.Finding(runbook.Info, "sha256 "+res.SHA256, "newest %s backup %s (%s old): %s, check ok, restore test ok with %d tables",
			kind, b.Path, age(b.Age), note, res.RestoreTest.Tables)
	}
	return r, nil
}

func newestOf(list []backup.Backup, kind backup.Kind) (backup.Backup, bool) {
	for _, b := range list { // newest first
		if b.Kind == kind && b.Size > 0 {
			return b, true
		}
	}
	return backup.Backup{}, false
}

// retention applies the policy (restic forget semantics per kind): it
// reports what is outside it and deletes that only when backups.prune is on.
func (p *Procedure) retention(ctx context.Context, env *runbook.Env) (runbook.Result, error) {
	list, err := backup.List(ctx, p.in.Backups.Layout, p.d.Now())
	if err != nil {
		return runbook.Result{}, fmt.Errorf("listing backups: %w", err)
	}
	var r runbook.Result
	plan := backup.PlanPrune(list, p.PrunePolicy())
	r.Metric("kept", float64(len(plan.Keep)), "count")
	r.Metric("outside_policy", float64(len(plan.Remove)), "count")
	if len(plan.Remove) == 0 {
		return r, nil
	}
	var ev []string
	for _, b := range plan.Remove {
		ev = append(ev, fmt.Sprintf("%s (%s, age %s)", b.Path, b.Kind, age(b.Age)))
	}
	if !p.in.Backups.Prune {
		r.Finding(runbook.Warning, strings.Join(first(ev, 20), "\n"), "%d backups are outside the retention policy (%s)", len(plan.Remove), p.PrunePolicy())
		r.Recommend("Run `fossamaint backup prune` (or set backups.prune: true) to delete the %d backups outside the policy.", len(plan.Remove))
		return r, nil
	}
	for _, b := range plan.Remove {
		if err := env.Do(ctx, "delete "+b.Path, func(ctx context.Context) error { return backup.Remove(ctx, b) }); err != nil {
			return r, err
		}
	}
	return r, nil
}

// PrunePolicy is the configured retention.
func (p *Procedure) PrunePolicy() backup.PrunePolicy {
	return p.in.Backups.Retention
}

func age(d time.Duration) string {
	if d >= 48*time.Hour {
		return fmt.Sprintf("%dd", int(d.Hours()/24))
	}
	return d.Round(time.Minute).String()
}
