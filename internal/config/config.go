package config

import (
	"path/filepath"
	"time"
)

// Config is the whole of fossamaint's configuration. Paths that are not
// absolute resolve against Root (see Resolve), so the same file maintains an
// installation wherever it lives and the demo can point it at a temp dir.
type Config struct {
	// Root is the installation directory; relative paths resolve against it.
	Root string `yaml:"root"`
	// StateDir holds the lock file and the run history database.
	StateDir string `yaml:"state_dir"`
	// ReportsDir receives maintenance-<ts>.{md,json,html}.
	ReportsDir string `yaml:"reports_dir"`
	// Operator is named in the report as "Maintenance Performed By".
	Operator string `yaml:"operator"`
	// Installation names this installation in off-site object names and
	// the fleet history.
	Installation Installation `yaml:"installation"`

	Window     Window     `yaml:"window"`
	Thresholds Thresholds `yaml:"thresholds"`
	Database   Database   `yaml:"database"`
	Logs       Logs       `yaml:"logs"`
	Backups    Backups    `yaml:"backups"`
	Security   Security   `yaml:"security"`
	Updates    Updates    `yaml:"updates"`
	Services   Services   `yaml:"services"`
	Health     Health     `yaml:"health"`
	Metrics    Metrics    `yaml:"metrics"`
	Notify     Notify     `yaml:"notify"`
	Serve      Serve      `yaml:"serve"`
	History    History    `yaml:"history"`
}

// Metrics is what monitoring reads of the runs.
type Metrics struct {
	// Textfile is the Prometheus textfile-collector file every weekly
	// run (not a dry run) rewrites atomically; relative to state_dir
	// unless absolute; "" writes none. Point it into node_exporter's
	// --collector.textfile.directory.
	Textfile string `yaml:"textfile"`
}

// TextfilePath is the textfile's path given the resolved state_dir, or ""
// when it is disabled.
func (m Metrics) TextfilePath(stateDir string) string {
	if m.Textfile == "" || filepath.IsAbs(m.Textfile) {
		return m.Textfile
	}
	return filepath.Join(stateDir, m.Textfile)
}

// Window is the weekly maintenance window (gatus-style: weekday, hh:mm,
// duration, IANA zone) and what to do when the work outgrows it.
type Window struct {
	Weekday  string   `yaml:"weekday"`
	Start    string   `yaml:"start"`
	Duration Duration `yaml:"duration"`
	Timezone string   `yaml:"timezone"`
	// Notice is how long before the window stakeholders are told.
	Notice Duration `yaml:"notice"`
	// Overrun is the policy when a step's budget no longer fits in the
	// time left: postpone (the step), extend (the window, up to
	// MaxExtension, telling stakeholders the revised end) or rollback
	// (the run, to its rollback point).
	Overrun string `yaml:"overrun"`
	// MaxExtension is how far past its planned end overrun: extend may
	// move the window's end. The default, an hour: the seed's Emergency
	// Procedures spend 30 minutes assessing, telling and deciding alone.
	MaxExtension Duration `yaml:"max_extension"`
	// Blackout are days on which the window does not open: "2026-12-24"
	// or an inclusive range "2026-12-24..2027-01-02", dates in the
	// window's zone.
	Blackout []string `yaml:"blackout"`
}

// Thresholds are the seed's warning levels, in percent.
type Thresholds struct {
	DiskPercent float64 `yaml:"disk_percent"`
	// LoadPercent is load1 per CPU in percent: above 100 when more is
	// runnable than there are CPUs, so it has no upper bound.
	LoadPercent              float64 `yaml:"load_percent"`
	MemoryPercent            float64 `yaml:"memory_percent"`
	CPUPercent               float64 `yaml:"cpu_percent"`
	LatencyRegressionPercent float64 `yaml:"latency_regression_percent"`
	ErrorsPerWeek            int     `yaml:"errors_per_week"`
	FailedLoginsPerWeek      int     `yaml:"failed_logins_per_week"`
	TLSWarnDays              int     `yaml:"tls_warn_days"`
	// TLSCriticalDays makes a certificate this close to expiry critical.
	TLSCriticalDays int `yaml:"tls_critical_days"`
}

// Database names the application's SQLite database.
type Database struct {
	Path string `yaml:"path"`
	// CountTables are counted in the report (the seed counts these two).
	CountTables []string `yaml:"count_tables"`
	// Vacuum is auto (only when fragmented), always, never, or incremental
	// (switch the file to auto_vacuum=INCREMENTAL on the next VACUUM due,
	// then give free pages back online, without downtime).
	Vacuum string `yaml:"vacuum"`
	// VacuumFreelistRatio is the free-page share (0-1) that makes auto
	// vacuum; VacuumUnusedRatio the share of unused bytes inside pages.
	VacuumFreelistRatio float64 `yaml:"vacuum_freelist_ratio"`
	VacuumUnusedRatio   float64 `yaml:"vacuum_unused_ratio"`
	// Reindex is auto (only when the integrity check reports index
	// problems) or always.
	Reindex string `yaml:"reindex"`
	// Verify is the check run on every backup: quick or full.
	Verify string `yaml:"verify"`
	// OnCorruption is stop (services stay up, the operator restores) or
	// restore (the newest verified backup from before the corruption).
	OnCorruption string `yaml:"on_corruption"`
	// Service is the unit stopped for the downtime part of the phase.
	Service string `yaml:"service"`
	// URL selects PostgreSQL (postgres://user@host/db, or a socket
	// directory: postgres:///db?host=/run/postgresql). Empty: DATABASE_URL
	// from security.env_file when it names PostgreSQL, as the application
	// reads it; otherwise Path, the SQLite file.
	URL string `yaml:"url,omitempty"`
	// Postgres are the options of a PostgreSQL database.
	Postgres Postgres `yaml:"postgres"`
}

// Postgres is how a PostgreSQL database is maintained.
type Postgres struct {
	// BinDir holds pg_dump, pg_restore and pg_amcheck; empty: PATH, then
	// the newest /usr/lib/postgresql/*/bin.
	BinDir string `yaml:"bin_dir,omitempty"`
	// InstallExtensions lets check and stats CREATE EXTENSION amcheck and
	// pgstattuple in the application's database when they are missing.
	InstallExtensions bool `yaml:"install_extensions"`
	// DeadTuplePercent is the share of dead tuples (0-100) above which a
	// table gets VACUUM (ANALYZE), online.
	DeadTuplePercent float64 `yaml:"dead_tuple_percent"`
	// IndexBloatPercent is the estimated bloat (0-100) above which an
	// index is rebuilt with REINDEX INDEX CONCURRENTLY, online.
	IndexBloatPercent float64 `yaml:"index_bloat_percent"`
	// VacuumFull is never (the default) or downtime: VACUUM FULL of each
	// table above VacuumFullBloatPercent, with the service stopped, inside
	// the window's budget, after the dump taken as the rollback point.
	VacuumFull             string  `yaml:"vacuum_full"`
	VacuumFullBloatPercent float64 `yaml:"vacuum_full_bloat_percent"`
}

// Logs describes the application's log tree and its retention.
type Logs struct {
	Dir         string `yaml:"dir"`
	ErrorsDir   string `yaml:"errors_dir"`
	MetricsFile string `yaml:"metrics_file"`
	ArchiveDir  string `yaml:"archive_dir"`
	// Include and Exclude select the log files under Dir by glob, relative
	// to Dir with `/` separators and `**` for any depth (doublestar syntax).
	// A directory an exclude glob matches is not walked.
	Include []string `yaml:"include"`
	Exclude []string `yaml:"exclude"`
	// CompressAfter, ArchiveAfter and DeleteArchivesAfter are ages of a
	// file's own modification time.
	CompressAfter       Duration `yaml:"compress_after"`
	ArchiveAfter        Duration `yaml:"archive_after"`
	DeleteArchivesAfter Duration `yaml:"delete_archives_after"`
}

// Backups describes the backup tree (upstream runbook layout) and retention.
type Backups struct {
	Dir            string `yaml:"dir"`
	DailyDir       string `yaml:"daily_dir"`
	WeeklyDir      string `yaml:"weekly_dir"`
	MaintenanceDir string `yaml:"maintenance_dir"`
	KeepDaily      int    `yaml:"keep_daily"`
	KeepWeekly     int    `yaml:"keep_weekly"`
	KeepMonthly    int    `yaml:"keep_monthly"`
	// KeepMaintenanceWithin keeps pre-maintenance rollback points this long.
	KeepMaintenanceWithin Duration `yaml:"keep_maintenance_within"`
	PreRecoveryDir        string   `yaml:"pre_recovery_dir"`
	// DataDir is the application's data directory (uploads, exports),
	// copied into every daily and emergency set.
	DataDir string `yaml:"data_dir"`
	// Prune makes the weekly backups phase delete what retention removes;
	// otherwise it only reports it.
	Prune bool `yaml:"prune"`
	// Offsite copies verified backups to S3-compatible storage.
	Offsite Offsite `yaml:"offsite"`
}

// Security configures the file-mode audit and certificate checks.
type Security struct {
	EnvFile   string     `yaml:"env_file"`
	FileModes []FileMode `yaml:"file_modes"`
	TLSCerts  []string   `yaml:"tls_certs"`
	// TLSKeys pairs certificate files with their private keys, checked to
	// match; certificates without an entry are checked alone.
	TLSKeys []TLSKey `yaml:"tls_keys"`
	// TLSEndpoints are live servers checked over the network, each
	// "host:port" or "host:port,sni" (the name sent and verified).
	TLSEndpoints []string `yaml:"tls_endpoints"`
	// TLSCAFile holds the roots chains must reach (PEM); empty means the
	// system's trusted roots.
	TLSCAFile string `yaml:"tls_ca_file"`
	// HostLogs are the system's authentication logs reviewed for failed
	// logins (sshd, nginx and Apache auth, PAM); missing files are skipped.
	HostLogs []string `yaml:"host_logs"`
}

// FileMode is the most permissive mode a path may have.
type FileMode struct {
	Path string `yaml:"path"`
	Mode Mode   `yaml:"mode"`
	// Owner, when set, is the user (name or uid) that must own the path
	// (and everything below it when FilesMode is set).
	Owner string `yaml:"owner,omitempty"`
	// FilesMode, when set on a directory, is the most permissive mode of
	// every file below it; subdirectories are held to Mode.
	FilesMode Mode `yaml:"files_mode,omitempty"`
}

// TLSKey names the private key of a certificate file.
type TLSKey struct {
	Cert string `yaml:"cert"`
	Key  string `yaml:"key"`
}

// Updates configures the update checks and what the weekly run applies
// of them (updates.*.apply: none, the default, reports only).
type Updates struct {
	Apt AptUpdates `yaml:"apt"`
	Pip PipUpdates `yaml:"pip"`
	Npm NpmUpdates `yaml:"npm"`
	// Reboot is what happens when an update asks for a reboot: never
	// (report it), window-end (scheduled for the end of the maintenance
	// steps, inside the window) or now (after the report and the
	// notification).
	Reboot string `yaml:"reboot"`
}

// AptUpdates checks the OS packages.
type AptUpdates struct {
	Enabled bool `yaml:"enabled"`
	// RebootRequiredFile is /var/run/reboot-required on Debian and Ubuntu.
	RebootRequiredFile string `yaml:"reboot_required_file"`
	// ListFile, when set, is read instead of running `apt list
	// --upgradable`: that command's output, written by a job that may run
	// apt (or the demo's generated package state). Under root it is the
	// installation's own state; elsewhere, the host's.
	ListFile string `yaml:"list_file,omitempty"`
	// Apply is what the weekly run installs: none (report only), security
	// (candidates from a security origin) or all.
	Apply string `yaml:"apply"`
	// Exclude are packages never upgraded (held packages never are).
	Exclude []string `yaml:"exclude"`
}

// PipUpdates checks the backend's virtualenv.
type PipUpdates struct {
	Enabled bool     `yaml:"enabled"`
	Venv    string   `yaml:"venv"`
	Watch   []string `yaml:"watch"`
	// Apply is none (report only), patch, minor (upgrades within that
	// semver range) or all.
	Apply   string   `yaml:"apply"`
	Exclude []string `yaml:"exclude"`
}

// NpmUpdates audits the frontend's dependencies.
type NpmUpdates struct {
	Enabled bool   `yaml:"enabled"`
	Dir     string `yaml:"dir"`
	// Apply is none (report only), patch, minor or all.
	Apply   string   `yaml:"apply"`
	Exclude []string `yaml:"exclude"`
	// Build is the frontend's build command (argv), run after an
	// applied update; empty: none.
	Build []string `yaml:"build"`
	// InstallScripts lets the applied npm install and npm ci run the
	// packages' lifecycle scripts (postinstall...); false (the default)
	// passes --ignore-scripts: they are code from the registry.
	InstallScripts bool `yaml:"install_scripts"`
}

// Services says how fossamaint stops, starts and probes the application.
type Services struct {
	// Manager is systemd, exec or none.
	Manager string `yaml:"manager"`
	// ReadyTimeout bounds the readiness poll after a start.
	ReadyTimeout Duration  `yaml:"ready_timeout"`
	Units        []Service `yaml:"units"`
}

// Service is one managed unit. Start, Stop and Status are argv arrays used
// by the exec manager; they are never passed through a shell.
type Service struct {
	Name      string   `yaml:"name"`
	HealthURL string   `yaml:"health_url"`
	Start     []string `yaml:"start,omitempty"`
	Stop      []string `yaml:"stop,omitempty"`
	Status    []string `yaml:"status,omitempty"`
	// PidFile, when set, holds the unit's main pid: the weekly
	// top-processes step then lists that process and its descendants (the
	// installation's own processes) rather than the whole host's.
	PidFile string `yaml:"pid_file,omitempty"`
}

// Health lists the endpoints the health checks probe.
type Health struct {
	Timeout   Duration   `yaml:"timeout"`
	Endpoints []Endpoint `yaml:"endpoints"`
	// Benchmark is the weekly run's open-loop benchmark of the endpoints.
	Benchmark Benchmark `yaml:"benchmark"`
}

// Benchmark sets the weekly run's benchmark of health.endpoints (GET
// only): Rate requests per second in total, spread over the endpoints,
// for Duration in the performance phase and for BaselineDuration before
// (preflight) and after (postflight) maintenance.
type Benchmark struct {
	Enabled          bool     `yaml:"enabled"`
	Rate             float64  `yaml:"rate"`
	Duration         Duration `yaml:"duration"`
	BaselineDuration Duration `yaml:"baseline_duration"`
}

// Endpoint is one HTTP check: the statuses that count as healthy.
type Endpoint struct {
	Name   string `yaml:"name"`
	URL    string `yaml:"url"`
	Expect []int  `yaml:"expect"`
	// Critical endpoints fail postflight; others warn.
	Critical bool `yaml:"critical"`
}

// defaultWindow is the seed's window: Saturday 02:00 for 4 hours, a day's
// notice, no blackout dates.
func defaultWindow() Window {
	return Window{
		Weekday:      "saturday",
		Start:        "02:00",
		Duration:     Duration(4 * time.Hour),
		Timezone:     "Local",
		Notice:       Duration(24 * time.Hour),
		Overrun:      "postpone",
		MaxExtension: Duration(time.Hour),
		Blackout:     []string{},
	}
}

// Default is the FossaWork V2 layout and the seed's thresholds and schedule.
func Default() Config {
	return Config{
		Root:       "/opt/fossawork",
		StateDir:   "/var/lib/fossamaint",
		ReportsDir: "logs/reports",
		Operator:   "fossamaint",
		Window:     defaultWindow(),
		Thresholds: Thresholds{
			DiskPercent:              85,
			LoadPercent:              80,
			MemoryPercent:            85,
			CPUPercent:               80,
			LatencyRegressionPercent: 50,
			ErrorsPerWeek:            100,
			FailedLoginsPerWeek:      50,
			TLSWarnDays:              30,
			TLSCriticalDays:          7,
		},
		Database: Database{
			Path:                "backend/fossawork_v2.db",
			CountTables:         []string{"work_orders", "dispensers"},
			Vacuum:              "auto",
			VacuumFreelistRatio: 0.10,
			VacuumUnusedRatio:   0.25,
			Reindex:             "auto",
			Verify:              "quick",
			OnCorruption:        "stop",
			Service:             "fossawork-backend",
			Postgres: Postgres{DeadTuplePercent: 10, IndexBloatPercent: 30,
				VacuumFull: "never", VacuumFullBloatPercent: 50},
		},
		// Include and Exclude are logs.DefaultInclude and DefaultExclude,
		// written out so that config imports no domain package
		// (TestDefaultLogGlobsAreLogsDefaults keeps them equal).
		Logs: Logs{
			Dir:                 "logs",
			ErrorsDir:           "logs/errors",
			MetricsFile:         "logs/performance/performance-metrics.jsonl",
			ArchiveDir:          "archives/logs",
			Include:             []string{"**/*.jsonl", "**/*.jsonl.gz", "**/*.log", "**/*.log.gz"},
			Exclude:             []string{"**/performance/**", "**/reports/**"},
			CompressAfter:       Duration(7 * 24 * time.Hour),
			ArchiveAfter:        Duration(30 * 24 * time.Hour),
			DeleteArchivesAfter: Duration(90 * 24 * time.Hour),
		},
		Backups: Backups{
			Dir:                   "backups",
			DailyDir:              "backups/daily",
			WeeklyDir:             "backups/weekly",
			MaintenanceDir:        "backups/maintenance",
			KeepDaily:             14,
			KeepWeekly:            4,
			KeepMonthly:           6,
			KeepMaintenanceWithin: Duration(30 * 24 * time.Hour),
			PreRecoveryDir:        "backups/pre-recovery",
			DataDir:               "backend/data",
			Offsite:               defaultOffsite(),
		},
		Security: defaultSecurity(),
		Updates: Updates{
			Reboot: "window-end",
			Apt:    AptUpdates{Enabled: true, RebootRequiredFile: "/var/run/reboot-required", Apply: "none", Exclude: []string{}},
			Pip: PipUpdates{Enabled: true, Venv: "backend/venv",
				Watch: []string{"fastapi", "uvicorn", "sqlalchemy", "requests"}, Apply: "none", Exclude: []string{}},
			Npm: NpmUpdates{Enabled: true, Dir: "frontend", Apply: "none", Exclude: []string{}, Build: []string{}},
		},
		Services: defaultServices(),
		Health:   defaultHealth(),
		Metrics:  Metrics{Textfile: "fossamaint.prom"},
		Notify:   defaultNotify(),
		Serve:    defaultServe(),
		History:  defaultHistory(),
	}
}

// defaultServices is Default().Services: the upstream units under systemd.
func defaultServices() Services {
	return Services{
		Manager:      "systemd",
		ReadyTimeout: Duration(60 * time.Second),
		Units: []Service{
			{Name: "fossawork-backend", HealthURL: "http://localhost:8000/api/health"},
			{Name: "fossawork-frontend", HealthURL: "http://localhost:5173/"},
		},
	}
}

// defaultSecurity is Default().Security: the upstream files that hold
// secrets and where a host keeps its certificates and auth logs.
func defaultSecurity() Security {
	return Security{
		EnvFile: "backend/.env",
		FileModes: []FileMode{
			{Path: "backend/fossawork_v2.db", Mode: 0o600},
			{Path: "backend/.env", Mode: 0o600},
			{Path: "backend/data", Mode: 0o700},
			{Path: "backups", Mode: 0o700, FilesMode: 0o600},
		},
		TLSCerts:     []string{"/etc/ssl/certs/fossawork.crt"},
		TLSKeys:      []TLSKey{},
		TLSEndpoints: []string{},
		HostLogs:     []string{"/var/log/auth.log", "/var/log/secure", "/var/log/nginx/error.log", "/var/log/apache2/error.log"},
	}
}

// defaultHealth is Default().Health: the upstream endpoints.
func defaultHealth() Health {
	return Health{
		Timeout:   Duration(5 * time.Second),
		Benchmark: Benchmark{Enabled: true, Rate: 50, Duration: Duration(time.Minute), BaselineDuration: Duration(10 * time.Second)},
		Endpoints: []Endpoint{
			{Name: "health", URL: "http://localhost:8000/api/health", Expect: []int{200}, Critical: true},
			{Name: "work-orders", URL: "http://localhost:8000/api/work-orders", Expect: []int{200}, Critical: true},
			{Name: "dispensers", URL: "http://localhost:8000/api/dispensers", Expect: []int{200}, Critical: true},
			{Name: "auth-validate", URL: "http://localhost:8000/api/auth/validate", Expect: []int{200, 401}},
			{Name: "frontend", URL: "http://localhost:5173/", Expect: []int{200}},
		},
	}
}
