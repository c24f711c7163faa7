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
	for _, raw := range []string{
		"postgres://app:s3cr%40t@db.example.com/fossawork?sslmode=require",
		"postgres://app@/fossawork?host=/run/postgresql&password=s3cr%40t",
	} {
		u, env := Env(raw)
		if strings.Contains(u, "s3cr") {
			t.Errorf("argv URL %q holds the password", u)
		}
		if env[len(env)-1] != "PGPASSWORD=s3cr@t" {
			t.Errorf("env ends %q", env[len(env)-1])
		}
		if red := Redact(raw); strings.Contains(red, "s3cr") {
			t.Errorf("Redact(%q) = %q", raw, red)
		}
	}
	if u, env := Env("postgres://app@db/fossawork"); u != "postgres://app@db/fossawork" || strings.HasPrefix(env[len(env)-1], "PGPASSWORD=") {
		t.Errorf("no password: %q %q", u, env[len(env)-1])
	}
	s, err := Sibling("postgres://app:pw@db:5433/fossawork?sslmode=require", "postgres")
	if err != nil || s != "postgres://app:pw@db:5433/postgres?sslmode=require" {
		t.Errorf("Sibling = %q %v", s, err)
	}
}
