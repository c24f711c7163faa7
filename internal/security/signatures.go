package security

import (
	"bytes"
	"cmp"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/fossawork/fossamaint/internal/redact"
)

// Family is a class of attack signature.
type Family string

// Signature families, in report order.
const (
	SQLInjection  Family = "sql_injection"
	XSS           Family = "xss"
	PathTraversal Family = "path_traversal"
	CodeInjection Family = "code_injection"
)

// families indexes the bit a family sets in a match mask.
var families = []Family{SQLInjection, XSS, PathTraversal, CodeInjection}

// needle is one signature: a lower-case literal searched in normalised
// text, optionally confirmed by a check of the text around it (so "eval("
// does not fire inside "retrieval(").
type needle struct {
	text   string
	family int
	check  func(s []byte, at int) bool
}

// wordStart rejects a match that continues a word: "eval(" in "retrieval(".
func wordStart(s []byte, at int) bool { return at == 0 || !isWordByte(s[at-1]) }

// notMethod rejects "sleep(" called as a method (Python's time.sleep()).
func notMethod(s []byte, at int) bool { return wordStart(s, at) && (at == 0 || s[at-1] != '.') }

// tautology is `' or 1=1`, `' or 'a'='a`, `'or”='` from the quote on.
var tautology = regexp.MustCompile(`^['"] ?(?:or|and|\|\|) ?(?:'[^']{0,20}'|"[^"]{0,20}"|\w{1,20}) ?(?:=|<|>|!=|like |is )`)

func isTautology(s []byte, at int) bool { return tautology.Match(s[at:min(len(s), at+64)]) }

// pairedBacktick is a backtick with a command between it and the next.
func pairedBacktick(s []byte, at int) bool {
	end := bytes.IndexByte(s[at+1:min(len(s), at+101)], '`')
	if end <= 0 {
		return false
	}
	return bytes.ContainsFunc(s[at+1:at+1+end], func(r rune) bool { return r >= 'a' && r <= 'z' })
}

var needles = []needle{
	{"union select", 0, nil}, {"union all select", 0, nil}, {"union distinct select", 0, nil},
	{"information_schema", 0, nil}, {"sleep(", 0, notMethod}, {"pg_sleep(", 0, nil},
	{"benchmark(", 0, wordStart}, {"waitfor delay", 0, nil}, {"extractvalue(", 0, wordStart},
	{"updatexml(", 0, wordStart}, {"load_file(", 0, wordStart}, {"into outfile", 0, nil},
	{"xp_cmdshell", 0, nil}, {"drop table", 0, nil}, {";--", 0, nil}, {"; --", 0, nil},
	{"'--", 0, nil}, {"' --", 0, nil}, {"\"--", 0, nil}, {")--", 0, nil}, {"'#", 0, nil},
	{"'", 0, isTautology}, {"\"", 0, isTautology}, {" or 1=1", 0, nil}, {" and 1=1", 0, nil},

	{"<script", 1, nil}, {"javascript:", 1, nil}, {"vbscript:", 1, nil}, {"onerror=", 1, nil},
	{"onload=", 1, nil}, {"onmouseover=", 1, nil}, {"onfocus=", 1, nil}, {"<iframe", 1, nil},
	{"<svg/onload", 1, nil}, {"<svg onload", 1, nil}, {"<img src", 1, nil}, {"document.cookie", 1, nil},
	{"<body onload", 1, nil},

	{"../", 2, nil}, {"..\\", 2, nil}, {"..;/", 2, nil}, {"..\xc0\xaf", 2, nil}, {"..\xc1\x9c", 2, nil},
	{"/etc/passwd", 2, nil}, {"/etc/shadow", 2, nil}, {"/proc/self/", 2, nil}, {"win.ini", 2, nil},
	{"boot.ini", 2, nil}, {"c:\\windows\\", 2, nil},

	{";cat ", 3, nil}, {"; cat ", 3, nil}, {"|cat ", 3, nil}, {"| cat ", 3, nil}, {"&& cat ", 3, nil},
	{"$(", 3, nil}, {"`", 3, pairedBacktick}, {"eval(", 3, wordStart}, {"exec(", 3, wordStart},
	{"system(", 3, wordStart}, {"passthru(", 3, wordStart}, {"shell_exec(", 3, wordStart},
	{"<?php", 3, nil}, {"<?=", 3, nil}, {"${jndi:", 3, nil}, {"__import__(", 3, nil},
	{";wget ", 3, nil}, {"; wget ", 3, nil}, {";curl ", 3, nil}, {"; curl ", 3, nil},
	{"|nc ", 3, nil}, {"| nc ", 3, nil}, {";id;", 3, nil}, {"; id;", 3, nil}, {"/bin/sh", 3, nil},
	{"/bin/bash", 3, nil}, {"cmd.exe", 3, nil},
}

// Flag bits past the four families: phrases the scan looks for in the
// same pass, so each text is read once however many questions it answers.
const (
	flagAuthFailure = 4 + iota // upstream's failed-login phrases
	flagAuthSuccess            // a login that worked
	flagValidate               // /api/auth/validate
	flagRateLimit              // "rate limit exceeded", "too many requests"
	flagSecretHint             // a word a labelled secret starts with
	numFlags
)

// phraseNeedles are the non-attack phrases, by flag bit.
var phraseNeedles = map[int][]string{
	flagAuthFailure: {"authentication failed", "login failed", "invalid credentials", "unauthorized access"},
	flagAuthSuccess: {"login successful", "successful login", "login succeeded", "authentication successful",
		"authentication succeeded", "authenticated successfully", "successfully logged in"},
	flagValidate:   {validatePath},
	flagRateLimit:  {"rate limit exceeded", "ratelimit exceeded", "rate-limit exceeded", "too many requests"},
	flagSecretHint: secretHintWords,
}

// matcher finds every needle in one pass. Needles of three bytes or more
// are only tried where a 3-byte filter says one may start (most bytes of
// a log line start none); the few shorter ones by their first byte.
type matcher struct {
	needles []needle
	long    [256][]int // needles of >= 3 bytes by first byte
	short   [256][]int // needles of 1-2 bytes by first byte
	tri     [1 << 16 / 64]uint64
}

func triHash(a, b, c byte) uint32 {
	return (uint32(a)*0x9E37 ^ uint32(b)*0x85EB ^ uint32(c)*0xC2B3) & 0xFFFF
}

func newMatcher() *matcher {
	m := &matcher{needles: slices.Clone(needles)}
	for bit := flagAuthFailure; bit < numFlags; bit++ {
		for _, t := range phraseNeedles[bit] {
			m.needles = append(m.needles, needle{text: t, family: bit})
		}
	}
	for i, n := range m.needles {
		if len(n.text) < 3 {
			m.short[n.text[0]] = append(m.short[n.text[0]], i)
			continue
		}
		m.long[n.text[0]] = append(m.long[n.text[0]], i)
		h := triHash(n.text[0], n.text[1], n.text[2])
		m.tri[h/64] |= 1 << (h % 64)
	}
	return m
}

var defaultMatcher = newMatcher()

// match returns a bit per family or flag found in s (normalised) and, per
// family, the first needle that matched.
func (m *matcher) match(s []byte, hits *[4]string) (mask uint16) {
	for i := 0; i < len(s); i++ {
		if c := m.short[s[i]]; c != nil {
			mask |= m.try(s, i, c, hits, mask)
		}
		if i+2 < len(s) {
			if h := triHash(s[i], s[i+1], s[i+2]); m.tri[h/64]&(1<<(h%64)) != 0 {
				mask |= m.try(s, i, m.long[s[i]], hits, mask)
			}
		}
	}
	return mask
}

// try checks the candidate needles at s[i:], skipping bits already found.
func (m *matcher) try(s []byte, i int, cands []int, hits *[4]string, found uint16) (mask uint16) {
	for _, ni := range cands {
		n := &m.needles[ni]
		if (found|mask)&(1<<n.family) != 0 || len(s)-i < len(n.text) || string(s[i:i+len(n.text)]) != n.text {
			continue
		}
		if n.check != nil && !n.check(s, i) {
			continue
		}
		mask |= 1 << n.family
		if n.family < len(families) {
			hits[n.family] = n.text
		}
	}
	return mask
}

// SignatureMatch is one family found in a text, with the pattern that
// showed it.
type SignatureMatch struct {
	Family  Family `json:"family"`
	Pattern string `json:"pattern"`
}

// MatchSignatures URL-decodes s (repeatedly, as a double-encoding attacker
// expects some layer to) and returns the attack families it shows.
func MatchSignatures(s string) []SignatureMatch {
	norm := normalizeInto(nil, s)
	var hits [4]string
	mask := defaultMatcher.match(norm, &hits)
	var out []SignatureMatch
	for i, f := range families {
		if mask&(1<<i) != 0 {
			out = append(out, SignatureMatch{Family: f, Pattern: hits[i]})
		}
	}
	return out
}

// maxDecodeRounds bounds repeated URL-decoding: %25252e is still found,
// and a hostile line cannot make us loop.
const maxDecodeRounds = 4

// normalizeInto writes s to dst URL-decoded up to maxDecodeRounds times
// ('+' is a space after a '?'), lower-cased, with whitespace runs and SQL
// comments (`/**/`) collapsed to one space.
func normalizeInto(dst []byte, s string) []byte {
	var n normalizer
	n.a = dst
	return n.normalize(s)
}

// normalizer keeps the two buffers decoding alternates between, so a scan
// normalises every message without allocating. The result is valid until
// the next call.
type normalizer struct{ a, b []byte }

func (n *normalizer) normalize(s string) []byte {
	cur, spare := append(n.a[:0], s...), n.b
	for range maxDecodeRounds {
		if bytes.IndexByte(cur, '%') < 0 && !hasQueryPlus(cur) {
			break
		}
		spare = urlDecode(spare[:0], cur)
		if bytes.Equal(spare, cur) {
			break
		}
		cur, spare = spare, cur
	}
	cur = collapse(cur)
	n.a, n.b = cur, spare
	return cur
}

func hasQueryPlus(b []byte) bool {
	q := bytes.IndexByte(b, '?')
	return q >= 0 && bytes.IndexByte(b[q:], '+') >= 0
}

// urlDecode decodes %XX and %uXXXX escapes, leaving malformed ones as
// they are; '+' after the first '?' becomes a space.
func urlDecode(dst, src []byte) []byte {
	query := false
	for i := 0; i < len(src); i++ {
		c := src[i]
		switch {
		case c == '?':
			query = true
		case c == '+' && query:
			c = ' '
		case c == '%' && i+2 < len(src) && isHex(src[i+1]) && isHex(src[i+2]):
			dst = append(dst, unhex(src[i+1])<<4|unhex(src[i+2]))
			i += 2
			continue
		case c == '%' && i+5 < len(src) && src[i+1]|0x20 == 'u' && isHex(src[i+2]) &&
			isHex(src[i+3]) && isHex(src[i+4]) && isHex(src[i+5]):
			r := rune(unhex(src[i+2]))<<12 | rune(unhex(src[i+3]))<<8 | rune(unhex(src[i+4]))<<4 | rune(unhex(src[i+5]))
			dst = utf8.AppendRune(dst, r)
			i += 5
			continue
		}
		dst = append(dst, c)
	}
	return dst
}

// collapse lower-cases b in place and squeezes whitespace and SQL
// comments, which attackers use to split keywords (`union/**/select`).
func collapse(b []byte) []byte {
	out := b[:0]
	space := false
	for i := 0; i < len(b); i++ {
		c := b[i]
		if c == '/' && i+1 < len(b) && b[i+1] == '*' {
			if end := bytes.Index(b[i+2:min(len(b), i+66)], []byte("*/")); end >= 0 {
				i += end + 3
				c = ' '
			}
		}
		switch c {
		case ' ', '\t', '\n', '\r', '\v', '\f', 0:
			if !space {
				out = append(out, ' ')
			}
			space = true
			continue
		}
		space = false
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		out = append(out, c)
	}
	return out
}

func isHex(c byte) bool { return isDigitASCII(c) || ('a' <= c|0x20 && c|0x20 <= 'f') }

func unhex(c byte) byte {
	if isDigitASCII(c) {
		return c - '0'
	}
	return c | 0x20 - 'a' + 10
}

// scannerNames are attack tools that announce themselves in the
// User-Agent: upstream's list first, then other common ones.
var scannerNames = []string{
	"sqlmap", "nikto", "nmap", "burpsuite", "havij", "acunetix",
	"masscan", "zgrab", "nuclei", "wpscan", "dirbuster", "gobuster", "ffuf", "w3af", "openvas", "nessus",
}

// ScannerOf returns the scanner a User-Agent names ("" for none); a name
// must stand as a word, so "unmapped" is not nmap.
func ScannerOf(ua string) string {
	if ua == "" {
		return ""
	}
	low := asciiLower(ua)
	for _, name := range scannerNames {
		for off := 0; ; {
			i := strings.Index(low[off:], name)
			if i < 0 {
				break
			}
			start, end := off+i, off+i+len(name)
			if (start == 0 || !isLowerASCII(low[start-1])) && (end == len(low) || !isLowerASCII(low[end])) {
				return name
			}
			off = end
		}
	}
	return ""
}

// Secret kinds found in log lines.
const (
	SecretPair   = "password_or_token" // password=..., token=..., "api_key": "..."
	SecretBearer = "bearer_token"
	SecretURL    = "url_password" // scheme://user:password@host
	SecretListed = "known_secret" // a value from ScanOptions.Secrets (.env)
)

var (
	secretPairRE = regexp.MustCompile(`(?i)((?:passw(?:or)?d|passphrase|pwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key)(?:\s*=\s*["']?|["']\s*:\s*["']?))([^\s"'&,;)\]}]+)`)
	bearerRE     = regexp.MustCompile(`(?i)(\bbearer\s+)([a-z0-9._~+/-]+=*)`)
	urlPassRE    = regexp.MustCompile(`(?i)([a-z][a-z0-9+.-]*://[^/\s:@]+:)([^/\s@]+)@`)
)

// placeholders are values a careful logger already wrote instead of the
// secret, once brackets and stars are trimmed ("[REDACTED]", "***").
var placeholders = map[string]bool{
	"redacted": true, "filtered": true, "hidden": true, "masked": true, "removed": true,
	"null": true, "none": true, "xxx": true, "xxxx": true, "xxxxxxxx": true,
}

// secretKinds returns the kinds of secret s (a raw log text) exposes;
// hinted says the matcher saw a word a labelled secret starts with.
func secretKinds(s string, hinted bool, listed []string) []string {
	var kinds []string
	if hinted {
		if hasRealValue(s, secretPairRE, 2, true) {
			kinds = append(kinds, SecretPair)
		}
		if m := bearerRE.FindAllStringSubmatch(s, -1); m != nil && slices.ContainsFunc(m, func(g []string) bool { return tokenLike(g[2]) }) {
			kinds = append(kinds, SecretBearer)
		}
		if hasRealValue(s, urlPassRE, 2, false) {
			kinds = append(kinds, SecretURL)
		}
	}
	for _, v := range listed {
		if redact.Plausible(v) && strings.Contains(s, v) {
			kinds = append(kinds, SecretListed)
			break
		}
	}
	return kinds
}

// secretHintWords are what a labelled secret starts with (lower case).
var secretHintWords = []string{"pass", "pwd", "secret", "token", "key", "bearer", "://"}

// hasRealValue reports whether re matches with group g a value that is not
// a placeholder; with boundary the key must not continue a word
// ("cwdpwd=" is not "pwd=", but "db_password=" is "password=").
func hasRealValue(s string, re *regexp.Regexp, g int, boundary bool) bool {
	for _, m := range re.FindAllStringSubmatchIndex(s, -1) {
		if boundary && m[0] > 0 && isLowerASCII(s[m[0]-1]|0x20) {
			continue
		}
		v := strings.Trim(s[m[2*g]:m[2*g+1]], `"'[]<>()*`)
		if len(v) >= 3 && !placeholders[strings.ToLower(v)] {
			return true
		}
	}
	return false
}

// tokenLike tells a bearer token from prose ("Bearer authentication
// required"): long enough and holding a digit.
func tokenLike(v string) bool {
	return len(v) >= 16 && strings.ContainsAny(v, "0123456789")
}

// redactor removes secrets from the text the report quotes, through the
// redaction layer: listed values and labelled ones (password=, tokens,
// bearer, URL passwords).
type redactor struct {
	r *redact.Redactor
}

func newRedactor(secrets []string) *redactor {
	return &redactor{r: redact.New(secrets)}
}

func (r *redactor) redact(s string) string { return r.r.String(s) }

// maxExampleBytes bounds a quoted example; attack payloads can be long.
const maxExampleBytes = 300

// example is what a report quotes of a log text: redacted first (so a cut
// never leaves half a secret), valid UTF-8, at most maxExampleBytes.
func (r *redactor) example(s string) string {
	s = strings.ToValidUTF8(r.redact(s), "\uFFFD")
	if len(s) <= maxExampleBytes {
		return s
	}
	cut := maxExampleBytes
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// Accumulator bounds, like the failure tables'.
const (
	maxCounted    = 10000 // distinct sources counted per table
	maxExamples   = 3
	maxRawExample = 64 << 10 // raw text kept for an example until it is redacted
	maxUACache    = 4096
	maxScannerUAs = 1000
	maxSecretFile = 10
	topSources    = 10
)

// exampleSet keeps the earliest maxExamples distinct texts, so the choice
// does not depend on the order files are read in.
type exampleSet []Example

func exampleLess(a, b Example) int {
	return cmp.Or(a.Time.Compare(b.Time), cmp.Compare(a.File, b.File), cmp.Compare(a.Line, b.Line))
}

func (x *exampleSet) add(e Example) {
	s := *x
	if i := slices.IndexFunc(s, func(k Example) bool { return k.Text == e.Text }); i >= 0 {
		if exampleLess(e, s[i]) < 0 {
			s[i] = e
			slices.SortFunc(s, exampleLess)
		}
		return
	}
	if len(s) == maxExamples {
		if exampleLess(e, s[len(s)-1]) >= 0 {
			return
		}
		s = s[:len(s)-1]
	}
	s = append(s, e)
	slices.SortFunc(s, exampleLess)
	*x = s
}

// redacted returns the examples as a report may quote them.
func (x exampleSet) redacted(r *redactor) []Example {
	out := make([]Example, len(x))
	for i, e := range x {
		e.Text = r.example(e.Text)
		out[i] = e
	}
	return out
}

func capRaw(s string) string {
	if len(s) > maxRawExample {
		return s[:maxRawExample]
	}
	return s
}

// familyAcc accumulates one signature family.
type familyAcc struct {
	count    int
	patterns map[string]int
	sources  *counter
	examples exampleSet
}

func (a *familyAcc) add(pattern, src string, ex Example) {
	a.count++
	a.patterns[pattern]++
	a.sources.add(src)
	a.examples.add(ex)
}

type scannerKey struct{ name, ua string }

type scannerAcc struct {
	count       int
	first, last time.Time
	sources     *counter
}

// secretAcc accumulates one kind of secret found in logs.
type secretAcc struct {
	count    int
	files    []string
	examples exampleSet
}

func (a *secretAcc) add(file string, ex Example) {
	a.count++
	if !slices.Contains(a.files, file) && len(a.files) < maxSecretFile {
		a.files = append(a.files, file)
	}
	a.examples.add(ex)
}

func (s *scanState) signatureResults() []SignatureHits {
	out := []SignatureHits{}
	for i, a := range s.sigs {
		if a.count == 0 {
			continue
		}
		out = append(out, SignatureHits{
			Family: families[i], Count: a.count, Patterns: a.patterns,
			DistinctSources: addressed(a.sources.m), Sources: sortedTop(a.sources.m, topSources),
			Examples: a.examples.redacted(s.red),
		})
	}
	return out
}

func (s *scanState) scannerResults() []ScannerHits {
	out := []ScannerHits{}
	for k, a := range s.scanners {
		out = append(out, ScannerHits{
			Scanner: k.name, UserAgent: s.red.example(k.ua), Count: a.count,
			FirstSeen: a.first, LastSeen: a.last, Sources: sortedTop(a.sources.m, topSources),
		})
	}
	slices.SortFunc(out, func(a, b ScannerHits) int {
		return cmp.Or(b.Count-a.Count, cmp.Compare(a.Scanner, b.Scanner), cmp.Compare(a.UserAgent, b.UserAgent))
	})
	return out
}

func (s *scanState) secretResults() []SecretHits {
	out := []SecretHits{}
	for kind, a := range s.secrets {
		files := slices.Sorted(slices.Values(a.files))
		out = append(out, SecretHits{Kind: kind, Count: a.count, Files: files, Examples: a.examples.redacted(s.red)})
	}
	slices.SortFunc(out, func(a, b SecretHits) int { return cmp.Compare(a.Kind, b.Kind) })
	return out
}
