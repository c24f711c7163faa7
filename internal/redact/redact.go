package redact

import (
	"bytes"
	"cmp"
	"net/url"
	"regexp"
	"slices"
	"strings"
)

// Marker replaces every secret.
const Marker = "[REDACTED]"

// MinSecretLen is the shortest listed value treated as a secret: shorter
// ones would blank out ordinary words and numbers all over a report.
const MinSecretLen = 4

// labelled are the rules for secrets nobody listed. Each runs only on text
// holding one of its trigger words, which keeps redaction off the profile
// of a big report. They work on text: a JSON document is redacted string
// by string (JSON), so these never see its syntax.
var labelled = []struct {
	triggers []string // lower case; any one must occur
	re       *regexp.Regexp
	repl     func(s string, m []int) string // m: the match's submatch indexes
}{
	// password=x, DB_PASSWORD="x y", github_token=x, "api_key": "x", ...
	{[]string{"pass", "pwd", "secret", "token", "key"}, pairRE, replacePair},
	{[]string{"bearer"}, regexp.MustCompile(`(?i)(\bbearer\s+)[\w.~+/=-]+`), keepGroup1},
	{[]string{"authorization"}, regexp.MustCompile(`(?i)(\bauthorization\s*[:=]\s*(?:basic|digest)\s+)[\w.~+/=-]+`), keepGroup1},
	// scheme://user:password@host, and scheme:/user:password@host, which
	// is what cleaning the URL as a file path (filepath.Clean) leaves.
	{[]string{":/"}, regexp.MustCompile(`([A-Za-z][A-Za-z0-9+.-]*://?[^/\s:@]*:)[^/\s@]+@`), func(s string, m []int) string {
		return s[m[2]:m[3]] + Marker + "@"
	}},
}

// pairRE finds a secret-named key, its separator and its value, which is
// double-quoted (with backslash escapes), single-quoted, quoted with
// escaped quotes (text quoted inside a JSON string: password=\"x\"), or
// bare up to a space or delimiter. Groups: 1 everything before the value;
// 2, 3, 4 the content of each quoted form; 5 a bare value.
//
// A key is in key position. Before "=" any name holding a secret's word
// is one (DB_PASSWORD=, jwt.secret.key=). Before ":" the name must start
// the text or follow a character that is neither part of a name nor a
// path separator, and hold no dot after the secret's word: "path: reason"
// is how every error names a file, and /etc/passwd: or
// logs/password-2026-11-28.jsonl: label no secret.
var pairRE = regexp.MustCompile(`(?i)(` +
	`(?:^|[^\w./-])[\w.-]*?` + secretWords + `[\w-]*(?:\\?["'])?\s*:\s*|` +
	secretWords + `[\w.-]*(?:\\?["'])?\s*=\s*)` +
	`(?:"((?:[^"\\]|\\.)*)"|'([^'\n]*)'|\\"((?:[^"\\]|\\[^"])*)\\"|([^\s"'&,;}\\]+))`)

// secretWords are the words that make a key a secret's label.
const secretWords = `(?:passw(?:or)?d|passphrase|pwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key)`

// replacePair redacts a key's value, keeping its quotes. Left alone: an
// empty value, the marker itself (redaction is idempotent), and a number
// of one or two digits, which is a count ("bearer_token: 1"), not a
// credential.
func replacePair(s string, m []int) string {
	prefix := s[m[2]:m[3]]
	for g, quote := range [...]string{2: `"`, 3: "'", 4: `\"`, 5: ""} {
		if g < 2 || m[2*g] < 0 {
			continue
		}
		v := s[m[2*g]:m[2*g+1]]
		if v == "" || strings.HasPrefix(v, Marker) || (g == 5 && len(v) <= 2 && allDigits(v)) {
			return s[m[0]:m[1]]
		}
		return prefix + quote + Marker + quote
	}
	return s[m[0]:m[1]]
}

func allDigits(v string) bool {
	for i := 0; i < len(v); i++ {
		if v[i] < '0' || v[i] > '9' {
			return false
		}
	}
	return true
}

// replaceAll applies repl to every match of re in s.
func replaceAll(s string, re *regexp.Regexp, repl func(string, []int) string) string {
	ms := re.FindAllStringSubmatchIndex(s, -1)
	if ms == nil {
		return s
	}
	var b strings.Builder
	last := 0
	for _, m := range ms {
		b.WriteString(s[last:m[0]])
		b.WriteString(repl(s, m))
		last = m[1]
	}
	b.WriteString(s[last:])
	return b.String()
}

func keepGroup1(s string, m []int) string { return s[m[2]:m[3]] + Marker }

// secretName matches option, variable and header names whose value is a
// secret (in command lines and query strings).
var secretName = regexp.MustCompile(`(?i)(passw(or)?d|passphrase|secret|token|api[-_]?key|access[-_]?key|private[-_]?key|credential|authorization)`)

// Redactor removes listed and labelled secrets. The zero value and nil
// remove labelled secrets only.
type Redactor struct {
	listed *strings.Replacer // nil when nothing is listed
}

// notSecret are values too common to be redacted wherever they appear.
var notSecret = []string{"true", "false", "yes", "no", "none", "null", "on", "off", "changeme"}

// Plausible reports whether a listed value can be treated as a secret
// everywhere it appears: at least MinSecretLen bytes, not a word such as
// "true" or "none", and not a short number (a port, a TTL such as
// ACCESS_TOKEN_EXPIRE_MINUTES=1440), whose redaction would cut every
// count and timestamp holding those digits and corrupt JSON numbers.
func Plausible(v string) bool {
	if len(v) < MinSecretLen || slices.Contains(notSecret, strings.ToLower(v)) {
		return false
	}
	return len(v) >= 8 || !allDigits(v)
}

// New returns a Redactor for the listed secrets; values that are not
// Plausible are ignored.
func New(secrets []string) *Redactor {
	keep := slices.DeleteFunc(slices.Clone(secrets), func(s string) bool { return !Plausible(s) })
	if len(keep) == 0 {
		return &Redactor{}
	}
	// Longest first: at one position the Replacer takes the first pair
	// that matches, and a secret containing another must win whole.
	slices.SortFunc(keep, func(a, b string) int { return cmp.Or(len(b)-len(a), strings.Compare(a, b)) })
	keep = slices.Compact(keep)
	pairs := make([]string, 0, 2*len(keep))
	for _, s := range keep {
		pairs = append(pairs, s, Marker)
	}
	return &Redactor{listed: strings.NewReplacer(pairs...)}
}

// String returns s with listed and labelled secrets replaced by Marker.
func (r *Redactor) String(s string) string {
	if r != nil && r.listed != nil {
		s = r.listed.Replace(s)
	}
	lower := ""
	for _, l := range labelled {
		if lower == "" {
			lower = strings.ToLower(s)
		}
		if slices.ContainsFunc(l.triggers, func(t string) bool { return strings.Contains(lower, t) }) {
			s = replaceAll(s, l.re, l.repl)
			lower = ""
		}
	}
	return s
}

// Strings redacts each element into a new slice (nil stays nil).
func (r *Redactor) Strings(in []string) []string {
	if in == nil {
		return nil
	}
	out := make([]string, len(in))
	for i, s := range in {
		out[i] = r.String(s)
	}
	return out
}

// Listed replaces only the listed secrets in b: the last pass over a
// rendered document, where a listed secret that only the rendering put
// together (a secret that is also a word of the template) must still not
// leave. Labelled rules are not run on the document's own words.
func (r *Redactor) Listed(b []byte) []byte {
	if r == nil || r.listed == nil {
		return b
	}
	var out bytes.Buffer
	out.Grow(len(b))
	_, _ = r.listed.WriteString(&out, string(b))
	return out.Bytes()
}

// Args redacts a command line given as argv: the value after a flag named
// like a secret (--password VALUE), the whole value of NAME=VALUE and
// "Header: value" arguments whose name is a secret's, and then every
// argument as String does.
func (r *Redactor) Args(args []string) []string {
	if args == nil {
		return nil
	}
	out := make([]string, len(args))
	for i, a := range args {
		if keep, hidden := argSecret(args, i); hidden != "" || keep != "" {
			out[i] = keep + Marker
			continue
		}
		out[i] = r.String(a)
	}
	return out
}

// ArgSecrets returns the values Args hides by position and name (not the
// labelled ones String finds): what a config's service commands hold.
func ArgSecrets(args []string) []string {
	var out []string
	for i := range args {
		if _, hidden := argSecret(args, i); hidden != "" {
			out = append(out, hidden)
		}
	}
	return out
}

// argSecret decides whether args[i] is (or ends in) a secret: the value
// after a --password-like flag, or the value of a secret-named
// assignment. It returns the prefix to keep and the hidden value.
func argSecret(args []string, i int) (keep, hidden string) {
	a := args[i]
	if i > 0 && !strings.HasPrefix(a, "-") && secretFlag(args[i-1]) {
		return "", a
	}
	if keep, ok := secretAssignment(a); ok && len(keep) < len(a) {
		return keep, a[len(keep):]
	}
	return "", ""
}

// secretFlag is a flag named like a secret whose value is the next argument.
func secretFlag(a string) bool {
	return strings.HasPrefix(a, "-") && !strings.ContainsAny(a, "=:") && secretName.MatchString(a)
}

// IsSecretName reports whether a variable, flag, header or query
// parameter of this name holds a secret.
func IsSecretName(name string) bool { return secretName.MatchString(name) }

// labelKey reports whether name, written before a ":" (a JSON key), labels
// a secret: named like one, and neither a path (/etc/passwd) nor a file
// name (password-2026-11-28.jsonl), whose words say nothing about the
// value after them. A dotted key (db.password) still labels one.
func labelKey(name string) bool {
	locs := secretName.FindAllStringIndex(name, -1)
	if locs == nil || strings.ContainsAny(name, `/\`) {
		return false
	}
	return !strings.Contains(name[locs[len(locs)-1][1]:], ".")
}

// secretAssignment recognises "name=value" or "name: value" where name is
// a secret's, and returns the prefix to keep.
func secretAssignment(a string) (keep string, ok bool) {
	i := strings.IndexAny(a, "=:")
	if i <= 0 || !secretName.MatchString(a[:i]) || strings.HasPrefix(a[i:], "://") {
		return "", false
	}
	j := i + 1
	for j < len(a) && a[j] == ' ' {
		j++
	}
	return a[:j], true
}

// URL redacts a URL: the password of its userinfo and the values of
// secret-named query parameters, then whatever String finds. Text that
// is not an absolute URL gets String alone.
func (r *Redactor) URL(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return r.String(s)
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), Marker)
	}
	if q := u.Query(); len(q) > 0 {
		changed := false
		for k := range q {
			if IsSecretName(k) {
				q.Set(k, Marker)
				changed = true
			}
		}
		if changed {
			u.RawQuery = q.Encode()
		}
	}
	// url.URL escapes the marker's brackets; show it as it is written.
	out := strings.NewReplacer("%5BREDACTED%5D", Marker).Replace(u.String())
	return r.String(out)
}

// String, Args and URL with no listed secrets.
var plain = &Redactor{}

// String removes labelled secrets from s.
func String(s string) string { return plain.String(s) }

// Args removes labelled secrets from a command line.
func Args(args []string) []string { return plain.Args(args) }

// URL removes the password and secret query values from a URL.
func URL(s string) string { return plain.URL(s) }
