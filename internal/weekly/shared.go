package weekly

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/fossawork/fossamaint/internal/health"
	"github.com/fossawork/fossamaint/internal/install"
	"github.com/fossawork/fossamaint/internal/logs"
	"github.com/fossawork/fossamaint/internal/updates"
)

// shared is what one step learns and a later one needs, so nothing is
// read or measured twice in a run.
type shared struct {
	mu       sync.Mutex
	baseline map[string]health.LatencyStats
	apt      memo[updates.AptReport]
	day      memo[logs.Summary]
	secrets  memo[[]string]
	// endpoints are postflight's probes, shared by its endpoint and
	// comprehensive steps.
	endpoints memo[[]health.Result]

	// pointA is this run's verified online backup (rollback point A).
	pointA string
	// corrupt holds the integrity messages when the check failed.
	corrupt   []string
	corruptAt time.Time
	// checkErr is why the integrity check could not run, if it could not.
	checkErr error
	// failingSince is when earlier runs first saw the integrity check fail.
	failingSince time.Time
	// downtime tracks the service stop so Undo and recover can finish it.
	downtime downtimeState
}

// downtimeState is what the optimize step has done so far.
type downtimeState struct {
	stoppedAt time.Time
	pointB    string
	restarted bool
}

func (s *shared) setCorrupt(msgs []string, at time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.failingSince.IsZero() && s.failingSince.Before(at) {
		at = s.failingSince
	}
	s.corrupt, s.corruptAt = msgs, at
}

func (s *shared) setCheckFailed(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.checkErr = err
}

func (s *shared) checkFailed() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.checkErr
}

func (s *shared) corruption() ([]string, time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.corrupt, s.corruptAt
}

func newShared() *shared {
	return &shared{baseline: map[string]health.LatencyStats{}}
}

// memo computes a value once per run; a failure is remembered too, so a
// broken input is reported by every step that needs it without re-reading.
type memo[T any] struct {
	once sync.Once
	v    T
	err  error
}

func (m *memo[T]) get(ctx context.Context, f func(context.Context) (T, error)) (T, error) {
	m.once.Do(func() { m.v, m.err = f(ctx) })
	return m.v, m.err
}

func (s *shared) setBaseline(name string, st health.LatencyStats) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.baseline[name] = st
}

func (s *shared) getBaseline(name string) (health.LatencyStats, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.baseline[name]
	return st, ok
}

// logFiles finds the application's log files: the configured globs under
// logs.dir. A subdirectory or file that cannot be read does not stop the
// others: it comes back in unreadable for the step to report.
func (p *Procedure) logFiles(ctx context.Context) (files []logs.File, unreadable []logs.FileError, err error) {
	dir := p.in.Logs.Dir
	set, err := p.logFileSet()
	if err != nil {
		return nil, nil, err
	}
	files, unreadable, err = logs.DiscoverReadable(ctx, dir, set)
	if err != nil {
		return files, unreadable, fmt.Errorf("reading logs under %s: %w", dir, err)
	}
	return files, unreadable, nil
}

// logFileSet is the configured selection of log files.
func (p *Procedure) logFileSet() (*logs.FileSet, error) {
	return p.in.Logs.Files, nil
}

// logSummary summarises the log tree for [now-span, now).
func (p *Procedure) logSummary(ctx context.Context, span time.Duration) (logs.Summary, error) {
	now := p.d.Now()
	files, _, err := p.logFiles(ctx)
	if err != nil {
		return logs.Summary{}, err
	}
	return logs.Summarize(ctx, files, logs.SummaryOptions{
		From: now.Add(-span), To: now, Location: p.in.Zone, TopN: 10,
	})
}

func (p *Procedure) dayLogs(ctx context.Context) (logs.Summary, error) {
	return p.s.day.get(ctx, func(ctx context.Context) (logs.Summary, error) {
		return p.logSummary(ctx, 24*time.Hour)
	})
}

func (p *Procedure) aptReport(ctx context.Context) (updates.AptReport, error) {
	return p.s.apt.get(ctx, func(ctx context.Context) (updates.AptReport, error) {
		return updates.CheckApt(ctx, p.d.Runner, p.in.Updates.Apt.RebootRequiredFile)
	})
}

// secrets are the installation's secrets for this run, read once. An
// unreadable .env file is not an error here: the security phase's
// file-mode step reports it, and the config's secrets still count.
func (p *Procedure) secrets(ctx context.Context) []string {
	v, _ := p.s.secrets.get(ctx, func(context.Context) ([]string, error) { return install.Secrets(p.in.Config) })
	return v
}
