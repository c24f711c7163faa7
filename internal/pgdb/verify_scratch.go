package pgdb

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// dbShape is what a copy of a database must share with it to hold the
// same data: encoding and locale (a custom-format dump carries neither),
// and its owner.
type dbShape struct {
	encoding, collate, ctype string
	// provider is datlocprovider ("c" libc, "i" ICU, "b" builtin; ""
	// before PostgreSQL 15) and locale the ICU or builtin locale.
	provider, locale string
	owner            string
	allowConn        bool
}

// readShape reads database name's row of pg_database through admin (a
// connection to another database of the server, major its version).
// found is false when there is no such database.
func readShape(ctx context.Context, admin *pgx.Conn, major int, name string) (dbShape, bool, error) {
	locale := "''"
	switch {
	case major >= 17:
		locale = "coalesce(datlocale, '')"
	case major >= 15:
		locale = "coalesce(daticulocale, '')"
	}
	provider := "''"
	if major >= 15 {
		provider = "datlocprovider::text"
	}
	sql := `SELECT pg_encoding_to_char(encoding), datcollate, datctype, ` + provider + `, ` + locale + `,
	  pg_get_userbyid(datdba), datallowconn FROM pg_database WHERE datname = $1`
	var s dbShape
	err := admin.QueryRow(ctx, sql, name).Scan(&s.encoding, &s.collate, &s.ctype, &s.provider, &s.locale, &s.owner, &s.allowConn)
	if errors.Is(err, pgx.ErrNoRows) {
		return dbShape{}, false, nil
	}
	if err != nil {
		return dbShape{}, false, fmt.Errorf("reading database %s's settings: %w", name, err)
	}
	return s, true, nil
}

// createSQL is the CREATE DATABASE of an empty copy of shape named name
// (from template0: template1 may hold objects the dump also creates);
// withOwner gives it shape's owner.
func (s dbShape) createSQL(name string, withOwner bool) string {
	var b strings.Builder
	b.WriteString("CREATE DATABASE " + QuoteIdent(name) + " TEMPLATE template0")
	if s.encoding != "" {
		b.WriteString(" ENCODING " + quoteLiteral(s.encoding))
	}
	if s.collate != "" {
		b.WriteString(" LC_COLLATE " + quoteLiteral(s.collate))
	}
	if s.ctype != "" {
		b.WriteString(" LC_CTYPE " + quoteLiteral(s.ctype))
	}
	switch s.provider {
	case "i":
		b.WriteString(" LOCALE_PROVIDER icu ICU_LOCALE " + quoteLiteral(s.locale))
	case "b":
		b.WriteString(" LOCALE_PROVIDER builtin BUILTIN_LOCALE " + quoteLiteral(s.locale))
	}
	if withOwner && s.owner != "" {
		b.WriteString(" OWNER " + QuoteIdent(s.owner))
	}
	return b.String()
}

// quoteLiteral quotes a string constant (standard_conforming_strings,
// on since PostgreSQL 9.1).
func quoteLiteral(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// randomHex is n random bytes in hex, for a scratch database's name.
func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// dropDatabase drops name with a fresh context (the caller's may be the
// cancelled one that made the drop necessary), ending its connections
// first on PostgreSQL 13 and later (WITH (FORCE)).
func dropDatabase(adminURL string, major int, name string) error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := connect(ctx, adminURL)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	sql := "DROP DATABASE IF EXISTS " + QuoteIdent(name)
	if major >= 13 {
		sql += " WITH (FORCE)"
	}
	if _, err := conn.Exec(ctx, sql); err != nil {
		return fmt.Errorf("dropping database %s: %w (drop it by hand: %s)", name, err, sql)
	}
	return nil
}

// countDatabase counts the user tables of the database at rawURL.
func countDatabase(ctx context.Context, rawURL string) (map[string]int64, error) {
	conn, err := connect(ctx, rawURL)
	if err != nil {
		return nil, err
	}
	defer conn.Close(context.Background())
	return countUserRows(ctx, conn)
}
