package pgdb

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseVersion(t *testing.T) {
	for _, tc := range []struct {
		in      string
		major   int
		version string
		ok      bool
	}{
		{"pg_dump (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)\n", 15, "15.18", true},
		{"pg_dump (PostgreSQL) 17.2\n", 17, "17.2", true},
		{"pg_dump (PostgreSQL) 9.6.24\n", 9, "9.6", true},
		{"pg_dump (PostgreSQL) 18beta1\n", 18, "18", true},
		{"pg_dump: command not found", 0, "", false},
		{"", 0, "", false},
	} {
		major, version, ok := parseVersion(tc.in)
		if major != tc.major || version != tc.version || ok != tc.ok {
			t.Errorf("parseVersion(%q) = %d %q %v, want %d %q %v", tc.in, major, version, ok, tc.major, tc.version, tc.ok)
		}
	}
}

// fakeTools writes programs into a directory that print version.
func fakeTools(t *testing.T, version string) string {
	dir := t.TempDir()
	for _, p := range []string{"pg_dump", "pg_restore", "pg_amcheck"} {
		script := "#!/bin/sh\necho '" + p + " (PostgreSQL) " + version + "'\n"
		if err := os.WriteFile(filepath.Join(dir, p), []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestFindToolsRefusesOlderThanServer(t *testing.T) {
	ctx := context.Background()
	old := fakeTools(t, "12.3")
	if _, err := FindTools(ctx, old, 15); !errors.Is(err, ErrNoTools) || !strings.Contains(err.Error(), "older than the server") {
		t.Fatalf("pg_dump 12 for a 15 server: %v", err)
	}
	got, err := FindTools(ctx, old, 12)
	if err != nil || got.Major != 12 || got.Dir != old {
		t.Fatalf("pg_dump 12 for a 12 server: %+v %v", got, err)
	}
	newer := fakeTools(t, "17.1")
	if got, err := FindTools(ctx, newer, 15); err != nil || got.Version != "17.1" {
		t.Fatalf("pg_dump 17 for a 15 server: %+v %v", got, err)
	}
	empty := t.TempDir()
	if _, err := FindTools(ctx, empty, 0); !errors.Is(err, ErrNoTools) || !strings.Contains(err.Error(), "bin_dir") {
		t.Fatalf("empty bin_dir: %v", err)
	}
}

func TestEnvKeepsThePasswordOutOfTheURL(t *testing.T) {
	for _, tc := range []struct{ raw, pw string }{
		{"postgres://app:s3cr%40t@db.example.com/fossawork?sslmode=require", "s3cr@t"},
		{"postgres://app@/fossawork?host=/run/postgresql&password=s3cr%40t", "s3cr@t"},
		// net/url refuses these; libpq and pgx connect with them.
		{"postgres://app:s3cr#et@/fw?host=/run/postgresql", "s3cr#et"},
		{"postgres://app:s3cr?et@db/fw", "s3cr?et"},
		{"postgres://app:50%off@db/fw", "50%off"},
	} {
		u, env, err := Env(tc.raw)
		if err != nil {
			t.Fatalf("Env(%q): %v", tc.raw, err)
		}
		if strings.Contains(u, "s3cr") || strings.Contains(u, "50%") {
			t.Errorf("argv URL %q holds the password", u)
		}
		if env[len(env)-1] != "PGPASSWORD="+tc.pw {
			t.Errorf("%s: env ends %q", tc.raw, env[len(env)-1])
		}
		if red := Redact(tc.raw); strings.Contains(red, "s3cr") || strings.Contains(red, "50%") {
			t.Errorf("Redact(%q) = %q", tc.raw, red)
		}
		if err := scrub(errors.New("failed: "+tc.raw+" ("+tc.pw+")"), tc.raw); strings.Contains(err.Error(), tc.pw) {
			t.Errorf("scrub left %q", err)
		}
	}
	if u, env, err := Env("postgres://app@db/fossawork"); err != nil || u != "postgres://app@db/fossawork" || strings.HasPrefix(env[len(env)-1], "PGPASSWORD=") {
		t.Errorf("no password: %q %q %v", u, env[len(env)-1], err)
	}
	for _, raw := range []string{"app:pw@db/fossawork", "postgres://app:s3cr/et@db/fw"} {
		if _, _, err := Env(raw); err == nil || strings.Contains(err.Error(), "s3cr") {
			t.Errorf("Env(%q): a URL it cannot split was passed on, or its error shows the password: %v", raw, err)
		}
		if red := Redact(raw); strings.Contains(red, "s3cr") {
			t.Errorf("Redact(%q) = %q", raw, red)
		}
	}
	s, err := Sibling("postgres://app:pw@db:5433/fossawork?sslmode=require", "postgres")
	if err != nil || s != "postgres://app:pw@db:5433/postgres?sslmode=require" {
		t.Errorf("Sibling = %q %v", s, err)
	}
}
