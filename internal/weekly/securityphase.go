package weekly

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/fossawork/fossamaint/internal/config"
	"github.com/fossawork/fossamaint/internal/human"
	"github.com/fossawork/fossamaint/internal/install"
	"github.com/fossawork/fossamaint/internal/runbook"
	"github.com/fossawork/fossamaint/internal/security"
	"github.com/fossawork/fossamaint/internal/security/authlog"
)

// securityPhase is the seed's "Security Review".
type securityPhase struct {
	clock
	sec        install.Security
	thresholds config.Thresholds
	logs       *logSource
	secrets    *secretSource
	// root decides whether host-auth read the host's logs or files under
	// the installation (the demo's generated auth log).
	root string
}

// fileModes audits modes (and owners where configured) of the database,
// secrets, data and backups; it reports and never changes anything (`fossamaint
// security perms --fix` does, on request).
func (ph *securityPhase) fileModes(ctx context.Context, _ *runbook.Env) (runbook.Result, error) {
	rules := ph.sec.Perms
	if len(rules) == 0 {
		return runbook.Skipped("security.file_modes is empty"), nil
	}
	var r runbook.Result
	bad := 0
	for _, f := range security.CheckPerms(ctx, rules) {
		switch {
		case f.OK:
			continue
		case f.Missing:
			r.Finding(runbook.Info, f.Path, "%s", f.Message)
			continue
		}
		bad++
		r.Finding(f.Severity, fmt.Sprintf("%s %s", f.Path, strings.Join(f.Problems, ", ")), "%s", f.Message)
		if f.Recommendation != "" {
			r.Recommend("%s", f.Recommendation)
		}
	}
	r.Metric("rules", float64(len(rules)), "count")
	r.Metric("too_permissive", float64(bad), "count")
	return r, nil
}

// tlsCerts checks certificate files and live endpoints: expiry (warning
// and critical thresholds), validity, chain, hostname, key match, weak keys
// and signatures.
func (ph *securityPhase) tlsCerts(ctx context.Context, _ *runbook.Env) (runbook.Result, error) {
	cfg := ph.sec
	targets, err := security.TLSTargets(cfg.TLSCerts, cfg.TLSKeys, cfg.TLSEndpoints)
	if err != nil {
		return runbook.Result{}, err
	}
	if len(targets) == 0 {
		return runbook.Skipped("no security.tls_certs or tls_endpoints configured"), nil
	}
	opts := security.TLSOptions{Now: ph.now(), WarnDays: ph.thresholds.TLSWarnDays, CriticalDays: ph.thresholds.TLSCriticalDays}
	if cfg.TLSCAFile != "" {
		if opts.Roots, err = security.LoadCAFile(cfg.TLSCAFile); err != nil {
			return runbook.Result{}, err
		}
	}
	var r runbook.Result
	for _, rep := range security.CheckTLS(ctx, targets, opts) {
		if !rep.Missing && !rep.NotAfter.IsZero() {
			r.Metric("days_left:"+rep.Target, float64(rep.DaysLeft), "days")
		}
		for _, pr := range rep.Problems {
			r.Finding(pr.Severity, rep.Target, "%s: %s", rep.Target, pr.Message)
			if pr.Recommendation != "" {
				r.Recommend("%s", pr.Recommendation)
			}
		}
	}
	return r, nil
}

// appLogins is the application side of the review: failed logins by
// source, brute-force bursts (fail2ban's maxretry within findtime),
// distributed attacks on one user, attack signatures in requests, scanner
// user agents, rate limiting, and secrets written into the logs. Both line
// shapes are read (upstream's monitor skips the pipe-shaped ones).
func (ph *securityPhase) appLogins(ctx context.Context, _ *runbook.Env) (runbook.Result, error) {
	now := ph.now()
	files, unreadable, err := ph.logs.files(ctx)
	if err != nil {
		return runbook.Result{}, err
	}
	secrets := ph.secrets.get(ctx)
	// The logs phase reports what could not be read; the scan keeps it
	// in its own report.
	rep, err := security.Scan(ctx, security.ScanOptions{Files: files, Unreadable: unreadable, From: now.Add(-7 * 24 * time.Hour), To: now,
		Location: ph.zone, WeeklyThreshold: ph.thresholds.FailedLoginsPerWeek, Secrets: secrets})
	if err != nil {
		return runbook.Result{}, err
	}
	var r runbook.Result
	r.Metric("failed_logins_last_week", float64(rep.FailedLogins), "count")
	r.Metric("failed_login_sources", float64(rep.FailedLoginSources), "count")
	r.Metric("brute_force_bursts", float64(len(rep.BruteForce)), "count")
	r.Metric("attack_signatures", float64(len(rep.Signatures)), "count")
	r.Metric("rate_limited", float64(rep.RateLimited), "count")
	for _, f := range rep.Findings {
		r.Finding(f.Severity, f.Evidence, "%s", f.Message)
		if f.Recommendation != "" {
			r.Recommend("%s", f.Recommendation)
		}
	}
	return r, nil
}

// hostAuth reviews the host's own authentication logs (sshd, nginx and
// Apache basic auth, PAM) for the week's failed logins by source. User
// names are not shown: people type passwords into the user prompt.
//
// The logs are the host's (Scope host) unless every one read lies under
// the installation root.
func (ph *securityPhase) hostAuth(ctx context.Context, _ *runbook.Env) (r runbook.Result, err error) {
	var paths []string
	for _, l := range ph.sec.HostLogs {
		if _, err := os.Stat(l); err == nil {
			paths = append(paths, l)
		}
	}
	if len(paths) == 0 {
		r = runbook.Skipped("none of security.host_logs exists here")
		r.Scope = scopeOf(ph.root, ph.sec.HostLogs...)
		return r, nil
	}
	defer func() { r.Scope = scopeOf(ph.root, paths...) }()
	now := ph.now()
	sum, files, err := authlog.SummarizeFiles(ctx, paths, authlog.Options{Since: now.Add(-7 * 24 * time.Hour), Ref: now, Location: ph.zone})
	if err != nil {
		return r, err
	}
	r.Metric("failed_logins", float64(sum.Failures), "count")
	r.Metric("sources", float64(len(sum.Hosts)), "count")
	for _, f := range files {
		if f.Err != nil {
			r.Finding(runbook.Warning, f.Err.Error(), "could not read %s", f.Path)
		}
	}
	var ev []string
	for i, h := range sum.Hosts {
		if i == 10 {
			break
		}
		ev = append(ev, fmt.Sprintf("%s: %s, %s, via %s", h.Host, human.Count(h.Count, "failure", "failures"), human.Count(h.UserCount, "user name", "user names"), strings.Join(h.Sources, ", ")))
	}
	if limit := ph.thresholds.FailedLoginsPerWeek; sum.Failures > limit {
		r.Finding(runbook.Warning, strings.Join(ev, "\n"), "%d failed logins in the system authentication logs this week (%s; investigate above %d)", sum.Failures, strings.Join(paths, ", "), limit)
		r.Recommend("Block or rate-limit the worst sources of failed host logins (fail2ban), and check that password logins over SSH are disabled.")
	} else if sum.Failures > 0 {
		r.Finding(runbook.Info, strings.Join(ev, "\n"), "%d failed logins in the system authentication logs this week", sum.Failures)
	}
	return r, nil
}
