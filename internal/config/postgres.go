package config

import (
	"bufio"
	"bytes"
	"errors"
	"io/fs"
	"os"
	"strings"

	"github.com/fossawork/fossamaint/internal/redact"
)

// IsPostgresURL reports whether s names a PostgreSQL database: the
// postgres:// and postgresql:// schemes, and SQLAlchemy's
// postgresql+driver:// forms the application's DATABASE_URL may use.
func IsPostgresURL(s string) bool {
	scheme, _, ok := strings.Cut(s, "://")
	if !ok {
		return false
	}
	scheme, _, _ = strings.Cut(strings.ToLower(scheme), "+")
	return scheme == "postgres" || scheme == "postgresql"
}

// NormalizePostgresURL turns SQLAlchemy's postgresql+psycopg2:// (or any
// +driver) into the libpq form pg_dump and pgx read; other URLs are
// returned as they are.
func NormalizePostgresURL(s string) string {
	scheme, rest, ok := strings.Cut(s, "://")
	if !ok || !IsPostgresURL(s) {
		return s
	}
	base, _, _ := strings.Cut(strings.ToLower(scheme), "+")
	return base + "://" + rest
}

// PostgresURLSecrets are the passwords in a PostgreSQL URL, in its user
// info or its password query value, found as libpq finds them (a password
// holding '#' or '/' connects: it must be found too).
func PostgresURLSecrets(s string) []string {
	if !IsPostgresURL(s) {
		return nil
	}
	return redact.PGURLSecrets(NormalizePostgresURL(s))
}

// PostgresURLRedacted is s with its passwords replaced by redact.Marker,
// host or not.
func PostgresURLRedacted(s string) string {
	if !IsPostgresURL(s) {
		return s
	}
	scheme, _, _ := strings.Cut(s, "://")
	u, ok := redact.ParsePGURL(NormalizePostgresURL(s))
	if !ok {
		return s
	}
	u.Scheme = scheme
	return u.Redacted()
}

// DatabaseURLFromEnv is the DATABASE_URL an application .env file sets
// (the last assignment wins, as python-dotenv does; quotes and an
// `export ` prefix are accepted), and whether it sets one.
func DatabaseURLFromEnv(content []byte) (string, bool) {
	var val string
	found := false
	sc := bufio.NewScanner(bytes.NewReader(content))
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		line = strings.TrimPrefix(line, "export ")
		k, v, ok := strings.Cut(line, "=")
		if !ok || strings.TrimSpace(k) != "DATABASE_URL" {
			continue
		}
		v = strings.TrimSpace(v)
		if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0] {
			v = v[1 : len(v)-1]
		} else if i := strings.Index(v, " #"); i >= 0 {
			v = strings.TrimSpace(v[:i])
		}
		val, found = v, true
	}
	return val, found
}

// PostgresURLFromEnvFile is the PostgreSQL DATABASE_URL of the .env file
// at path, in libpq form (NormalizePostgresURL); "" when path is "", the
// file does not exist or its DATABASE_URL names no PostgreSQL. An error
// is the file's read error, as os.ReadFile returns it.
func PostgresURLFromEnvFile(path string) (string, error) {
	if path == "" {
		return "", nil
	}
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	if u, ok := DatabaseURLFromEnv(data); ok && IsPostgresURL(u) {
		return NormalizePostgresURL(u), nil
	}
	return "", nil
}
