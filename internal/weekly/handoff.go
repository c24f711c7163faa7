package weekly

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/fossawork/fossamaint/internal/backup"
	"github.com/fossawork/fossamaint/internal/health"
	"github.com/fossawork/fossamaint/internal/install"
	"github.com/fossawork/fossamaint/internal/logs"
	"github.com/fossawork/fossamaint/internal/runbook"
	"github.com/fossawork/fossamaint/internal/updates"
)

// handoff is a typed value one step hands to later steps of the same run.
// Each is made by plan (plan.go says who writes and who reads it); a step
// that runs before its producer, or whose producer was skipped, reads the
// zero value.
type handoff[T any] struct {
	mu sync.Mutex
	v  T
}

func (h *handoff[T]) put(v T) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.v = v
}

func (h *handoff[T]) get() T {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.v
}

// integrityVerdict is what the integrity check found.
type integrityVerdict struct {
	// corrupt holds SQLite's messages when the check failed (nil: passed
	// or did not run); since is when the failure was first seen (an
	// earlier run's, if the check failed then too).
	corrupt []string
	since   time.Time
	// checkErr is why the check could not run, if it could not.
	checkErr error
}

// clock is the run's clock and the installation's zone.
type clock struct {
	now  func() time.Time
	zone *time.Location
}

// localNow is the clock in the installation's zone: backup and
// rollback-point names carry its wall-clock time, which is how listing
// and DailyFor read them back.
func (c clock) localNow() time.Time { return c.now().In(c.zone) }

// ownership knows which phases this run has, so a step can leave a
// finding to the phase that reports it in full instead of reporting it
// twice.
type ownership []string

// elsewhere is the severity for a finding that phase reports in full:
// info when that phase is part of this run, warning when it is not.
func (o ownership) elsewhere(phase string) runbook.Severity {
	if slices.Contains(o, phase) {
		return runbook.Info
	}
	return runbook.Warning
}

// backupMaker takes verified backups of the installation's database.
type backupMaker struct {
	in  *install.Installation
	now func() time.Time
}

// create takes one; on PostgreSQL it is a pg_dump (CreateOptions has the
// installation's PostgresSource).
func (b *backupMaker) create(ctx context.Context, kind backup.Kind, tags ...string) (backup.Created, error) {
	return backup.Create(ctx, b.in.CreateOptions(kind, b.now(), tags...))
}

// The sources below are inputs several steps read: each reads (and
// fails) once per run, so nothing is read twice and a broken input is
// reported by every step that needs it.

// memo computes a value once per run; a failure is remembered too.
type memo[T any] struct {
	once sync.Once
	v    T
	err  error
}

func (m *memo[T]) get(ctx context.Context, f func(context.Context) (T, error)) (T, error) {
	m.once.Do(func() { m.v, m.err = f(ctx) })
	return m.v, m.err
}

// logSource is the application's log tree.
type logSource struct {
	clock
	dir   string
	set   *logs.FileSet
	daily memo[logs.Summary]
}

// files finds the configured log files under dir. A subdirectory or file
// that cannot be read does not stop the others: it comes back in
// unreadable for the step to report.
func (l *logSource) files(ctx context.Context) (files []logs.File, unreadable []logs.FileError, err error) {
	files, unreadable, err = logs.DiscoverReadable(ctx, l.dir, l.set)
	if err != nil {
		return files, unreadable, fmt.Errorf("reading logs under %s: %w", l.dir, err)
	}
	return files, unreadable, nil
}

// day summarises the last 24 hours of logs.
func (l *logSource) day(ctx context.Context) (logs.Summary, error) {
	return l.daily.get(ctx, func(ctx context.Context) (logs.Summary, error) {
		now := l.now()
		files, _, err := l.files(ctx)
		if err != nil {
			return logs.Summary{}, err
		}
		sum, err := logs.Summarize(ctx, files, logs.SummaryOptions{
			From: now.Add(-24 * time.Hour), To: now, Location: l.zone, TopN: 10,
		})
		if err != nil {
			return sum, fmt.Errorf("summarising the logs under %s: %w", l.dir, err)
		}
		return sum, nil
	})
}

// aptSource is the OS package state: apt's answer, or listFile's
// (updates.apt.list_file) when set.
type aptSource struct {
	runner     updates.Runner
	rebootFile string
	listFile   string
	// root decides the scope (see scope).
	root string
	m    memo[updates.AptReport]
}

func (a *aptSource) report(ctx context.Context) (updates.AptReport, error) {
	return a.m.get(ctx, func(ctx context.Context) (updates.AptReport, error) {
		if a.listFile != "" {
			return updates.CheckAptFile(ctx, a.listFile, a.rebootFile)
		}
		return updates.CheckApt(ctx, a.runner, a.rebootFile)
	})
}

// scope is the host's unless the package state is a file under root (the
// demo's generated one), the reboot flag too.
func (a *aptSource) scope() runbook.Scope {
	if a.listFile == "" {
		return runbook.ScopeHost
	}
	paths := []string{a.listFile}
	if a.rebootFile != "" {
		paths = append(paths, a.rebootFile)
	}
	return scopeOf(a.root, paths...)
}

// secretSource is the installation's secrets for this run, read once. An
// unreadable .env file is not an error here: the security phase's
// file-mode step reports it, and the config's secrets still count.
type secretSource struct {
	in *install.Installation
	m  memo[[]string]
}

func (s *secretSource) get(ctx context.Context) []string {
	v, _ := s.m.get(ctx, func(context.Context) ([]string, error) { return s.in.Secrets() })
	return v
}

// endpointSource probes the configured endpoints once per run: postflight's
// endpoints step and its comprehensive check report the same probes.
type endpointSource struct {
	checker *health.Checker
	checks  []health.Check
	m       memo[[]health.Result]
}

func (e *endpointSource) results(ctx context.Context) []health.Result {
	res, _ := e.m.get(ctx, func(ctx context.Context) ([]health.Result, error) {
		return e.checker.ProbeAll(ctx, e.checks), nil
	})
	return res
}
