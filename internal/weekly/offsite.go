package weekly

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/fossawork/fossamaint/internal/backup"
	"github.com/fossawork/fossamaint/internal/human"
	"github.com/fossawork/fossamaint/internal/offsite"
	"github.com/fossawork/fossamaint/internal/runbook"
)

// offsiteStep is backups/offsite: every verified local backup that is not
// yet in the bucket of backups.offsite goes up (after local retention, so
// nothing is sent that the run has just removed), then the local
// retention policy is applied to the remote copies: deleted with
// backups.offsite.prune, reported otherwise. Object lock is honoured by
// offsite.Prune: a locked copy is reported as kept, never as deleted.
type offsiteStep struct {
	clock
	opts      *offsite.Options
	layout    backup.Layout
	retention backup.PrunePolicy
}

// offsiteBudget is the step's share of the window: the push of each
// backup is bounded by backups.offsite.timeout on its own, and a weekly
// push is normally one weekly backup and a few daily sets.
const offsiteBudget = 30 * time.Minute

func (s *offsiteStep) budget() time.Duration {
	if s.opts != nil && s.opts.Timeout > 0 && s.opts.Timeout < offsiteBudget {
		return s.opts.Timeout
	}
	return offsiteBudget
}

func (s *offsiteStep) run(ctx context.Context, env *runbook.Env) (runbook.Result, error) {
	if s.opts == nil {
		r := runbook.Skipped("backups.offsite.url is not set: every backup is on this machine's disk")
		r.Recommend("Copy verified backups off this machine: set backups.offsite.url (s3://bucket/prefix) and its endpoint; a lost disk otherwise takes the database and its backups together.")
		return r, nil
	}
	remote, err := offsite.New(*s.opts)
	if err != nil {
		var r runbook.Result
		r.Finding(runbook.Warning, err.Error(), "no off-site copy was made: the bucket of backups.offsite cannot be used")
		r.Recommend("Fix backups.offsite (see `fossamaint config validate` and `fossamaint backup push --dry-run`).")
		return r, nil
	}
	list, err := backup.List(ctx, s.layout, s.now())
	if err != nil {
		return runbook.Result{}, fmt.Errorf("listing backups: %w", err)
	}
	var r runbook.Result
	if err := s.push(ctx, env, remote, list, &r); err != nil {
		return r, err
	}
	return r, s.retain(ctx, env, remote, &r)
}

// push sends what is not remote yet and reports it. Only what the local
// policy keeps goes up: a backup outside it (still there because
// backups.prune is off) would be outside the policy off-site at once.
func (s *offsiteStep) push(ctx context.Context, env *runbook.Env, remote *offsite.Remote, list []backup.Backup, r *runbook.Result) error {
	var res offsite.PushResult
	var pushErr error
	started := s.now()
	if env.DryRun {
		res, pushErr = remote.Push(ctx, list, offsite.PushOptions{Now: s.now(), DryRun: true, Policy: &s.retention})
	} else {
		err := env.Do(ctx, "push the verified backups that are not yet off-site to "+remote.Where(), func(ctx context.Context) error {
			res, pushErr = remote.Push(ctx, list, offsite.PushOptions{Now: s.now(), Policy: &s.retention})
			if pushErr != nil {
				return pushErr
			}
			if !res.OK() {
				return fmt.Errorf("%s failed", human.Count(len(res.Failed), "backup", "backups"))
			}
			return nil
		})
		if err != nil && pushErr == nil && res.OK() {
			return err // the journal failed
		}
	}
	if pushErr != nil {
		if ctx.Err() != nil {
			return pushErr
		}
		r.Finding(runbook.Warning, pushErr.Error(), "no off-site copy was made: %s could not be read or written", remote.Where())
		r.Recommend("Check the endpoint, the credentials and the bucket with `fossamaint backup push --dry-run`.")
		return nil
	}
	took := s.now().Sub(started)
	var bytes, stored int64
	for _, p := range res.Pushed {
		bytes += p.Bytes
		stored += p.Stored
		verb := "pushed"
		if res.DryRun {
			verb = "would push"
		}
		r.Action("%s %s (%s%s)", verb, p.ID, human.Bytes(p.Bytes), map[bool]string{true: ", encrypted", false: ""}[p.Encrypted])
	}
	r.Metric("offsite_pushed", float64(len(res.Pushed)), "count")
	r.Metric("offsite_already_remote", float64(len(res.Remote)), "count")
	if !res.DryRun {
		r.Metric("offsite_pushed_bytes", float64(stored), "bytes")
		if stored > 0 && took > 0 {
			r.Metric("offsite_push_mib_per_second", float64(stored)/(1<<20)/took.Seconds(), "MiB/s")
		}
	}
	if len(res.Failed) > 0 {
		var ev []string
		for _, f := range res.Failed {
			ev = append(ev, fmt.Sprintf("%s: %s", f.ID, f.Error))
		}
		r.Finding(runbook.Warning, strings.Join(first(ev, 10), "\n"), "%s could not be copied off-site to %s; the next push tries again",
			human.Count(len(res.Failed), "backup", "backups"), remote.Where())
		r.Recommend("Run `fossamaint backup push` once the cause is fixed (a plaintext upload resumes where it stopped).")
	}
	if len(res.Pushed) > 0 && !res.DryRun {
		r.Finding(runbook.Info, "", "%s (%s) copied off-site to %s, each part's SHA-256 checked by the server",
			human.Count(len(res.Pushed), "backup", "backups"), human.Bytes(bytes), remote.Where())
	}
	if len(res.Swept) > 0 {
		verb := "aborted"
		if res.DryRun {
			verb = "would abort"
		}
		r.Action("%s %s older than a day", verb, human.Count(len(res.Swept), "unfinished upload", "unfinished uploads"))
	}
	if !s.opts.Encrypted() && hasDaily(list) {
		// A finding of its own: Recommend attaches to the last finding,
		// which may be none or the failed pushes' own advice.
		r.Finding(runbook.Info, remote.Where(), "off-site copies are not encrypted, and daily sets hold the application's .env")
		r.Recommend("Set backups.offsite.encrypt.recipients (age) so the storage provider never sees its secrets.")
	}
	return nil
}

// retain applies the local retention policy to the remote copies.
func (s *offsiteStep) retain(ctx context.Context, env *runbook.Env, remote *offsite.Remote, r *runbook.Result) error {
	now := s.now()
	l, err := remote.List(ctx, now)
	if err != nil {
		if ctx.Err() != nil {
			return err
		}
		r.Finding(runbook.Warning, err.Error(), "the off-site copies could not be listed for retention")
		return nil
	}
	r.Metric("offsite_backups", float64(len(l.Backups)), "count")
	if len(l.Backups) > 0 {
		r.Metric("offsite_newest_age_seconds", now.Sub(l.Backups[0].Time).Seconds(), "s")
	}
	plan := offsite.PlanPrune(l.Backups, s.retention, now)
	r.Metric("offsite_outside_policy", float64(len(plan.Remove)), "count")
	if len(plan.Remove) == 0 {
		return nil
	}
	if !s.opts.Prune {
		var ev []string
		for _, b := range plan.Remove {
			ev = append(ev, fmt.Sprintf("%s (%s, age %s)", b.ID, b.Kind, human.Age(now.Sub(b.Time))))
		}
		r.Finding(runbook.Warning, strings.Join(first(ev, 20), "\n"), "%s off-site outside the retention policy (%s)",
			human.Count(len(plan.Remove), "backup is", "backups are"), s.retention)
		r.Recommend("Run `fossamaint backup prune --offsite` (or set backups.offsite.prune: true) to remove them.")
		return nil
	}
	var res offsite.PruneResult
	var pruneErr error
	if env.DryRun {
		res, pruneErr = remote.Prune(ctx, plan, now, true)
	} else {
		err := env.Do(ctx, fmt.Sprintf("remove %s off-site outside the retention policy", human.Count(len(plan.Remove), "backup", "backups")), func(ctx context.Context) error {
			res, pruneErr = remote.Prune(ctx, plan, now, false)
			return pruneErr
		})
		if err != nil && pruneErr == nil {
			return err
		}
	}
	if pruneErr != nil {
		if ctx.Err() != nil {
			return pruneErr
		}
		r.Finding(runbook.Warning, pruneErr.Error(), "remote retention could not be applied")
		return nil
	}
	for _, rm := range res.Removed {
		r.Action("%s: %s", rm.ID, rm.Outcome)
	}
	for _, lk := range res.Locked {
		why := "under legal hold"
		if !lk.Until.IsZero() {
			why = "locked until " + lk.Until.Format(time.RFC3339)
		}
		r.Finding(runbook.Info, string(lk.ID), "off-site %s is outside the policy but kept: %s", lk.ID, why)
	}
	if len(res.Failed) > 0 {
		var ev []string
		for _, f := range res.Failed {
			ev = append(ev, fmt.Sprintf("%s: %s", f.ID, f.Error))
		}
		r.Finding(runbook.Warning, strings.Join(first(ev, 10), "\n"), "%s off-site could not be removed", human.Count(len(res.Failed), "backup", "backups"))
	}
	return nil
}

func hasDaily(list []backup.Backup) bool {
	for _, b := range list {
		if b.Kind == backup.KindDaily {
			return true
		}
	}
	return false
}
