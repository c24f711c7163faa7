package fleet

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/fossawork/fossamaint/internal/redact"
)

// ErrUnreachable is wrapped when the central database could not be
// reached (or kept failing) within the bound: the runs stay in the local
// history and the next sync sends them.
var ErrUnreachable = errors.New("the fleet database cannot be reached")

// RedactURL is the central database's URL without its passwords.
func RedactURL(rawURL string) string { return redact.PGURLRedacted(rawURL) }

// scrub removes rawURL's passwords from err's text (pgx's errors may quote
// the connection string), keeping its chain.
func scrub(err error, rawURL string) error { return redact.ScrubPGURL(err, rawURL) }

// connectTimeout bounds one connection attempt, so that a silent network
// leaves time for retries within the sync's bound.
const connectTimeout = 5 * time.Second

// connect opens one connection to the central database.
func connect(ctx context.Context, rawURL string) (*pgx.Conn, error) {
	cfg, err := parseURL(rawURL)
	if err != nil {
		return nil, err
	}
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil && permanent(err) {
		return nil, fmt.Errorf("the fleet database refused the connection (check history.url's user, password and database): %w", scrub(err, rawURL))
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnreachable, scrub(err, rawURL))
	}
	return conn, nil
}

// CheckURL refuses a history.url that cannot be read, before any
// connection: a usage error, where a refused connection is not.
func CheckURL(rawURL string) error {
	_, err := parseURL(rawURL)
	return err
}

// parseURL reads a libpq URL (postgres://user:pw@host:port/db?sslmode=...,
// or host= and port= in the query for a socket).
func parseURL(rawURL string) (*pgx.ConnConfig, error) {
	if _, ok := redact.ParsePGURL(rawURL); !ok {
		return nil, badURL{fmt.Sprintf("history.url %s is not a postgres:// URL (postgres://user@host:5432/fleet)", RedactURL(rawURL))}
	}
	cfg, err := pgx.ParseConfig(rawURL)
	if err != nil {
		return nil, badURL{fmt.Sprintf("history.url %s: %v", RedactURL(rawURL), scrub(err, rawURL))}
	}
	if cfg.ConnectTimeout == 0 || cfg.ConnectTimeout > connectTimeout {
		cfg.ConnectTimeout = connectTimeout
	}
	cfg.RuntimeParams["application_name"] = "fossamaint-fleet"
	return cfg, nil
}

// permanent tells an error no retry can cure: a bad URL, refused
// credentials, a missing database or a statement the server rejects.
func permanent(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code[:2] {
		case "28", "3D", "42", "22", "23":
			return true
		}
		return false
	}
	var bad badURL
	return errors.As(err, &bad) || errors.Is(err, ErrSchemaBehind)
}

// badURL is a history.url that cannot be read: no retry.
type badURL struct{ msg string }

func (b badURL) Error() string { return b.msg }

// backoff is the wait before retry n (1, 2, ...): 250 ms doubling, at
// most 4 s.
func backoff(n int) time.Duration {
	d := 250 * time.Millisecond << min(n-1, 4)
	return min(d, 4*time.Second)
}
