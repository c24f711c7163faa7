package weekly

import (
	"context"
	"fmt"
	"strings"
	"time"

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
		{Name: "verify-latest", Kind: runbook.ReadOnly, Budget: 15 * time.Minute, Run: p.verifyLatest},
	}}
}

func (p *Procedure) backupInventory(ctx context.Context, _ *runbook.Env) (runbook.Result, error) {
	now := p.d.Now()
	lst, err := backup.ListDetailed(ctx, p.backupLayout(), now)
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
		lines = append(lines, fmt.Sprintf("%-11s %s  age %s  %s", b.Kind, b.Path, age(b.Age), humanBytes(uint64(b.Size))))
	}
	for _, k := range []backup.Kind{backup.KindDaily, backup.KindWeekly, backup.KindMaintenance} {
		r.Metric(string(k), float64(total[k]), "count")
		r.Metric(string(k)+"_this_week", float64(week[k]), "count")
	}
	if len(lines) > 0 {
		r.Finding(runbook.Info, strings.Join(first(lines, 40), "\n"), "%d backups found", len(lst.Backups))
	}
	if week[backup.KindWeekly] == 0 {
		r.Finding(runbook.Warning, p.path(p.d.Config.Backups.WeeklyDir), "no weekly backup from the last 7 days")
		r.Recommend("Check the weekly backup job.")
	}
	stale := backup.Stale(lst.Backups, p.d.Config.Backups.StaleAfter.D())
	if len(stale) > 0 {
		var ev []string
		for _, b := range stale {
			ev = append(ev, fmt.Sprintf("%s (age %s)", b.Path, age(b.Age)))
		}
		r.Finding(runbook.Warning, strings.Join(first(ev, 20), "\n"), "%d backups are older than %s, outside the retention policy (daily %d, weekly %d)",
			len(stale), p.d.Config.Backups.StaleAfter, p.d.Config.Backups.KeepDaily, p.d.Config.Backups.KeepWeekly)
		r.Recommend("Apply the backup retention policy; %d files are kept past it.", len(stale))
	}
	for _, n := range lst.Notes {
		r.Finding(runbook.Info, "", "%s", n)
	}
	return r, nil
}

func (p *Procedure) verifyLatest(ctx context.Context, _ *runbook.Env) (runbook.Result, error) {
	list, err := backup.List(ctx, p.backupLayout(), p.d.Now())
	if err != nil {
		return runbook.Result{}, fmt.Errorf("listing backups: %w", err)
	}
	var newest *backup.Backup
	for i := range list {
		if list[i].Kind != backup.KindUnknown && list[i].Size > 0 {
			newest = &list[i]
			break
		}
	}
	if newest == nil {
		var r runbook.Result
		r.Finding(runbook.Critical, p.path(p.d.Config.Backups.Dir), "there is no backup to verify")
		r.Recommend("Take a backup now and fix the backup jobs.")
		return r, nil
	}
	v, err := backup.Verify(ctx, newest.Path)
	if err != nil {
		return runbook.Result{}, err
	}
	var r runbook.Result
	r.Metric("verified_bytes", float64(v.Size), "bytes")
	r.Metric("verified_tables", float64(v.Tables), "count")
	r.Metric("verify_seconds", v.Duration.Seconds(), "s")
	if !v.OK {
		r.Finding(runbook.Critical, strings.Join(v.Messages, "\n"), "the newest backup %s is not usable", newest.Path)
		r.Recommend("Take a new backup and find out why %s is damaged.", newest.Path)
		return r, nil
	}
	r.Finding(runbook.Info, "sha256 "+v.SHA256, "newest backup %s (%s old) passed quick_check with %d tables", newest.Path, age(newest.Age), v.Tables)
	return r, nil
}

func age(d time.Duration) string {
	if d >= 48*time.Hour {
		return fmt.Sprintf("%dd", int(d.Hours()/24))
	}
	return d.Round(time.Minute).String()
}
