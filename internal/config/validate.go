package config

import (
	"errors"
	"fmt"
	"maps"
	"net"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/bmatcuk/doublestar/v4"
)

// Validate checks every field and reports all problems at once, each with
// its field path (e.g. "window.start: ...").
func (c Config) Validate() error {
	var errs []error
	add := func(field, format string, a ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", field, fmt.Sprintf(format, a...)))
	}
	if c.Root == "" {
		add("root", "must be set")
	}
	if c.StateDir == "" {
		add("state_dir", "must be set")
	}
	if c.ReportsDir == "" {
		add("reports_dir", "must be set")
	}
	if _, err := c.Window.Spec(); err != nil {
		add("window", "%v", err)
	}
	switch c.Window.Overrun {
	case "postpone":
	default:
		add("window.overrun", "%q is not supported: use postpone", c.Window.Overrun)
	}
	pct := map[string]float64{
		"thresholds.disk_percent":               c.Thresholds.DiskPercent,
		"thresholds.load_percent":               c.Thresholds.LoadPercent,
		"thresholds.memory_percent":             c.Thresholds.MemoryPercent,
		"thresholds.cpu_percent":                c.Thresholds.CPUPercent,
		"thresholds.latency_regression_percent": c.Thresholds.LatencyRegressionPercent,
	}
	for _, k := range slices.Sorted(maps.Keys(pct)) {
		if v := pct[k]; v <= 0 || (v > 100 && k != "thresholds.latency_regression_percent") {
			add(k, "%v is out of range (0, 100]", v)
		}
	}
	if c.Thresholds.ErrorsPerWeek < 0 || c.Thresholds.FailedLoginsPerWeek < 0 || c.Thresholds.TLSWarnDays < 0 || c.Thresholds.TLSCriticalDays < 0 {
		add("thresholds", "counts and days must not be negative")
	}
	if c.Thresholds.TLSCriticalDays > c.Thresholds.TLSWarnDays {
		add("thresholds.tls_critical_days", "%d is more than tls_warn_days %d", c.Thresholds.TLSCriticalDays, c.Thresholds.TLSWarnDays)
	}
	if c.Database.Path == "" {
		add("database.path", "must be set")
	}
	if c.Logs.Dir == "" {
		add("logs.dir", "must be set")
	}
	if len(c.Logs.Include) == 0 {
		add("logs.include", "must name at least one glob (default: **/*.jsonl, **/*.jsonl.gz, **/*.log, **/*.log.gz)")
	}
	for _, list := range []struct {
		key   string
		globs []string
	}{{"logs.include", c.Logs.Include}, {"logs.exclude", c.Logs.Exclude}} {
		for i, g := range list.globs {
			if !doublestar.ValidatePattern(g) {
				add(fmt.Sprintf("%s[%d]", list.key, i), "glob %q is malformed (an unclosed [ or {?)", g)
			}
		}
	}
	if c.Logs.CompressAfter.D() <= 0 || c.Logs.ArchiveAfter.D() < c.Logs.CompressAfter.D() {
		add("logs", "need 0 < compress_after <= archive_after (got %s, %s)", c.Logs.CompressAfter, c.Logs.ArchiveAfter)
	}
	if c.Logs.DeleteArchivesAfter.D() < c.Logs.ArchiveAfter.D() {
		add("logs.delete_archives_after", "%s is shorter than archive_after %s", c.Logs.DeleteArchivesAfter, c.Logs.ArchiveAfter)
	}
	if c.Backups.KeepDaily < -1 || c.Backups.KeepWeekly < -1 || c.Backups.KeepMonthly < -1 {
		add("backups", "keep_daily, keep_weekly and keep_monthly must be -1 (unlimited) or more")
	}
	c.validateDatabase(add)
	c.validateSecurity(add)
	c.validateServices(add)
	if c.Health.Timeout.D() <= 0 {
		add("health.timeout", "must be positive")
	}
	for i, ep := range c.Health.Endpoints {
		f := fmt.Sprintf("health.endpoints[%d]", i)
		if ep.Name == "" {
			add(f+".name", "must be set")
		}
		if u, err := url.Parse(ep.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			add(f+".url", "%q is not an http(s) URL", ep.URL)
		}
		for _, s := range ep.Expect {
			if s < 100 || s > 599 {
				add(f+".expect", "%d is not an HTTP status", s)
			}
		}
	}
	return errors.Join(errs...)
}

func (c Config) validateDatabase(add func(field, format string, a ...any)) {
	d := c.Database
	oneOf := func(field, v string, allowed ...string) {
		for _, a := range allowed {
			if v == a {
				return
			}
		}
		add(field, "%q is not one of %s", v, strings.Join(allowed, ", "))
	}
	oneOf("database.vacuum", d.Vacuum, "auto", "always", "never", "incremental")
	oneOf("database.reindex", d.Reindex, "auto", "always")
	oneOf("database.verify", d.Verify, "quick", "full")
	oneOf("database.on_corruption", d.OnCorruption, "stop", "restore")
	if d.VacuumFreelistRatio <= 0 || d.VacuumFreelistRatio > 1 || d.VacuumUnusedRatio <= 0 || d.VacuumUnusedRatio > 1 {
		add("database", "vacuum_freelist_ratio and vacuum_unused_ratio must be in (0, 1]")
	}
}

func (c Config) validateSecurity(add func(field, format string, a ...any)) {
	for i, fm := range c.Security.FileModes {
		if fm.Path == "" {
			add(fmt.Sprintf("security.file_modes[%d].path", i), "must be set")
		}
	}
	for i, k := range c.Security.TLSKeys {
		if k.Cert == "" || k.Key == "" {
			add(fmt.Sprintf("security.tls_keys[%d]", i), "needs both cert and key")
		}
	}
	for i, ep := range c.Security.TLSEndpoints {
		addr, _, _ := strings.Cut(ep, ",")
		if host, port, err := net.SplitHostPort(strings.TrimSpace(addr)); err != nil || host == "" || port == "" {
			add(fmt.Sprintf("security.tls_endpoints[%d]", i), "%q is not host:port or host:port,sni", ep)
		}
	}
}

func (c Config) validateServices(add func(field, format string, a ...any)) {
	switch c.Services.Manager {
	case "systemd", "exec", "none":
	default:
		add("services.manager", "%q is not one of systemd, exec, none", c.Services.Manager)
	}
	if c.Services.ReadyTimeout.D() <= 0 {
		add("services.ready_timeout", "must be positive")
	}
	for i, u := range c.Services.Units {
		f := fmt.Sprintf("services.units[%d]", i)
		if u.Name == "" {
			add(f+".name", "must be set")
		}
		if c.Services.Manager == "exec" && (len(u.Start) == 0 || len(u.Stop) == 0 || len(u.Status) == 0) {
			add(f, "the exec manager needs start, stop and status commands (argv arrays)")
		}
		if u.HealthURL != "" {
			if pu, err := url.Parse(u.HealthURL); err != nil || pu.Host == "" {
				add(f+".health_url", "%q is not a URL", u.HealthURL)
			}
		}
	}
}

// WindowSpec is a parsed Window.
type WindowSpec struct {
	Weekday  time.Weekday
	Hour     int
	Minute   int
	Duration time.Duration
	Location *time.Location
}

var weekdays = map[string]time.Weekday{
	"sunday": time.Sunday, "monday": time.Monday, "tuesday": time.Tuesday,
	"wednesday": time.Wednesday, "thursday": time.Thursday, "friday": time.Friday,
	"saturday": time.Saturday,
}

// Spec parses the window's weekday, hh:mm and zone.
func (w Window) Spec() (WindowSpec, error) {
	var s WindowSpec
	wd, ok := weekdays[strings.ToLower(w.Weekday)]
	if !ok {
		return s, fmt.Errorf("weekday %q is not a day of the week", w.Weekday)
	}
	s.Weekday = wd
	t, err := time.Parse("15:04", w.Start)
	if err != nil {
		return s, fmt.Errorf("start %q is not hh:mm", w.Start)
	}
	s.Hour, s.Minute = t.Hour(), t.Minute()
	if w.Duration.D() <= 0 || w.Duration.D() > 7*24*time.Hour {
		return s, fmt.Errorf("duration %s must be between 0 and 7d", w.Duration)
	}
	s.Duration = w.Duration.D()
	tz := w.Timezone
	if tz == "" {
		tz = "Local"
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		return s, fmt.Errorf("timezone %q is not an IANA zone: %v", tz, err)
	}
	s.Location = loc
	return s, nil
}
