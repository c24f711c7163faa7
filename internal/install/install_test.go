package install

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fossawork/fossamaint/internal/backup"
	"github.com/fossawork/fossamaint/internal/config"
	"github.com/fossawork/fossamaint/internal/perf"
)

func TestResolveMakesEveryPathAbsoluteOnce(t *testing.T) {
	cfg := config.Default()
	cfg.Root = "/srv/fw"
	cfg.Window.Timezone = "Europe/Berlin"
	cfg.Security.TLSKeys = []config.TLSKey{{Cert: "tls/a.crt", Key: "tls/a.key"}}
	cfg.Database.Path = "postgres://u:pw@db/fw" // a URL stays a URL
	in, err := Resolve(cfg, "/etc/fossamaint.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for name, got := range map[string]string{
		"reports_dir":      in.ReportsDir,
		"backups.daily":    in.Backups.Layout.DailyDir,
		"backups.data_dir": in.Backups.DataDir,
		"pre_recovery":     in.Backups.PreRecoveryDir,
		"logs.dir":         in.Logs.Dir,
		"logs.metrics":     in.Logs.MetricsFile,
		"env_file":         in.Security.EnvFile,
		"perm rule":        in.Security.Perms[0].Path,
		"file mode":        in.Security.FileModes[0].Path,
		"tls key":          in.Security.TLSKeys["/srv/fw/tls/a.crt"],
		"pip venv":         in.Updates.Pip.Venv,
	} {
		if !strings.HasPrefix(got, "/srv/fw/") {
			t.Errorf("%s = %q, want a path under the root", name, got)
		}
	}
	if in.StateDir != "/var/lib/fossamaint" || in.Database.Path != "postgres://u:pw@db/fw" {
		t.Errorf("absolute path or URL changed: %q %q", in.StateDir, in.Database.Path)
	}
	if in.Zone.String() != "Europe/Berlin" || in.Window.Location != in.Zone || in.Window.Weekday != time.Saturday {
		t.Errorf("window %+v, zone %v", in.Window, in.Zone)
	}
	now := time.Date(2026, 11, 28, 1, 0, 0, 0, time.UTC)
	co := in.CreateOptions(backup.KindDaily, now, "emergency")
	if co.DataDir != filepath.Join("/srv/fw", "backend/data") || co.ConfigFile != "/etc/fossamaint.yaml" ||
		co.Now.Location() != in.Zone || co.Layout != in.Backups.Layout || co.Tags[0] != "emergency" {
		t.Errorf("create options %+v", co)
	}
	if got := in.Backups.Retention.KeepDaily; got != 14 {
		t.Errorf("retention keep daily %d", got)
	}
}

func TestResolveErrorsNameTheKey(t *testing.T) {
	for _, tc := range []struct {
		name, want string
		edit       func(*config.Config)
	}{
		{"window", "window:", func(c *config.Config) { c.Window.Weekday = "someday" }},
		{"globs", "logs.include/exclude", func(c *config.Config) { c.Logs.Include = []string{"[unclosed"} }},
		{"manager", "services.manager", func(c *config.Config) { c.Services.Manager = "upstart" }},
		{"exec units", "services.units[0]", func(c *config.Config) { c.Services.Manager = "exec" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := config.Default()
			tc.edit(&cfg)
			_, err := Resolve(cfg, "")
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want one naming %q", err, tc.want)
			}
		})
	}
}

func TestManagedUnits(t *testing.T) {
	cfg := config.Default()
	in, err := Resolve(cfg, "")
	if err != nil {
		t.Fatal(err)
	}
	if got := in.Services.UnitNames(); len(got) != 2 || got[0] != "fossawork-backend" {
		t.Errorf("unit names %v", got)
	}
	if u, ok := in.Services.Unit(in.Database.Service); !ok || u.Name != "fossawork-backend" {
		t.Errorf("database unit %v %v", u, ok)
	}
	cfg.Services.Manager = "none"
	if in, err = Resolve(cfg, ""); err != nil {
		t.Fatal(err)
	}
	if len(in.Services.Managed()) != 0 {
		t.Error("manager none still manages units")
	}
	if _, ok := in.Services.Unit(in.Database.Service); ok {
		t.Error("manager none still has a database unit to stop")
	}
}

// TestBenchmarkBoundsAgree: health.benchmark is refused at load time
// exactly where perf.Bench would refuse it at run time.
func TestBenchmarkBoundsAgree(t *testing.T) {
	for _, tc := range []struct {
		rate float64
		d    time.Duration
		ok   bool
	}{
		{perf.MaxBenchRate, perf.MaxBenchDuration, true},
		{perf.MaxBenchRate + 1, time.Second, false},
		{1, perf.MaxBenchDuration + time.Second, false},
	} {
		cfg := config.Default()
		cfg.Root = t.TempDir()
		cfg.Health.Benchmark.Rate, cfg.Health.Benchmark.Duration = tc.rate, config.Duration(tc.d)
		cfgErr := cfg.Validate()
		benchErr := perf.BenchConfig{Targets: []perf.BenchTarget{{URL: "http://127.0.0.1/"}}, Rate: tc.rate, Duration: tc.d}.Validate()
		if (cfgErr == nil) != tc.ok || (benchErr == nil) != tc.ok {
			t.Errorf("rate %g duration %s: config says %v, perf says %v; want ok=%v", tc.rate, tc.d, cfgErr, benchErr, tc.ok)
		}
	}
}

func TestDatabaseEngine(t *testing.T) {
	for _, tc := range []struct {
		name, env, url string
		engine, want   string
		from           string
	}{
		{"no env file: SQLite", "", "", EngineSQLite, "", ""},
		{"sqlite URL in .env", "DATABASE_URL=sqlite:///./fossawork_v2.db\n", "", EngineSQLite, "", ""},
		{"postgres in .env", "SECRET_KEY=k\nDATABASE_URL=postgresql+psycopg2://app:pw@db/fossawork\n", "", EnginePostgres, "postgresql://app:pw@db/fossawork", "ENV"},
		{"database.url wins", "DATABASE_URL=postgresql://other@db/x\n", "postgres://app@db/fossawork", EnginePostgres, "postgres://app@db/fossawork", "database.url"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			cfg := config.Default()
			cfg.Root = root
			cfg.Database.URL = tc.url
			env := filepath.Join(root, cfg.Security.EnvFile)
			if tc.env != "" {
				if err := os.MkdirAll(filepath.Dir(env), 0o700); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(env, []byte(tc.env), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			in, err := Resolve(cfg, "")
			if err != nil {
				t.Fatal(err)
			}
			d := in.Database
			if d.Engine() != tc.engine || d.URL != tc.want {
				t.Fatalf("engine %s URL %q, want %s %q", d.Engine(), d.URL, tc.engine, tc.want)
			}
			if from := strings.ReplaceAll(tc.from, "ENV", env); d.URLFrom != from {
				t.Errorf("URLFrom %q, want %q", d.URLFrom, from)
			}
			hasMode := slices.ContainsFunc(in.Security.FileModes, func(fm config.FileMode) bool { return fm.Path == d.Path })
			if hasMode != (tc.engine == EngineSQLite) || len(in.Security.Perms) != len(in.Security.FileModes) {
				t.Errorf("file-mode rule of the absent %s kept: %v (%d rules, %d perms)", d.Path, hasMode, len(in.Security.FileModes), len(in.Security.Perms))
			}
			if strings.Contains(d.Redacted(), ":pw@") {
				t.Errorf("Redacted %q shows the password", d.Redacted())
			}
		})
	}
}

// TestUnreadableEnvKeepsSQLite: a .env the command cannot read (another
// user's 0600 file; here a directory, which root cannot read either) is
// a warning, not an error: SQLite stays, and EnvProblem says why.
func TestUnreadableEnvKeepsSQLite(t *testing.T) {
	root := t.TempDir()
	cfg := config.Default()
	cfg.Root = root
	if err := os.MkdirAll(filepath.Join(root, cfg.Security.EnvFile), 0o700); err != nil {
		t.Fatal(err)
	}
	in, err := Resolve(cfg, "")
	if err != nil {
		t.Fatalf("Resolve: %v", err)
	}
	if in.Database.Engine() != EngineSQLite || !strings.Contains(in.Database.EnvProblem, "could not read DATABASE_URL") {
		t.Fatalf("engine %s, problem %q", in.Database.Engine(), in.Database.EnvProblem)
	}
}

// TestResolveOffsite: backups.offsite becomes offsite.Options with files
// under the root, the installation id and the part size in bytes; the
// bucket's keys are among the secrets the output redacts.
func TestResolveOffsite(t *testing.T) {
	cfg := config.Default()
	cfg.Root = t.TempDir()
	if in, err := Resolve(cfg, ""); err != nil || in.Backups.Offsite != nil {
		t.Fatalf("no url: %+v %v", in.Backups.Offsite, err)
	}
	cfg.Installation.ID = "eu-west-acme"
	cfg.Backups.Offsite.URL = "s3://bucket/fleet/x"
	cfg.Backups.Offsite.Auth.KeyIDEnv, cfg.Backups.Offsite.Auth.KeyEnv = "FM_TEST_KEY_ID", "FM_TEST_KEY"
	cfg.Backups.Offsite.Encrypt.IdentityFile = "keys/age.txt"
	t.Setenv("FM_TEST_KEY_ID", "AKIDTESTRESOLVE1")
	t.Setenv("FM_TEST_KEY", "resolve-secret-value-0001")
	in, err := Resolve(cfg, "")
	if err != nil {
		t.Fatal(err)
	}
	o := in.Backups.Offsite
	if o == nil || o.Bucket != "bucket" || o.Prefix != "fleet/x" || o.Installation != "eu-west-acme" ||
		o.PartSize != 16<<20 || o.IdentityFile != filepath.Join(cfg.Root, "keys/age.txt") || o.Timeout != time.Hour {
		t.Fatalf("offsite options %+v", o)
	}
	if err := o.Validate(); err != nil {
		t.Errorf("the defaults do not validate: %v", err)
	}
	secrets, _ := Secrets(cfg)
	if !slices.Contains(secrets, "resolve-secret-value-0001") || !slices.Contains(secrets, "AKIDTESTRESOLVE1") {
		t.Errorf("the bucket's keys are not redacted: %v", secrets)
	}
}
