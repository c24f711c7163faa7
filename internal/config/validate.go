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
	"github.com/fossawork/fossamaint/internal/redact"
)

// Validate checks every field and reports all problems at once, each with
// its field path (e.g. "window.start: ..."). Load positions them in the
// file.
func (c Config) Validate() error {
	var errs []error
	for _, p := range c.problems() {
		errs = append(errs, errors.New(p.key+": "+p.msg))
	}
	return errors.Join(errs...)
}

// problem is one validation problem: the key path it is about and what is
// wrong with the value.
type problem struct{ key, msg string }

func (c Config) problems() []problem {
	var out []problem
	add := func(field, format string, a ...any) {
		out = append(out, problem{key: field, msg: fmt.Sprintf(format, a...)})
	}
	for _, check := range validators {
		check(c, add)
	}
	return out
}

// relatedKeys are where else a problem that compares two keys may be set:
// when the file sets only the other one, the problem points there.
var relatedKeys = map[string]string{
	"thresholds.tls_critical_days": "thresholds.tls_warn_days",
	"logs.compress_after":          "logs.archive_after",
	"logs.delete_archives_after":   "logs.archive_after",
	"serve.tls.key":                "serve.tls.cert",
	"serve.tls.cert":               "serve.tls.key",
}

// addFunc records one problem of a field.
type addFunc = func(field, format string, a ...any)

// validators are Validate's checks, each reading one part of the config.
// They run in this order, which is the order of the messages.
var validators = []func(Config, addFunc){
	Config.validateRequired,
	Config.validateWindow,
	Config.validateThresholds,
	Config.validateDatabasePath,
	Config.validateLogs,
	Config.validateBackups,
	Config.validateDatabase,
	Config.validateSecurity,
	Config.validateServices,
	Config.validateHealth,
	Config.validateNotify,
	Config.validateUpdates,
	Config.validateServe,
	Config.validateOffsite,
}

func (c Config) validateRequired(add addFunc) {
	for _, f := range []struct{ field, value string }{
		{"root", c.Root}, {"state_dir", c.StateDir}, {"reports_dir", c.ReportsDir},
	} {
		if f.value == "" {
			add(f.field, "must be set")
		}
	}
}

func (c Config) validateWindow(add addFunc) {
	w := c.Window
	if _, ok := weekdays[strings.ToLower(w.Weekday)]; !ok {
		add("window.weekday", "%q is not a day of the week (monday to sunday)%s", w.Weekday,
			didYouMean(strings.ToLower(w.Weekday), weekdayNames))
	}
	if _, err := time.Parse("15:04", w.Start); err != nil {
		add("window.start", "%q is not a time of day as hh:mm (e.g. \"02:00\")", w.Start)
	}
	if w.Duration.D() <= 0 || w.Duration.D() > 7*24*time.Hour {
		add("window.duration", "%s must be more than 0 and at most 7d", w.Duration)
	}
	if w.Timezone != "" {
		if _, err := time.LoadLocation(w.Timezone); err != nil {
			add("window.timezone", "%q is not an IANA time zone (e.g. UTC, Europe/Berlin, Local)", w.Timezone)
		}
	}
	oneOf(add, "window.overrun", w.Overrun, "postpone", "extend", "rollback")
	validateExtension(add, w)
	if n := w.Notice.D(); n < 0 || n >= 7*24*time.Hour {
		add("window.notice", "%s must be 0 (no notice) or more, and less than 7d (the window is weekly)", w.Notice)
	} else if n%time.Minute != 0 {
		add("window.notice", "%s is not whole minutes (the notice timer runs on the minute)", w.Notice)
	}
	for i, entry := range w.Blackout {
		if _, err := ParseBlackout(entry); err != nil {
			add(fmt.Sprintf("window.blackout[%d]", i), "%v", err)
		}
	}
}

// validateExtension: an extended window must end before the next one
// opens, and overrun: extend needs room to extend.
func validateExtension(add addFunc, w Window) {
	m, d := w.MaxExtension.D(), w.Duration.D()
	switch {
	case m < 0:
		add("window.max_extension", "%s must not be negative", w.MaxExtension)
	case d > 0 && d <= 7*24*time.Hour && d+m > 7*24*time.Hour:
		add("window.max_extension", "%s makes the window (window.duration %s) longer than 7d: an extended window must end before the next one opens", w.MaxExtension, w.Duration)
	case m == 0 && w.Overrun == "extend":
		add("window.max_extension", "must be more than 0 with window.overrun: extend (e.g. 1h)")
	}
}

// BlackoutDays is a parsed window.blackout entry: the inclusive run of
// calendar days First to Last (midnight UTC of each; only the date counts,
// read in the window's zone), and the entry as written.
type BlackoutDays struct {
	First, Last time.Time
	Entry       string
}

// maxBlackoutDays bounds one range: a longer one is more likely a typo in
// the year than a plan to stop maintenance for more than a year.
const maxBlackoutDays = 366

// ParseBlackout parses "2026-12-24" or "2026-12-24..2027-01-02".
func ParseBlackout(entry string) (BlackoutDays, error) {
	const hint = "write a date YYYY-MM-DD or a range YYYY-MM-DD..YYYY-MM-DD (e.g. \"2026-12-24..2027-01-02\")"
	s := strings.TrimSpace(entry)
	from, to, isRange := strings.Cut(s, "..")
	if !isRange {
		to = from
	}
	first, err1 := time.Parse(time.DateOnly, strings.TrimSpace(from))
	last, err2 := time.Parse(time.DateOnly, strings.TrimSpace(to))
	switch {
	case err1 != nil || err2 != nil:
		return BlackoutDays{}, fmt.Errorf("%q is not a date: %s", entry, hint)
	case last.Before(first):
		return BlackoutDays{}, fmt.Errorf("%q ends before it starts: %s", entry, hint)
	case last.Sub(first) >= maxBlackoutDays*24*time.Hour:
		return BlackoutDays{}, fmt.Errorf("%q is longer than %d days: check the years", entry, maxBlackoutDays)
	}
	return BlackoutDays{First: first, Last: last, Entry: entry}, nil
}

func (c Config) validateThresholds(add addFunc) {
	t := c.Thresholds
	pct := map[string]float64{
		"thresholds.disk_percent":               t.DiskPercent,
		"thresholds.load_percent":               t.LoadPercent,
		"thresholds.memory_percent":             t.MemoryPercent,
		"thresholds.cpu_percent":                t.CPUPercent,
		"thresholds.latency_regression_percent": t.LatencyRegressionPercent,
	}
	for _, k := range slices.Sorted(maps.Keys(pct)) {
		v := pct[k]
		switch {
		case v <= 0 && unbounded[k]:
			add(k, "%v is out of range: must be more than 0 (it may exceed 100)", v)
		case v <= 0 || (v > 100 && !unbounded[k]):
			add(k, "%v is out of range (0, 100]", v)
		}
	}
	counts := map[string]int{
		"thresholds.errors_per_week":        t.ErrorsPerWeek,
		"thresholds.failed_logins_per_week": t.FailedLoginsPerWeek,
		"thresholds.tls_warn_days":          t.TLSWarnDays,
		"thresholds.tls_critical_days":      t.TLSCriticalDays,
	}
	for _, k := range slices.Sorted(maps.Keys(counts)) {
		if v := counts[k]; v < 0 {
			add(k, "%d is negative: counts and days are 0 or more", v)
		}
	}
	if t.TLSCriticalDays > t.TLSWarnDays {
		add("thresholds.tls_critical_days", "%d is more than tls_warn_days %d", t.TLSCriticalDays, t.TLSWarnDays)
	}
}

// unbounded are the percentages that may exceed 100: the 1-minute load
// average can be several times the number of CPUs, and an endpoint can get
// more than twice as slow.
var unbounded = map[string]bool{
	"thresholds.load_percent":               true,
	"thresholds.latency_regression_percent": true,
}

// oneOf checks that the value of field is one of allowed (as written:
// fossamaint compares them exactly), with the nearest as a suggestion
// (with one allowed value, the message names it anyway).
func oneOf(add addFunc, field, v string, allowed ...string) {
	switch {
	case slices.Contains(allowed, v):
	case len(allowed) == 1:
		add(field, "%q is not supported: use %s", v, allowed[0])
	default:
		add(field, "%q is not one of %s%s", v, strings.Join(allowed, ", "), didYouMean(v, allowed))
	}
}

// didYouMean is "; did you mean x?" with the candidate nearest to v (see
// suggest), or "" when none is close enough to be a typo.
func didYouMean(v string, candidates []string) string {
	if s := suggest(v, candidates); s != "" {
		return "; did you mean " + s + "?"
	}
	return ""
}

func (c Config) validateDatabasePath(add addFunc) {
	if c.Database.Path == "" {
		add("database.path", "must be set")
	}
}

func (c Config) validateLogs(add addFunc) {
	l := c.Logs
	if l.Dir == "" {
		add("logs.dir", "must be set")
	}
	if len(l.Include) == 0 {
		add("logs.include", "must name at least one glob (default: **/*.jsonl, **/*.jsonl.gz, **/*.log, **/*.log.gz)")
	}
	validateGlobs("logs.include", l.Include, add)
	validateGlobs("logs.exclude", l.Exclude, add)
	if l.CompressAfter.D() <= 0 {
		add("logs.compress_after", "%s must be more than 0", l.CompressAfter)
	} else if l.ArchiveAfter.D() < l.CompressAfter.D() {
		add("logs.compress_after", "%s is longer than archive_after %s (files are compressed, then archived)", l.CompressAfter, l.ArchiveAfter)
	}
	if l.DeleteArchivesAfter.D() < l.ArchiveAfter.D() {
		add("logs.delete_archives_after", "%s is shorter than archive_after %s", l.DeleteArchivesAfter, l.ArchiveAfter)
	}
}

func validateGlobs(key string, globs []string, add addFunc) {
	for i, g := range globs {
		if !doublestar.ValidatePattern(g) {
			add(fmt.Sprintf("%s[%d]", key, i), "glob %q is malformed (an unclosed [ or {?)", g)
		}
	}
}

func (c Config) validateBackups(add addFunc) {
	b := c.Backups
	for _, k := range []struct {
		key string
		v   int
	}{{"backups.keep_daily", b.KeepDaily}, {"backups.keep_weekly", b.KeepWeekly}, {"backups.keep_monthly", b.KeepMonthly}} {
		if k.v < -1 {
			add(k.key, "%d is not a count: use 0 or more, or -1 for unlimited", k.v)
		}
	}
}

func (c Config) validateHealth(add addFunc) {
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
		for j, s := range ep.Expect {
			if s < 100 || s > 599 {
				add(fmt.Sprintf("%s.expect[%d]", f, j), "%d is not an HTTP status", s)
			}
		}
	}
	c.validateBenchmark(add)
}

// Bounds of health.benchmark: the weekly benchmark is a measurement
// inside the window, never a load test (perf.Bench has the same bounds).
const (
	maxBenchRate     = 20_000
	maxBenchDuration = 10 * time.Minute
)

func (c Config) validateBenchmark(add addFunc) {
	b := c.Health.Benchmark
	if b.Rate <= 0 || b.Rate > maxBenchRate {
		add("health.benchmark.rate", "%v requests per second is out of range (0, %d]", b.Rate, maxBenchRate)
	}
	for _, d := range []struct {
		key string
		v   time.Duration
	}{{"health.benchmark.duration", b.Duration.D()}, {"health.benchmark.baseline_duration", b.BaselineDuration.D()}} {
		if d.v <= 0 || d.v > maxBenchDuration {
			add(d.key, "%s is out of range (0, %s]", d.v, maxBenchDuration)
		}
	}
}

func (c Config) validateDatabase(add addFunc) {
	d := c.Database
	oneOf(add, "database.vacuum", d.Vacuum, "auto", "always", "never", "incremental")
	oneOf(add, "database.reindex", d.Reindex, "auto", "always")
	oneOf(add, "database.verify", d.Verify, "quick", "full")
	oneOf(add, "database.on_corruption", d.OnCorruption, "stop", "restore")
	oneOf(add, "database.postgres.vacuum_full", d.Postgres.VacuumFull, "never", "downtime")
	if d.URL != "" && !IsPostgresURL(d.URL) {
		add("database.url", "%s is not a PostgreSQL URL (postgres://user@host:5432/dbname, or postgres:///dbname?host=/run/postgresql); a SQLite database is database.path", redact.URL(d.URL))
	}
	for _, r := range []struct {
		key string
		v   float64
	}{{"database.postgres.dead_tuple_percent", d.Postgres.DeadTuplePercent}, {"database.postgres.index_bloat_percent", d.Postgres.IndexBloatPercent},
		{"database.postgres.vacuum_full_bloat_percent", d.Postgres.VacuumFullBloatPercent}} {
		if r.v <= 0 || r.v > 100 {
			add(r.key, "%v is out of range (0, 100]: a percentage such as 30", r.v)
		}
	}
	for _, r := range []struct {
		key string
		v   float64
	}{{"database.vacuum_freelist_ratio", d.VacuumFreelistRatio}, {"database.vacuum_unused_ratio", d.VacuumUnusedRatio}} {
		if r.v <= 0 || r.v > 1 {
			add(r.key, "%v is out of range (0, 1]: a share such as 0.25", r.v)
		}
	}
}

func (c Config) validateSecurity(add addFunc) {
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

func (c Config) validateServices(add addFunc) {
	oneOf(add, "services.manager", c.Services.Manager, "systemd", "exec", "none")
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
	Blackout []BlackoutDays
}

// weekdayNames are the weekdays in the order people list them.
var weekdayNames = []string{"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}

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
	for _, entry := range w.Blackout {
		b, err := ParseBlackout(entry)
		if err != nil {
			return s, fmt.Errorf("blackout: %w", err)
		}
		s.Blackout = append(s.Blackout, b)
	}
	return s, nil
}

// validateUpdates checks the update policies: what each manager may
// install by itself, and what happens when an update asks for a reboot.
func (c Config) validateUpdates(add addFunc) {
	u := c.Updates
	// Empty (a Config built in code, not read from a file) is the
	// report-only default: none, and never for the reboot.
	for _, k := range []struct {
		key, v  string
		allowed []string
	}{
		{"updates.apt.apply", u.Apt.Apply, []string{"none", "security", "all"}},
		{"updates.pip.apply", u.Pip.Apply, []string{"none", "patch", "minor", "all"}},
		{"updates.npm.apply", u.Npm.Apply, []string{"none", "patch", "minor", "all"}},
		{"updates.reboot", u.Reboot, []string{"never", "window-end", "now"}},
	} {
		if k.v != "" {
			oneOf(add, k.key, k.v, k.allowed...)
		}
	}
	for _, l := range []struct {
		key  string
		list []string
	}{{"updates.apt.exclude", u.Apt.Exclude}, {"updates.pip.exclude", u.Pip.Exclude}, {"updates.npm.exclude", u.Npm.Exclude}} {
		for i, name := range l.list {
			if strings.TrimSpace(name) == "" || strings.ContainsAny(name, " \t\n") {
				add(fmt.Sprintf("%s[%d]", l.key, i), "%q is not a package name", name)
			}
		}
	}
}
