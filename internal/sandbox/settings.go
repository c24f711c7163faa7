package sandbox

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/fossawork/fossamaint/internal/config"
	"github.com/fossawork/fossamaint/internal/durable"
)

// SettingsFile is the demo backend's settings, in the installation dir.
const SettingsFile = "demo-backend.json"

// ConfigFile is the demo's fossamaint config, in the installation dir.
const ConfigFile = "fossamaint.yaml"

// pidfile is where the backend daemon's pid is kept, relative to the
// installation: the demo config names it as the unit's pid_file, so the
// run's top processes are the backend's.
const pidfile = "state/backend.pid"

// Credential is a demo login the backend accepts.
type Credential struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

// Settings is demo-backend.json. Relative paths are relative to the
// installation dir; LoadSettings makes them absolute.
type Settings struct {
	Addr    string `json:"addr"`
	DB      string `json:"db"`
	LogDir  string `json:"log_dir"`
	Pidfile string `json:"pidfile"`
	Logfile string `json:"logfile"`
	// EnvFile is the application's .env: a PostgreSQL DATABASE_URL
	// there is the database the backend serves from, as FossaWork reads
	// it; otherwise it is the SQLite file DB.
	EnvFile string `json:"env_file,omitempty"`
	// AttackAddrs are TEST-NET addresses written into failed-login lines.
	AttackAddrs []string     `json:"attack_addrs"`
	Users       []Credential `json:"users"`
	// WriteIntervalMS and MaxWrites bound the concurrent writer.
	WriteIntervalMS int `json:"write_interval_ms"`
	MaxWrites       int `json:"max_writes"`
	// AttackBursts bursts of AttackBurstSize failed logins, every
	// AttackIntervalMS.
	AttackBursts     int `json:"attack_bursts"`
	AttackBurstSize  int `json:"attack_burst_size"`
	AttackIntervalMS int `json:"attack_interval_ms"`
}

func defaultSettings(addr string, f *faker) Settings {
	return Settings{
		Addr: addr, DB: "backend/fossawork_v2.db", LogDir: "logs",
		Pidfile: pidfile, Logfile: "logs/backend/demo-backend.out", EnvFile: "backend/.env",
		AttackAddrs:     append([]string(nil), attackAddrs...),
		Users:           []Credential{{Username: "admin", Password: f.token(16)}},
		WriteIntervalMS: 200, MaxWrites: 3000,
		AttackBursts: 4, AttackBurstSize: 8, AttackIntervalMS: 1500,
	}
}

// LoadSettings reads dir/demo-backend.json and resolves its paths.
func LoadSettings(dir string) (Settings, error) {
	path := filepath.Join(dir, SettingsFile)
	data, err := os.ReadFile(path)
	if err != nil {
		return Settings{}, fmt.Errorf("reading demo settings %s: %w", path, err)
	}
	var s Settings
	if err := json.Unmarshal(data, &s); err != nil {
		return Settings{}, fmt.Errorf("decoding demo settings %s: %w", path, err)
	}
	if s.Addr == "" || s.DB == "" || s.LogDir == "" || s.Pidfile == "" || s.Logfile == "" {
		return Settings{}, fmt.Errorf("demo settings %s: addr, db, log_dir, pidfile and logfile must be set", path)
	}
	for _, p := range []*string{&s.DB, &s.LogDir, &s.Pidfile, &s.Logfile, &s.EnvFile} {
		if *p != "" && !filepath.IsAbs(*p) {
			*p = filepath.Join(dir, *p)
		}
	}
	return s, nil
}

func writeSettings(dir string, s Settings) error {
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding demo settings: %w", err)
	}
	// 0600: it holds the demo login.
	return durable.WriteFile(filepath.Join(dir, SettingsFile), append(data, '\n'), 0o600, "settings")
}

// demoConfig is config.Default() pointed at the demo tree and its backend.
// On PostgreSQL (pg) the database is not named here: fossamaint finds
// DATABASE_URL in backend/.env, as the application does.
func demoConfig(dir, exe, addr string, pg bool) config.Config {
	base := "http://" + addr
	cfg := config.Default()
	cfg.Root = dir
	cfg.StateDir = "state"
	cfg.ReportsDir = "logs/reports"
	cfg.Operator = "fossamaint demo"
	cfg.Security.TLSCerts = []string{"certs/fossawork.crt"}
	cfg.Updates.Pip.Venv = "backend/venv"
	cfg.Updates.Npm.Dir = "frontend"
	// The demo machine's own package state, reboot flag and auth log,
	// and only the backend's processes: never the real host's.
	cfg.Updates.Apt.ListFile = AptListFile
	cfg.Updates.Apt.RebootRequiredFile = RebootFile
	cfg.Security.HostLogs = []string{AuthLogFile}
	cmd := func(verb string) []string { return []string{exe, "demo-backend", verb, "--dir", dir} }
	cfg.Services.Manager = "exec"
	cfg.Services.ReadyTimeout = config.Duration(30 * time.Second)
	cfg.Services.Units = []config.Service{{
		Name: "fossawork-backend", HealthURL: base + "/api/health",
		Start: cmd("start"), Stop: cmd("stop"), Status: cmd("status"),
		PidFile: pidfile,
	}}
	cfg.Health.Endpoints = []config.Endpoint{
		{Name: "health", URL: base + "/api/health", Expect: []int{200}, Critical: true},
		{Name: "work-orders", URL: base + "/api/work-orders", Expect: []int{200}, Critical: true},
		{Name: "dispensers", URL: base + "/api/dispensers", Expect: []int{200}, Critical: true},
		{Name: "auth-validate", URL: base + "/api/auth/validate", Expect: []int{200, 401}},
		{Name: "frontend", URL: base + "/", Expect: []int{200}},
	}
	// A short benchmark: the demo shows the tables in seconds, not the
	// production default's 70 s of requests; 100 requests an endpoint in
	// the performance phase, enough to compare p95 with last week's.
	cfg.Health.Benchmark.Rate = 250
	cfg.Health.Benchmark.Duration = config.Duration(2 * time.Second)
	cfg.Health.Benchmark.BaselineDuration = config.Duration(time.Second)
	if pg {
		// The demo's server is its own: check and stats may create the
		// amcheck and pgstattuple extensions (contrib, in Debian's
		// postgresql package) for the integrity check and exact bloat.
		cfg.Database.Postgres.InstallExtensions = true
	}
	return cfg
}

// writeConfig writes fossamaint.yaml and proves it loads and validates.
func writeConfig(dir string, cfg config.Config) (string, error) {
	data, err := config.Marshal(cfg)
	if err != nil {
		return "", fmt.Errorf("encoding demo config: %w", err)
	}
	path := filepath.Join(dir, ConfigFile)
	if err := durable.WriteFile(path, data, 0o600, "config"); err != nil {
		return "", err
	}
	if _, err := config.Load(path); err != nil {
		return "", fmt.Errorf("demo config does not load: %w", err)
	}
	return path, nil
}

func removeIfExists(path string) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}
