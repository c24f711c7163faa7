package pgdb

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"

	"github.com/fossawork/fossamaint/internal/redact"
	"github.com/jackc/pgx/v5"
)

// DB is one connection to the application's database, and what it knows
// of its server.
type DB struct {
	conn *pgx.Conn
	url  string
	// Name is the database's name, Major and Version the server's.
	Name    string
	Major   int
	Version string
}

// ErrUnreachable is wrapped when the server does not accept a connection.
var ErrUnreachable = errors.New("cannot connect to PostgreSQL")

// Open connects to the database at rawURL (a libpq URL).
func Open(ctx context.Context, rawURL string) (*DB, error) {
	conn, err := connect(ctx, rawURL)
	if err != nil {
		return nil, err
	}
	db := &DB{conn: conn, url: rawURL, Name: conn.Config().Database}
	var num string
	if err := conn.QueryRow(ctx, "SHOW server_version_num").Scan(&num); err != nil {
		_ = conn.Close(ctx)
		return nil, fmt.Errorf("reading the server version of %s: %w", Redact(rawURL), err)
	}
	n, _ := strconv.Atoi(num)
	db.Major = n / 10000
	db.Version = fmt.Sprintf("%d.%d", n/10000, n%10000)
	return db, nil
}

// connect opens one connection, with an error that names the database
// without its password.
func connect(ctx context.Context, rawURL string) (*pgx.Conn, error) {
	cfg, err := pgx.ParseConfig(rawURL)
	if err != nil {
		return nil, fmt.Errorf("database URL %s: %w", Redact(rawURL), scrub(err, rawURL))
	}
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("%w %s: %w", ErrUnreachable, Redact(rawURL), scrub(err, rawURL))
	}
	return conn, nil
}

// Conn is the connection, for queries of this package's callers' tests.
func (db *DB) Conn() *pgx.Conn { return db.conn }

// URL is the database's URL (it may hold a password).
func (db *DB) URL() string { return db.url }

// Close ends the connection.
func (db *DB) Close() error {
	if db == nil || db.conn == nil {
		return nil
	}
	return db.conn.Close(context.Background())
}

// Sibling is the URL of database name on the same server, with the same
// user and options (the maintenance database "postgres", a scratch
// database, a restored copy).
func Sibling(rawURL, name string) (string, error) {
	u, ok := redact.ParsePGURL(rawURL)
	if !ok {
		return "", fmt.Errorf("database URL %s is not a postgres:// URL", Redact(rawURL))
	}
	u.Path = "/" + url.PathEscape(name)
	if u.HasQuery {
		parts := strings.Split(u.Query, "&")
		for i, kv := range parts {
			if k, _, ok := strings.Cut(kv, "="); ok && k == "dbname" {
				parts[i] = "dbname=" + url.QueryEscape(name)
			}
		}
		u.Query = strings.Join(parts, "&")
	}
	return u.String(), nil
}

// Redact is rawURL without its passwords (redact.PGURLRedacted).
func Redact(rawURL string) string { return redact.PGURLRedacted(rawURL) }

// scrub removes rawURL's passwords from err's text (redact.ScrubPGURL).
func scrub(err error, rawURL string) error { return redact.ScrubPGURL(err, rawURL) }

// Env is the environment for a PostgreSQL program connecting to rawURL:
// the passwords move to PGPASSWORD, and the URL (returned) no longer
// holds them, so they never show in a process list. A URL this cannot
// split is returned with an error: it is never passed on as it is.
func Env(rawURL string) (argURL string, env []string, err error) {
	env = os.Environ()
	u, ok := redact.ParsePGURL(rawURL)
	if !ok {
		return "", nil, fmt.Errorf("database URL %s is not a postgres:// URL: the programs are not given it", Redact(rawURL))
	}
	if pw, loose := redact.LooseUserinfoPassword(rawURL); loose && !u.HasPassword && !strings.Contains(pw, redact.Marker) {
		return "", nil, fmt.Errorf("database URL %s: its password holds a '/', which ends the host part: write it as %%2F", Redact(rawURL))
	}
	u, pw, has := u.WithoutPasswords()
	if has {
		env = append(env, "PGPASSWORD="+pw)
	}
	return u.String(), env, nil
}

// QuoteIdent quotes a name for SQL (table, index, database).
func QuoteIdent(name string) string { return pgx.Identifier{name}.Sanitize() }
