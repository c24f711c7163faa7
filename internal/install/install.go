package install

import (
	"fmt"
	"os"
	"slices"
	"time"

	"github.com/fossawork/fossamaint/internal/backup"
	"github.com/fossawork/fossamaint/internal/config"
	"github.com/fossawork/fossamaint/internal/health"
	"github.com/fossawork/fossamaint/internal/logs"
	"github.com/fossawork/fossamaint/internal/offsite"
	"github.com/fossawork/fossamaint/internal/perf"
	"github.com/fossawork/fossamaint/internal/runbook"
	"github.com/fossawork/fossamaint/internal/security"
	"github.com/fossawork/fossamaint/internal/service"
)

// Installation is one FossaWork installation as fossamaint sees it. Every
// path in it is absolute (or a URL, left alone).
type Installation struct {
	// Config is the configuration it was resolved from, kept for the
	// redaction layer (config.Secrets) and for `config show`; steps read
	// the typed fields below, not this.
	Config config.Config
	// ConfigPath is the file the config was read from ("" for defaults):
	// backed up with each daily set and named in suggested commands.
	ConfigPath string
	// ToolVersion is stamped into manifests and reports.
	ToolVersion string
	Root        string
	StateDir    string
	ReportsDir  string
	Operator    string
	// Zone is the installation's local time (the window's zone): backup
	// names, calendar days and archive months are read in it.
	Zone   *time.Location
	Window runbook.Window
	// Overrun is window.overrun and window.max_extension (the engine adds
	// the past durations, the notifier and the rollback).
	Overrun runbook.Overrun

	Thresholds config.Thresholds
	Database   Database
	Backups    Backups
	Logs       Logs
	Security   Security
	Updates    config.Updates
	// UpdatePolicies are updates.*.apply, exclude, build and reboot: what
	// the weekly run and `updates apply` install (policies.go).
	UpdatePolicies UpdatePolicies
	Services       Services
	Health         Health
}

// Database is the application's SQLite database and how it is maintained.
type Database struct {
	Path        string
	CountTables []string
	// Vacuum is auto, always, never or incremental; the ratios make auto
	// vacuum (free pages, unused bytes inside pages).
	Vacuum              string
	VacuumFreelistRatio float64
	VacuumUnusedRatio   float64
	Reindex             string
	// Verify is the check run on every backup: quick or full.
	Verify string
	// OnCorruption is stop or restore.
	OnCorruption string
	// Service is the unit whose process holds the database.
	Service string
	// URL is the PostgreSQL database (libpq form, normalised from
	// SQLAlchemy's postgresql+driver://), from database.url or the
	// DATABASE_URL of the application's .env; empty: the SQLite file at
	// Path. It may hold a password: show it only through Redacted.
	URL string
	// URLFrom says where URL came from ("database.url" or the .env file).
	URLFrom string
	// EnvProblem says the .env file could not be read, so the engine was
	// chosen without its DATABASE_URL (commands warn with it).
	EnvProblem string
	// Postgres are the PostgreSQL options.
	Postgres config.Postgres
}

// Engines of Database.Engine.
const (
	EngineSQLite   = "sqlite"
	EnginePostgres = "postgresql"
)

// Engine is EnginePostgres when URL is set, else EngineSQLite.
func (d Database) Engine() string {
	if d.URL != "" {
		return EnginePostgres
	}
	return EngineSQLite
}

// Redacted is the database as reports name it: the URL without its
// password, or the SQLite file's path.
func (d Database) Redacted() string {
	if d.URL != "" {
		return config.PostgresURLRedacted(d.URL)
	}
	return d.Path
}

// Backups is the backup tree, what a set holds, and the retention policy.
type Backups struct {
	Dir    string
	Layout backup.Layout
	// EnvFile and DataDir are copied into daily and emergency sets.
	EnvFile        string
	DataDir        string
	PreRecoveryDir string
	Retention      backup.PrunePolicy
	// Prune makes the weekly run delete what retention removes.
	Prune bool
	// Offsite is where verified backups are copied off the machine
	// (backups.offsite); nil when no URL is configured. Its Prune is
	// backups.offsite.prune.
	Offsite *offsite.Options
}

// Logs is the application's log tree and its retention.
type Logs struct {
	Dir, ErrorsDir, MetricsFile, ArchiveDir string
	// Files is the set Include and Exclude select (globs relative to Dir).
	Files                                    *logs.FileSet
	Include, Exclude                         []string
	CompressAfter, ArchiveAfter, DeleteAfter time.Duration
}

// Security is what the security phase and `security` commands check.
type Security struct {
	EnvFile string
	// FileModes are security.file_modes with absolute paths; Perms the
	// same as the rules security.CheckPerms takes.
	FileModes []config.FileMode
	Perms     []security.PermRule
	// TLSCerts are certificate files; TLSKeys maps a certificate file to
	// its private key; TLSEndpoints are "host:port[,sni]" strings.
	TLSCerts     []string
	TLSKeys      map[string]string
	TLSEndpoints []string
	TLSCAFile    string
	HostLogs     []string
}

// Services are the managed units and the manager that runs them.
type Services struct {
	// ManagerName is systemd, exec or none; Manager is built from it.
	ManagerName  string
	Manager      service.Manager
	ReadyTimeout time.Duration
	Units        []config.Service
}

// Managed are the units fossamaint stops and starts: none when the
// manager is "none".
func (s Services) Managed() []config.Service {
	if s.ManagerName == "none" {
		return nil
	}
	return s.Units
}

// Unit returns the managed unit called name.
func (s Services) Unit(name string) (config.Service, bool) {
	for _, u := range s.Managed() {
		if u.Name == name {
			return u, true
		}
	}
	return config.Service{}, false
}

// Health are the endpoint probes.
type Health struct {
	Checks []health.Check
	// Timeout bounds one probe (also a unit's readiness probe).
	Timeout time.Duration
	// Benchmark is the weekly run's benchmark of Checks (GET only).
	Benchmark config.Benchmark
}

// BenchTargets are the probes as benchmark targets (GET, the same
// accepted statuses): what perf bench and the weekly benchmark send to.
func (h Health) BenchTargets() []perf.BenchTarget {
	var out []perf.BenchTarget
	for _, c := range h.Checks {
		out = append(out, perf.BenchTarget{Name: c.Name, URL: c.URL, Expect: c.Expect})
	}
	return out
}

// Resolve turns cfg (already validated by config.Load) into an
// Installation. configPath is the file it came from. Errors name the key.
func Resolve(cfg config.Config, configPath string) (*Installation, error) {
	spec, err := cfg.Window.Spec()
	if err != nil {
		return nil, fmt.Errorf("window: %w", err)
	}
	files, err := logs.NewFileSet(cfg.Logs.Include, cfg.Logs.Exclude)
	if err != nil {
		return nil, fmt.Errorf("logs.include/exclude: %w", err)
	}
	mgr, err := service.New(cfg.Services)
	if err != nil {
		return nil, err
	}
	p := cfg.Path
	b := cfg.Backups
	in := &Installation{
		Config:     cfg,
		ConfigPath: configPath,
		Root:       cfg.Root,
		StateDir:   p(cfg.StateDir),
		ReportsDir: p(cfg.ReportsDir),
		Operator:   cfg.Operator,
		Zone:       spec.Location,
		Window: runbook.Window{Weekday: spec.Weekday, Hour: spec.Hour, Minute: spec.Minute,
			Duration: spec.Duration, Location: spec.Location, Blackout: blackout(spec.Blackout)},
		Overrun:    runbook.Overrun{Policy: runbook.OverrunPolicy(cfg.Window.Overrun), MaxExtension: cfg.Window.MaxExtension.D()},
		Thresholds: cfg.Thresholds,
		Database: Database{
			Path: p(cfg.Database.Path), CountTables: slices.Clone(cfg.Database.CountTables),
			Vacuum: cfg.Database.Vacuum, VacuumFreelistRatio: cfg.Database.VacuumFreelistRatio,
			VacuumUnusedRatio: cfg.Database.VacuumUnusedRatio, Reindex: cfg.Database.Reindex,
			Verify: cfg.Database.Verify, OnCorruption: cfg.Database.OnCorruption, Service: cfg.Database.Service,
			Postgres: cfg.Database.Postgres,
		},
		Backups: Backups{
			Dir:            p(b.Dir),
			Layout:         backup.Layout{DailyDir: p(b.DailyDir), WeeklyDir: p(b.WeeklyDir), MaintenanceDir: p(b.MaintenanceDir)},
			EnvFile:        p(cfg.Security.EnvFile),
			DataDir:        p(b.DataDir),
			PreRecoveryDir: p(b.PreRecoveryDir),
			Retention: backup.PrunePolicy{KeepDaily: b.KeepDaily, KeepWeekly: b.KeepWeekly, KeepMonthly: b.KeepMonthly,
				KeepMaintenanceWithin: b.KeepMaintenanceWithin.D()},
			Prune:   b.Prune,
			Offsite: resolveOffsite(cfg),
		},
		Logs: Logs{
			Dir: p(cfg.Logs.Dir), ErrorsDir: p(cfg.Logs.ErrorsDir), MetricsFile: p(cfg.Logs.MetricsFile),
			ArchiveDir: p(cfg.Logs.ArchiveDir), Files: files,
			Include: slices.Clone(cfg.Logs.Include), Exclude: slices.Clone(cfg.Logs.Exclude),
			CompressAfter: cfg.Logs.CompressAfter.D(), ArchiveAfter: cfg.Logs.ArchiveAfter.D(),
			DeleteAfter: cfg.Logs.DeleteArchivesAfter.D(),
		},
		Security:       resolveSecurity(cfg),
		Updates:        resolveUpdates(cfg),
		UpdatePolicies: resolvePolicies(cfg),
		Services: Services{ManagerName: cfg.Services.Manager, Manager: mgr,
			ReadyTimeout: cfg.Services.ReadyTimeout.D(), Units: resolveUnits(cfg)},
		Health: Health{Checks: health.FromConfig(cfg.Health.Endpoints, cfg.Health.Timeout.D()), Timeout: cfg.Health.Timeout.D(),
			Benchmark: cfg.Health.Benchmark},
	}
	if in.Zone == nil {
		in.Zone = time.Local
	}
	in.resolveDatabaseURL()
	in.dropAbsentSQLiteMode()
	return in, nil
}

// dropAbsentSQLiteMode leaves out the file-mode rule of the SQLite file
// on a PostgreSQL installation that has no such file (the default rules
// name it): "missing" would be a warning about nothing. A SQLite file
// still there keeps its rule: it holds the data it held.
func (in *Installation) dropAbsentSQLiteMode() {
	if in.Database.URL == "" {
		return
	}
	if _, err := os.Lstat(in.Database.Path); err == nil {
		return
	}
	s := &in.Security
	for i := len(s.FileModes) - 1; i >= 0; i-- {
		if s.FileModes[i].Path == in.Database.Path {
			s.FileModes = slices.Delete(s.FileModes, i, i+1)
			s.Perms = slices.Delete(s.Perms, i, i+1)
		}
	}
}

// resolveDatabaseURL picks the PostgreSQL database: database.url, else
// the DATABASE_URL the application's .env sets when it names PostgreSQL
// (a sqlite:/// URL there, or no .env, keeps database.path).
func (in *Installation) resolveDatabaseURL() {
	if u := in.Config.Database.URL; u != "" {
		in.Database.URL, in.Database.URLFrom = config.NormalizePostgresURL(u), "database.url"
		return
	}
	env := in.Backups.EnvFile
	u, err := config.PostgresURLFromEnvFile(env)
	if err != nil {
		// Not fatal: a SQLite installation's commands run as another
		// user (reading backups, say) must not fail on its .env.
		in.Database.EnvProblem = fmt.Sprintf("could not read DATABASE_URL from %s: %v: maintaining the SQLite file %s (run as the file's owner or root, or set database.url if the application uses PostgreSQL)", env, err, in.Database.Path)
		return
	}
	if u != "" {
		in.Database.URL, in.Database.URLFrom = u, env
	}
}

func resolveSecurity(cfg config.Config) Security {
	s := cfg.Security
	out := Security{EnvFile: cfg.Path(s.EnvFile), TLSKeys: map[string]string{},
		TLSEndpoints: slices.Clone(s.TLSEndpoints), TLSCAFile: cfg.Path(s.TLSCAFile)}
	for _, fm := range s.FileModes {
		fm.Path = cfg.Path(fm.Path)
		out.FileModes = append(out.FileModes, fm)
		out.Perms = append(out.Perms, security.PermRule{Path: fm.Path, Max: fm.Mode.Perm(), Owner: fm.Owner,
			Recursive: fm.FilesMode != 0, FilesMax: fm.FilesMode.Perm()})
	}
	for _, c := range s.TLSCerts {
		out.TLSCerts = append(out.TLSCerts, cfg.Path(c))
	}
	for _, k := range s.TLSKeys {
		out.TLSKeys[cfg.Path(k.Cert)] = cfg.Path(k.Key)
	}
	for _, l := range s.HostLogs {
		out.HostLogs = append(out.HostLogs, cfg.Path(l))
	}
	return out
}

// resolveUnits makes the units' pid files absolute.
func resolveUnits(cfg config.Config) []config.Service {
	units := slices.Clone(cfg.Services.Units)
	for i := range units {
		units[i].PidFile = cfg.Path(units[i].PidFile)
	}
	return units
}

// resolveUpdates makes the venv and frontend paths absolute.
func resolveUpdates(cfg config.Config) config.Updates {
	u := cfg.Updates
	u.Apt.RebootRequiredFile = cfg.Path(u.Apt.RebootRequiredFile)
	u.Apt.ListFile = cfg.Path(u.Apt.ListFile)
	u.Pip.Venv = cfg.Path(u.Pip.Venv)
	u.Pip.Watch = slices.Clone(u.Pip.Watch)
	u.Npm.Dir = cfg.Path(u.Npm.Dir)
	return u
}

// CreateOptions are the options of a backup of kind taken now.
func (in *Installation) CreateOptions(kind backup.Kind, now time.Time, tags ...string) backup.CreateOptions {
	return backup.CreateOptions{
		Kind: kind, DBPath: in.Database.Path, EnvFile: in.Backups.EnvFile, DataDir: in.Backups.DataDir,
		ConfigFile: in.ConfigPath, Layout: in.Backups.Layout, Now: now.In(in.Zone), Tags: tags,
		Verify: in.Database.Verify, ToolVersion: in.ToolVersion, Postgres: in.Database.PostgresSource(),
	}
}

// PostgresSource is the PostgreSQL database backups are taken from and
// restored into; nil for SQLite.
func (d Database) PostgresSource() *backup.PostgresSource {
	if d.URL == "" {
		return nil
	}
	return &backup.PostgresSource{URL: d.URL, BinDir: d.Postgres.BinDir}
}

// Secrets are the installation's secret values, for the redaction layer:
// those of the .env file (security.env_file) and those the config itself
// holds (URL passwords, secret arguments of service commands). The config
// secrets come back even when the .env file cannot be read; the error
// says which file failed.
func Secrets(cfg config.Config) ([]string, error) {
	secrets, err := security.EnvSecrets(cfg.Path(cfg.Security.EnvFile))
	secrets = append(secrets, config.Secrets(cfg)...)
	if o := resolveOffsite(cfg); o != nil {
		// The bucket's keys, wherever they come from (variables or the
		// credentials file), never appear in any output.
		secrets = append(secrets, o.Auth.Secrets()...)
	}
	return secrets, err
}

// resolveOffsite builds the off-site options from backups.offsite and
// installation.id (files relative to root); nil when no URL is set.
func resolveOffsite(cfg config.Config) *offsite.Options {
	o := cfg.Backups.Offsite
	if !o.Enabled() {
		return nil
	}
	bucket, prefix, _ := o.BucketPrefix()
	return &offsite.Options{
		Bucket: bucket, Prefix: prefix, Installation: config.InstallationID(cfg),
		Endpoint: o.Endpoint, Region: o.Region, PathStyle: o.PathStyle,
		Auth:       offsite.Auth{KeyIDEnv: o.Auth.KeyIDEnv, KeyEnv: o.Auth.KeyEnv, File: cfg.Path(o.Auth.File), Profile: o.Auth.Profile},
		Recipients: slices.Clone(o.Encrypt.Recipients), RecipientsFile: cfg.Path(o.Encrypt.RecipientsFile),
		IdentityFile: cfg.Path(o.Encrypt.IdentityFile),
		PartSize:     int64(o.PartSize) << 20, Timeout: o.Timeout.D(), Retries: o.Retries, Prune: o.Prune,
	}
}

// UnitNames are the names of the managed units.
func (s Services) UnitNames() []string {
	var out []string
	for _, u := range s.Managed() {
		out = append(out, u.Name)
	}
	return out
}

// ComprehensiveInput is what the comprehensive health check looks at on
// this installation, given the endpoint probes' results and the units'
// states (the caller probes, so a run that already did does not again).
func (in *Installation) ComprehensiveInput(endpoints []health.Result, states []health.ServiceState) health.ComprehensiveInput {
	return health.ComprehensiveInput{
		Endpoints:  endpoints,
		DBPath:     in.Database.Path,
		DBURL:      in.Database.URL,
		Services:   states,
		Modes:      in.Security.FileModes,
		Thresholds: in.Thresholds,
	}
}

// Secrets are this installation's secret values (see the function Secrets).
func (in *Installation) Secrets() ([]string, error) { return Secrets(in.Config) }

// blackout converts the parsed window.blackout entries for the engine.
func blackout(days []config.BlackoutDays) []runbook.Blackout {
	var out []runbook.Blackout
	for _, d := range days {
		out = append(out, runbook.Blackout{First: d.First, Last: d.Last, Entry: d.Entry})
	}
	return out
}
