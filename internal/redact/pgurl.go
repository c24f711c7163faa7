package redact

import (
	"net/url"
	"slices"
	"strings"
)

// PGURL is a PostgreSQL connection URI split as libpq splits it (and
// pgx, which copies libpq's parser), not as net/url does: the user
// information runs to the first '@' that comes before any '/', so a
// password holding '#', '?', '/' or a stray '%' still connects, and must
// still be found. Password and the query's password value are raw (as
// written, percent-encoding included).
type PGURL struct {
	// Scheme is "postgres" or "postgresql" (as written).
	Scheme string
	// User is the user name as written; HasPassword says a ':' followed
	// it, Password is what came after.
	User        string
	Password    string
	HasPassword bool
	// HasUserinfo says an '@' ended a user-info part (maybe empty).
	HasUserinfo bool
	// HostPort is the netloc list; Path the "/dbname" part (may be "");
	// Query the part after '?' (without it).
	HostPort, Path, Query string
	// HasQuery says a '?' was written (Query may be empty).
	HasQuery bool
}

// ParsePGURL splits s; ok is false when s is not a postgres:// or
// postgresql:// URI.
func ParsePGURL(s string) (PGURL, bool) {
	var u PGURL
	scheme, rest, ok := strings.Cut(s, "://")
	if !ok {
		return u, false
	}
	switch strings.ToLower(scheme) {
	case "postgres", "postgresql":
	default:
		return u, false
	}
	u.Scheme = scheme
	if i := strings.IndexAny(rest, "@/"); i >= 0 && rest[i] == '@' {
		u.User, u.Password, u.HasPassword = strings.Cut(rest[:i], ":")
		u.HasUserinfo = true
		rest = rest[i+1:]
	}
	if i := strings.IndexAny(rest, "/?"); i >= 0 {
		u.HostPort, rest = rest[:i], rest[i:]
	} else {
		u.HostPort, rest = rest, ""
	}
	if path, q, ok := strings.Cut(rest, "?"); ok {
		u.Path, u.Query, u.HasQuery = path, q, true
	} else {
		u.Path = rest
	}
	return u, true
}

// String puts the URI back together.
func (u PGURL) String() string {
	var b strings.Builder
	b.WriteString(u.Scheme + "://")
	if u.HasUserinfo || u.User != "" || u.HasPassword {
		b.WriteString(u.User)
		if u.HasPassword {
			b.WriteString(":" + u.Password)
		}
		b.WriteByte('@')
	}
	b.WriteString(u.HostPort + u.Path)
	if u.HasQuery {
		b.WriteString("?" + u.Query)
	}
	return b.String()
}

// QueryPasswords are the raw values of the query's password parameters.
func (u PGURL) QueryPasswords() []string {
	var out []string
	for _, kv := range strings.Split(u.Query, "&") {
		if k, v, ok := strings.Cut(kv, "="); ok && k == "password" && v != "" {
			out = append(out, v)
		}
	}
	return out
}

// WithoutPasswords is u with the user-info password and every password
// query parameter removed, and the password (decoded as libpq decodes
// it; the last query value wins over the user info, as in libpq) and
// whether there was one.
func (u PGURL) WithoutPasswords() (PGURL, string, bool) {
	pw, has := "", false
	if u.HasPassword && u.Password != "" {
		pw, has = Unescape(u.Password), true
	}
	u.HasPassword, u.Password = false, ""
	if u.HasQuery {
		var keep []string
		for _, kv := range strings.Split(u.Query, "&") {
			if k, v, ok := strings.Cut(kv, "="); ok && k == "password" {
				pw, has = Unescape(v), true
				continue
			}
			keep = append(keep, kv)
		}
		u.Query = strings.Join(keep, "&")
		u.HasQuery = u.Query != ""
	}
	return u, pw, has
}

// Redacted is u with each password replaced by Marker (and what a person
// meant as one where libpq reads the URI otherwise).
func (u PGURL) Redacted() string {
	out := u.redacted()
	if pw, ok := LooseUserinfoPassword(out); ok && pw != Marker {
		out = strings.Replace(out, ":"+pw+"@", ":"+Marker+"@", 1)
	}
	return out
}

func (u PGURL) redacted() string {
	if u.HasPassword && u.Password != "" {
		u.Password = Marker
	}
	if u.HasQuery {
		parts := strings.Split(u.Query, "&")
		for i, kv := range parts {
			if k, _, ok := strings.Cut(kv, "="); ok && IsSecretName(k) {
				parts[i] = k + "=" + Marker
			}
		}
		u.Query = strings.Join(parts, "&")
	}
	return u.String()
}

// Unescape is libpq's percent-decoding, forgiving: a malformed escape is
// kept as written (libpq would refuse the URI; the value is still the
// secret to hide).
func Unescape(s string) string {
	if v, err := url.PathUnescape(s); err == nil {
		return v
	}
	return s
}

// PGURLSecrets are the passwords of a PostgreSQL URI, raw and decoded.
func PGURLSecrets(s string) []string {
	u, ok := ParsePGURL(s)
	if !ok {
		return nil
	}
	var out []string
	add := func(raw string) {
		for _, v := range []string{raw, Unescape(raw)} {
			if v != "" && !slices.Contains(out, v) {
				out = append(out, v)
			}
		}
	}
	if u.HasPassword {
		add(u.Password)
	}
	for _, v := range u.QueryPasswords() {
		add(v)
	}
	if pw, ok := LooseUserinfoPassword(s); ok {
		add(pw)
	}
	return out
}

// LooseUserinfoPassword is the password a person meant in a URI libpq
// reads otherwise: "postgres://app:s3cr/et@db/fw" has no user info for
// libpq (the '/' comes first), so it fails to connect, and its error
// quotes the URI. Text up to the last '@' before any '?', after a ':'.
func LooseUserinfoPassword(s string) (string, bool) {
	_, rest, _ := strings.Cut(s, "://")
	if q := strings.IndexByte(rest, '?'); q >= 0 {
		rest = rest[:q]
	}
	at := strings.LastIndexByte(rest, '@')
	if at < 0 {
		return "", false
	}
	_, pw, ok := strings.Cut(rest[:at], ":")
	return pw, ok && pw != ""
}

// PGURLRedacted is rawURL without its passwords (user info or query),
// found as libpq finds them; text that is no postgres:// URL has the
// password values it seems to hold removed all the same (String).
func PGURLRedacted(rawURL string) string {
	if u, ok := ParsePGURL(rawURL); ok {
		return u.Redacted()
	}
	return String(rawURL)
}

// ScrubPGURL removes rawURL's passwords from err's text (pgx's and the
// PostgreSQL programs' errors may quote the connection string): the URL
// redacted where it appears whole, then each password form, as written,
// decoded and query-escaped. err's chain is kept (errors.As still finds a
// *pgconn.PgError); an err without them is returned as it is.
func ScrubPGURL(err error, rawURL string) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	red := strings.ReplaceAll(msg, rawURL, PGURLRedacted(rawURL))
	for _, s := range PGURLSecrets(rawURL) {
		red = strings.ReplaceAll(red, s, Marker)
		if e := url.QueryEscape(s); e != s {
			red = strings.ReplaceAll(red, e, Marker)
		}
	}
	return WithText(err, red)
}

// WithText is err under the (redacted) text msg, its chain kept: errors.Is
// and errors.As still see through it. When msg is err's own text, err is
// returned as it is.
func WithText(err error, msg string) error {
	if err == nil || msg == err.Error() {
		return err
	}
	return &scrubbed{msg: msg, err: err}
}

// scrubbed is an error under a redacted message.
type scrubbed struct {
	msg string
	err error
}

func (s *scrubbed) Error() string { return s.msg }
func (s *scrubbed) Unwrap() error { return s.err }
