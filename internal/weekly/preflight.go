package weekly

import (
	"context"
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"slices"

	"github.com/fossawork/fossamaint/internal/backup"
	"github.com/fossawork/fossamaint/internal/config"
	"github.com/fossawork/fossamaint/internal/health"
	"github.com/fossawork/fossamaint/internal/human"
	"github.com/fossawork/fossamaint/internal/install"
	"github.com/fossawork/fossamaint/internal/logs"
	"github.com/fossawork/fossamaint/internal/runbook"
	"github.com/fossawork/fossamaint/internal/updates"
)

// preflightPhase is the seed's "Pre-Maintenance Verification".
type preflightPhase struct {
	clock
	services install.Services
	layout   backup.Layout
	backups  *backupMaker
	dbPath   string
	// postgres: only a dump is a backup of the database (not a SQLite
	// file from before it moved to PostgreSQL).
	postgres   bool
	thresholds config.Thresholds
	logs       *logSource
}

func (ph *preflightPhase) servicesActive(ctx context.Context, _ *runbook.Env) (runbook.Result, error) {
	var r runbook.Result
	if len(ph.services.Managed()) == 0 {
		return runbook.Skipped("services.manager is none: the operator manages services"), nil
	}
	for _, u := range ph.services.Managed() {
		active, err := ph.services.Manager.Active(ctx, u.Name)
		switch {
		case err != nil:
			r.Finding(runbook.Warning, err.Error(), "could not tell whether %s is active", u.Name)
		case !active:
			r.Finding(runbook.Warning, "", "%s is not active before maintenance", u.Name)
			r.Recommend("Find out why %s was down before the window (service logs around the last start).", u.Name)
		default:
			r.Metric("active_"+u.Name, 1, "bool")
		}
	}
	return r, nil
}

// dailyBackup checks for today's daily backup and, as the seed does, takes
// an emergency backup when it is missing, so the run never starts without
// a verified backup from today.
func (ph *preflightPhase) dailyBackup(ctx context.Context, env *runbook.Env) (runbook.Result, error) {
	var r runbook.Result
	now := ph.localNow()
	list, err := backup.List(ctx, ph.layout, now)
	if err != nil {
		return r, fmt.Errorf("listing backups: %w", err)
	}
	if ph.postgres {
		list = dumpsOf(list)
	}
	if b, ok := backup.DailyFor(list, now); ok {
		r.Metric("daily_backup_age_seconds", b.Age.D().Seconds(), "s")
		r.Metric("daily_backup_bytes", float64(b.Size), "bytes")
		return r, nil
	}
	dir := filepath.Join(ph.layout.DailyDir, now.Format("20060102"))
	r.Finding(runbook.Warning, "missing: "+dir, "today's daily backup was missing")
	r.Recommend("Check the daily backup job: it did not write %s today.", dir)
	var created backup.Created
	err = env.Do(ctx, "emergency backup into "+dir, func(ctx context.Context) error {
		var err error
		created, err = ph.backups.create(ctx, backup.KindEmergency, "emergency")
		return err
	})
	if err != nil {
		return r, fmt.Errorf("taking the emergency backup: %w", err)
	}
	if !env.DryRun {
		r.Tally(runbook.Tally{Verb: "taken", Object: "emergency backup", Count: 1, BytesBefore: created.Manifest.Size}) // the summary's words
		r.Action("emergency backup %s verified (%s %s, sha256 %s)", created.Path, created.Manifest.Check, created.Manifest.CheckResult, short(created.Manifest.SHA256))
		r.Metric("emergency_backup_seconds", created.Duration.D().Seconds(), "s")
	}
	return r, nil
}

// resources reads the machine's disks, memory and load: the host's, never
// the installation's (Scope host).
func (ph *preflightPhase) resources(ctx context.Context, _ *runbook.Env) (r runbook.Result, err error) {
	defer func() { r.Scope = runbook.ScopeHost }()
	th := ph.thresholds
	snap, err := health.System(ctx, ph.dbPath)
	if err != nil {
		return r, fmt.Errorf("reading system resources: %w", err)
	}
	for _, m := range snap.Mounts {
		r.Metric("disk_used_percent:"+m.Path, m.UsedPercent, "%")
		if m.UsedPercent > th.DiskPercent {
			r.Finding(runbook.Warning, fmt.Sprintf("%s %s used, %s free", m.Path, human.Percent(m.UsedPercent), human.Bytes(int64(min(m.Free, math.MaxInt64)))),
				"disk %s is %s full (warn above %s)", m.Path, human.Percent(m.UsedPercent), limitPercent(th.DiskPercent))
			r.Recommend("Free space on %s before the next window (old archives, backups outside retention).", m.Path)
		}
	}
	r.Metric("memory_used_percent", snap.MemoryUsedPercent, "%")
	if snap.MemoryUsedPercent > th.MemoryPercent {
		r.Finding(runbook.Warning, "",
			"memory use is %s (warn above %s); caches are not dropped, that only slows the system", human.Percent(snap.MemoryUsedPercent), limitPercent(th.MemoryPercent))
	}
	r.Metric("load1", snap.Load1, "load")
	r.Metric("load_percent", snap.LoadPercent, "%")
	if snap.LoadPercent > th.LoadPercent {
		r.Finding(runbook.Warning, health.LoadText(snap),
			"system load is %s of the CPUs (warn above %s)", human.Percent(snap.LoadPercent), limitPercent(th.LoadPercent))
	}
	for _, u := range snap.Unavailable {
		r.Finding(runbook.Info, u, "a system metric could not be read")
	}
	return r, nil
}

func (ph *preflightPhase) recentErrors(ctx context.Context, _ *runbook.Env) (runbook.Result, error) {
	var r runbook.Result
	sum, err := ph.logs.day(ctx)
	if err != nil {
		return r, err
	}
	n := errorCount(sum)
	r.Metric("errors_24h", float64(n), "count")
	// A day's share of the weekly threshold.
	if limit := ph.thresholds.ErrorsPerWeek / 7; n > limit && limit > 0 {
		r.Finding(runbook.Warning, topPatterns(sum, 3), "%s in the last 24 h (more than a seventh of the weekly %d)", human.Count(n, "error", "errors"), ph.thresholds.ErrorsPerWeek)
	}
	return r, nil
}

// errorCount follows the seed: errors are what the error stream holds; only
// when no error stream exists do we count ERROR entries of all streams
// (counting both would count each error twice).
func errorCount(sum logs.Summary) int {
	if _, ok := sum.ByStream["backend-errors"]; ok {
		return sum.ErrorsByStream["backend-errors"]
	}
	return sum.Errors
}

func topPatterns(sum logs.Summary, n int) string {
	var out string
	for i, m := range sum.TopMessages {
		if i == n {
			break
		}
		out += fmt.Sprintf("%d× %s\n", m.Count, m.Pattern)
	}
	return out
}

// securityUpdates counts the pending security updates for preflight and
// the security phase. One step of a run reports them as a finding, with
// the same severity (warning) whichever it is: updates/apt when the
// updates phase is in the run (it lists the packages), else the first of
// preflight and security. The others record only the metric and a note
// naming the step that reports them.
type securityUpdates struct {
	enabled bool
	apt     *aptSource
	owner   ownership
}

// updatesReporter is the step that reports pending security updates in a
// run of the phases in o.
func (o ownership) updatesReporter() string {
	switch {
	case slices.Contains(o, "updates"):
		return "updates/apt"
	case slices.Contains(o, "preflight"):
		return "preflight/security-updates"
	}
	return "security/security-updates"
}

// step is the security-updates step of phase.
func (su *securityUpdates) step(phase string) func(context.Context, *runbook.Env) (runbook.Result, error) {
	return func(ctx context.Context, env *runbook.Env) (runbook.Result, error) {
		return su.run(ctx, env, phase+"/security-updates")
	}
}

func (su *securityUpdates) run(ctx context.Context, _ *runbook.Env, self string) (r runbook.Result, err error) {
	defer func() { r.Scope = su.apt.scope() }()
	if !su.enabled {
		return runbook.Skipped("updates.apt.enabled is false"), nil
	}
	rep, err := su.apt.report(ctx)
	if errors.Is(err, updates.ErrToolMissing) || errors.Is(err, updates.ErrUnknown) {
		return runbook.Skipped("%v", err), nil
	}
	if err != nil {
		return runbook.Result{}, err
	}
	sec := rep.Security
	r.Metric("security_updates", float64(sec), "count")
	if sec == 0 {
		return r, nil
	}
	if reporter := su.owner.updatesReporter(); reporter != self {
		r.Note = fmt.Sprintf("%s pending (see %s)", human.Count(sec, "security update", "security updates"), reporter)
		return r, nil
	}
	r.Finding(runbook.Warning, "", "%s pending", human.Count(sec, "security update is", "security updates are"))
	r.Recommend("Apply the %s (apt-get upgrade with the security sources) in the next window; fossamaint updates check lists them.", human.Count(sec, "security update", "security updates"))
	return r, nil
}
