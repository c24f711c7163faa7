package security

import (
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"slices"
	"strings"

	"github.com/fossawork/fossamaint/internal/redact"
)

// EnvVar is one assignment of a dotenv file.
type EnvVar struct {
	Key   string
	Value string
	Line  int
}

// ParseDotenv reads KEY=VALUE lines as python-dotenv and docker compose
// write them: optional "export ", '#' comments (whole-line, or after
// whitespace in an unquoted value), single quotes (literal) and double
// quotes (with \n \t \r \" \\ escapes), both possibly spanning lines.
// Lines it cannot read are skipped: it never fails.
func ParseDotenv(data []byte) []EnvVar {
	p := dotenvParser{s: string(data), line: 1}
	var out []EnvVar
	for p.pos < len(p.s) {
		if v, ok := p.next(); ok {
			out = append(out, v)
		}
	}
	return out
}

type dotenvParser struct {
	s    string
	pos  int
	line int
}

// restOfLine consumes up to and including the next newline.
func (p *dotenvParser) restOfLine() string {
	end := strings.IndexByte(p.s[p.pos:], '\n')
	if end < 0 {
		r := p.s[p.pos:]
		p.pos = len(p.s)
		return r
	}
	r := p.s[p.pos : p.pos+end]
	p.pos += end + 1
	p.line++
	return r
}

func (p *dotenvParser) next() (EnvVar, bool) {
	p.skipBlanks()
	start := p.line
	if p.pos < len(p.s) && p.s[p.pos] == '#' {
		p.restOfLine()
		return EnvVar{}, false
	}
	// The key is everything up to '=' on this line.
	lineEnd := strings.IndexByte(p.s[p.pos:], '\n')
	if lineEnd < 0 {
		lineEnd = len(p.s) - p.pos
	}
	eq := strings.IndexByte(p.s[p.pos:p.pos+lineEnd], '=')
	if eq < 0 {
		p.restOfLine()
		return EnvVar{}, false
	}
	key := strings.TrimSpace(p.s[p.pos : p.pos+eq])
	if k, ok := strings.CutPrefix(key, "export"); ok && k != "" && (k[0] == ' ' || k[0] == '\t') {
		key = strings.TrimSpace(k)
	}
	if !validKey(key) {
		p.restOfLine()
		return EnvVar{}, false
	}
	p.pos += eq + 1
	value := p.value()
	return EnvVar{Key: key, Value: value, Line: start}, true
}

func (p *dotenvParser) skipBlanks() {
	for p.pos < len(p.s) {
		switch p.s[p.pos] {
		case ' ', '\t', '\r':
			p.pos++
		case '\n':
			p.pos++
			p.line++
		default:
			return
		}
	}
}

func (p *dotenvParser) value() string {
	for p.pos < len(p.s) && (p.s[p.pos] == ' ' || p.s[p.pos] == '\t') {
		p.pos++
	}
	if p.pos < len(p.s) && (p.s[p.pos] == '"' || p.s[p.pos] == '\'') {
		if v, ok := p.quoted(p.s[p.pos]); ok {
			p.restOfLine() // trailing comment or junk after the quote
			return v
		}
	}
	v := p.restOfLine()
	for i := 1; i < len(v); i++ {
		if v[i] == '#' && (v[i-1] == ' ' || v[i-1] == '\t') {
			v = v[:i]
			break
		}
	}
	return strings.TrimSpace(v)
}

// quoted reads a quoted value starting at the opening quote. Without a
// closing quote it consumes nothing and reports false, so the line is
// read as unquoted instead.
func (p *dotenvParser) quoted(q byte) (string, bool) {
	var b strings.Builder
	lines := 0
	for i := p.pos + 1; i < len(p.s); i++ {
		c := p.s[i]
		switch {
		case c == q:
			p.pos, p.line = i+1, p.line+lines
			return b.String(), true
		case c == '\\' && q == '"' && i+1 < len(p.s):
			i++
			b.WriteByte(unescape(p.s[i]))
			continue
		case c == '\n':
			lines++
		}
		b.WriteByte(c)
	}
	return "", false
}

func unescape(c byte) byte {
	switch c {
	case 'n':
		return '\n'
	case 't':
		return '\t'
	case 'r':
		return '\r'
	}
	return c
}

func validKey(k string) bool {
	if k == "" || k[0] >= '0' && k[0] <= '9' {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if !(c == '_' || c == '.' || c == '-' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// secretWords mark a key whose value is a secret. Deliberately not AUTH or
// SESSION: their values are often "true" or "3600", and redacting those
// would garble every report.
var secretWords = []string{"SECRET", "PASSWORD", "PASSWD", "PWD", "TOKEN", "KEY", "CREDENTIAL", "PRIVATE", "SALT"}

// EnvSecrets returns the values of secret-looking keys in the dotenv file
// at path, and the password part of any URL value (DATABASE_URL), longest
// first so a redactor replacing them in order never leaves part of a
// longer one. A missing file is not an error: nil, nil.
func EnvSecrets(path string) ([]string, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading secrets file %s: %w", path, err)
	}
	return Secrets(ParseDotenv(data)), nil
}

// Secrets picks the secret values out of parsed variables (see EnvSecrets).
func Secrets(vars []EnvVar) []string {
	seen := map[string]bool{}
	add := func(v string) {
		if redact.Plausible(v) {
			seen[v] = true
		}
	}
	for _, v := range vars {
		upper := strings.ToUpper(v.Key)
		if slices.ContainsFunc(secretWords, func(w string) bool { return strings.Contains(upper, w) }) {
			add(v.Value)
		}
		add(rawURLPassword(v.Value))
		if u, err := url.Parse(v.Value); err == nil && u.User != nil {
			if pw, ok := u.User.Password(); ok {
				add(pw)
			}
		}
	}
	out := make([]string, 0, len(seen))
	for v := range seen {
		out = append(out, v)
	}
	slices.SortFunc(out, func(a, b string) int {
		return cmp.Or(cmp.Compare(len(b), len(a)), strings.Compare(a, b))
	})
	return out
}

// rawURLPassword returns the password of scheme://user:password@host as
// written, still percent-encoded, because logs print URLs that way.
func rawURLPassword(v string) string {
	_, rest, ok := strings.Cut(v, "://")
	if !ok {
		return ""
	}
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		rest = rest[:i]
	}
	at := strings.LastIndexByte(rest, '@')
	if at < 0 {
		return ""
	}
	_, pw, ok := strings.Cut(rest[:at], ":")
	if !ok {
		return ""
	}
	return pw
}
