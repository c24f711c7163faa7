package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestPostgresURL(t *testing.T) {
	for _, tc := range []struct {
		in, norm string
		pg       bool
		secrets  []string
	}{
		{"postgres://app:s3cretPW@db.example.com:5432/fossawork", "postgres://app:s3cretPW@db.example.com:5432/fossawork", true, []string{"s3cretPW"}},
		{"postgresql+psycopg2://app:pw%2Fwith%40@db/fossawork", "postgresql://app:pw%2Fwith%40@db/fossawork", true, []string{"pw%2Fwith%40", "pw/with@"}},
		// libpq (and pgx) read the user info to the first '@' before a
		// '/': these connect, so their passwords must be found although
		// net/url refuses the URL.
		{"postgres://app:s3cr#et@db/fossawork", "postgres://app:s3cr#et@db/fossawork", true, []string{"s3cr#et"}},
		{"postgres://app:s3cr?et@/fossawork?host=/run/postgresql", "postgres://app:s3cr?et@/fossawork?host=/run/postgresql", true, []string{"s3cr?et"}},
		{"postgres://app:50%off@db/fossawork", "postgres://app:50%off@db/fossawork", true, []string{"50%off"}},
		{"postgres://app:a%20b@db/fossawork", "postgres://app:a%20b@db/fossawork", true, []string{"a%20b", "a b"}},
		{"POSTGRESQL+asyncpg://app@db/fossawork", "postgresql://app@db/fossawork", true, nil},
		{"postgres:///fossawork?host=/run/postgresql&password=sockpw", "postgres:///fossawork?host=/run/postgresql&password=sockpw", true, []string{"sockpw"}},
		{"sqlite:///./fossawork_v2.db", "sqlite:///./fossawork_v2.db", false, nil},
		{"mysql://u:p@h/d", "mysql://u:p@h/d", false, nil},
		{"fossawork.db", "fossawork.db", false, nil},
	} {
		t.Run(tc.in, func(t *testing.T) {
			if got := IsPostgresURL(tc.in); got != tc.pg {
				t.Errorf("IsPostgresURL = %v, want %v", got, tc.pg)
			}
			if got := NormalizePostgresURL(tc.in); got != tc.norm {
				t.Errorf("NormalizePostgresURL = %q, want %q", got, tc.norm)
			}
			got := PostgresURLSecrets(tc.in)
			if strings.Join(got, ",") != strings.Join(tc.secrets, ",") {
				t.Errorf("secrets %q, want %q", got, tc.secrets)
			}
			red := PostgresURLRedacted(tc.in)
			for _, s := range tc.secrets {
				if strings.Contains(red, s) {
					t.Errorf("redacted %q still holds %q", red, s)
				}
			}
		})
	}
}

func TestDatabaseURLFromEnv(t *testing.T) {
	for _, tc := range []struct {
		name, env, want string
		found           bool
	}{
		{"plain", "SECRET_KEY=x\nDATABASE_URL=postgresql://a@h/d\n", "postgresql://a@h/d", true},
		{"quoted", `DATABASE_URL="postgresql://a:b c@h/d"`, "postgresql://a:b c@h/d", true},
		{"single quoted", `DATABASE_URL='postgres://a@h/d#x'`, "postgres://a@h/d#x", true},
		{"export and comment", "export DATABASE_URL=postgres://a@h/d # prod\n", "postgres://a@h/d", true},
		{"last wins", "DATABASE_URL=sqlite:///./a.db\nDATABASE_URL=postgres://a@h/d\n", "postgres://a@h/d", true},
		{"commented out", "# DATABASE_URL=postgres://a@h/d\n", "", false},
		{"other key", "DATABASE_URL_RO=postgres://a@h/d\n", "", false},
		{"crlf", "DATABASE_URL=postgres://a@h/d\r\n", "postgres://a@h/d", true},
		{"none", "", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, found := DatabaseURLFromEnv([]byte(tc.env))
			if got != tc.want || found != tc.found {
				t.Fatalf("got %q %v, want %q %v", got, found, tc.want, tc.found)
			}
		})
	}
}

func TestValidatePostgres(t *testing.T) {
	cfg := Default()
	cfg.Database.URL = "mysql://u:hunter2pw@h/d"
	cfg.Database.Postgres.VacuumFull = "sometimes"
	cfg.Database.Postgres.IndexBloatPercent = 0
	err := cfg.Validate()
	if err == nil {
		t.Fatal("no error")
	}
	msg := err.Error()
	for _, want := range []string{"database.url", "database.postgres.vacuum_full", "database.postgres.index_bloat_percent"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error lacks %s:\n%s", want, msg)
		}
	}
	if strings.Contains(msg, "hunter2pw") {
		t.Errorf("error shows the password:\n%s", msg)
	}
	cfg = Default()
	cfg.Database.URL = "postgres://app:hunter2pw@db/fossawork"
	if err := cfg.Validate(); err != nil {
		t.Fatalf("valid URL refused: %v", err)
	}
	if got := Redacted(cfg).Database.URL; strings.Contains(got, "hunter2pw") {
		t.Errorf("Redacted shows %q", got)
	}
}

func FuzzDatabaseURLFromEnv(f *testing.F) {
	for _, s := range []string{"DATABASE_URL=postgres://a@h/d\n", "export DATABASE_URL='x'", "DATABASE_URL=\"", "=\n=", ""} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		v, ok := DatabaseURLFromEnv(b)
		if !ok && v != "" {
			t.Fatalf("not found but value %q", v)
		}
		_ = PostgresURLRedacted(v)
		_ = NormalizePostgresURL(v)
	})
}

// TestPostgresURLFromEnvFile: the .env's DATABASE_URL when it names
// PostgreSQL (libpq form), nothing for SQLite, no file or no path, and
// the read error of a file that cannot be read (here a directory).
func TestPostgresURLFromEnvFile(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, tc := range []struct {
		name, path, want string
	}{
		{"no path", "", ""},
		{"missing", filepath.Join(dir, "missing.env"), ""},
		{"sqlite", write("sqlite.env", "DATABASE_URL=sqlite:///./fossawork_v2.db\n"), ""},
		{"postgres+driver", write("pg.env", "DATABASE_URL=postgresql+psycopg2://u:pw@db/app\n"), "postgresql://u:pw@db/app"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := PostgresURLFromEnvFile(tc.path)
			if err != nil || got != tc.want {
				t.Errorf("PostgresURLFromEnvFile = %q, %v; want %q", got, err, tc.want)
			}
		})
	}
	if _, err := PostgresURLFromEnvFile(dir); err == nil {
		t.Error("a directory as the .env: no error")
	}
}
