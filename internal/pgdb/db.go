package pgdb

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"

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
	u, err := url.Parse(rawURL)
	if err != nil {
		return "", fmt.Errorf("database URL %s: %w", Redact(rawURL), scrub(err, rawURL))
	}
	u.Path = "/" + name
	u.RawPath = ""
	q := u.Query()
	if q.Has("dbname") {
		q.Set("dbname", name)
		u.RawQuery = q.Encode()
	}
	return u.String(), nil
}

// Redact is rawURL without its password (user info or query).
func Redact(rawURL string) string {
	out := rawURL
	for _, s := range secrets(rawURL) {
		out = strings.ReplaceAll(out, s, "[REDACTED]")
	}
	return out
}

// secrets are the password forms in rawURL, raw and escaped.
func secrets(rawURL string) []string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil
	}
	var out []string
	add := func(s string) {
		if s == "" {
			return
		}
		out = append(out, s)
		if e := url.QueryEscape(s); e != s {
			out = append(out, e)
		}
		if e := url.PathEscape(s); e != s {
			out = append(out, e)
		}
	}
	if pw, ok := u.User.Password(); ok {
		add(pw)
	}
	add(u.Query().Get("password"))
	return out
}

// scrub removes rawURL's password from an error's text.
func scrub(err error, rawURL string) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	red := Redact(strings.ReplaceAll(msg, rawURL, Redact(rawURL)))
	for _, s := range secrets(rawURL) {
		red = strings.ReplaceAll(red, s, "[REDACTED]")
	}
	if red == msg {
		return err
	}
	return errors.New(red)
}

// Env is the environment for a PostgreSQL program connecting to rawURL:
// the password moves to PGPASSWORD, and the URL (returned) no longer
// holds it, so it never shows in a process list.
func Env(rawURL string) (argURL string, env []string) {
	env = os.Environ()
	u, err := url.Parse(rawURL)
	if err != nil {
		return rawURL, env
	}
	pw, ok := u.User.Password()
	if q := u.Query(); q.Has("password") {
		pw, ok = q.Get("password"), true
		q.Del("password")
		u.RawQuery = q.Encode()
	}
	if !ok {
		return u.String(), env
	}
	if u.User != nil {
		u.User = url.User(u.User.Username())
	}
	return u.String(), append(env, "PGPASSWORD="+pw)
}

// QuoteIdent quotes a name for SQL (table, index, database).
func QuoteIdent(name string) string { return pgx.Identifier{name}.Sanitize() }
