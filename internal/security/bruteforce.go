package security

import (
	"cmp"
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/fossawork/fossamaint/internal/finding"
	"github.com/fossawork/fossamaint/internal/human"
)

// validatePath answers 401 to every caller without a session: the health
// checks and the frontend probe it all day, so its 401s are not logins.
const validatePath = "/api/auth/validate"

// isFailedLogin reads the matcher's flags for an entry's message and path:
// one of upstream's failed-login phrases (logs.IsAuthFailure's three plus
// "unauthorized access"), not about /api/auth/validate, and not a login
// that in the end succeeded ("successful login after 2 failed attempts").
func isFailedLogin(msg, path uint16) bool {
	return msg&(1<<flagAuthFailure) != 0 && (msg|path)&(1<<flagValidate) == 0 && msg&(1<<flagAuthSuccess) == 0
}

// addrKeys introduce a client address in a message, most specific first.
var addrKeys = []string{"client_ip=", "remote_addr=", "ip=", "ip: ", "from ", "client ", "address "}

// SourceOf returns the client address of a log record: the structured
// field when there is one (an IP, or a host name as some proxies log it),
// else an address the message introduces ("from A", "ip=A", "client A"),
// else the first address anywhere in the message. IPv4-mapped IPv6 is
// unmapped and ports are dropped, so one client is one key.
func SourceOf(field, msg string) string {
	if a, ok := parseAddr(field); ok {
		return a
	}
	if h, ok := hostName(field); ok {
		return h
	}
	lower := asciiLower(msg)
	for _, k := range addrKeys {
		for off := 0; ; {
			i := strings.Index(lower[off:], k)
			if i < 0 {
				break
			}
			at := off + i + len(k)
			if a, ok := parseAddr(tokenAt(msg, at)); ok {
				return a
			}
			off = at
		}
	}
	return firstAddr(msg)
}

// parseAddr accepts an IP, IP:port or [IPv6]:port, trimming the
// punctuation a sentence puts after it.
func parseAddr(s string) (string, bool) {
	s = strings.Trim(strings.TrimSpace(s), `"'`)
	if s == "" || len(s) > 64 {
		return "", false
	}
	for _, c := range []string{s, strings.TrimRight(s, ".:,")} {
		if a, err := netip.ParseAddr(c); err == nil {
			return a.Unmap().WithZone("").String(), true
		}
		if ap, err := netip.ParseAddrPort(c); err == nil {
			return ap.Addr().Unmap().WithZone("").String(), true
		}
	}
	return "", false
}

// hostName accepts a structured client field that names a host rather
// than an address (letters, digits, '.', '-', with a letter somewhere).
func hostName(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > 253 {
		return "", false
	}
	letter := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case isLowerASCII(c | 0x20):
			letter = true
		case isDigitASCII(c), c == '.', c == '-':
		default:
			return "", false
		}
	}
	return strings.ToLower(s), letter
}

// firstAddr is the first token of msg that parses as an address.
func firstAddr(msg string) string {
	for tok := range strings.FieldsFuncSeq(msg, isAddrDelimiter) {
		if !strings.ContainsAny(tok, ".:") {
			continue
		}
		if a, ok := parseAddr(tok); ok {
			return a
		}
	}
	return ""
}

func isAddrDelimiter(r rune) bool {
	switch r {
	case ' ', '\t', ',', ';', '(', ')', '"', '\'', '=', '<', '>', '/', '|':
		return true
	}
	return false
}

// maxToken bounds the look-ahead for one word: no address or user name
// is longer, and an unbounded scan per key would make a line full of keys
// ("user=user=...") quadratic.
const maxToken = 256

// tokenAt returns the word of s starting at i (after opening quotes).
func tokenAt(s string, i int) string {
	s = s[i:min(len(s), i+maxToken)]
	s = strings.TrimLeft(s, `"'[`)
	// Any white space ends a word (\v, \f and Unicode spaces too: the
	// fuzzer found "user \v" naming the user "\v").
	end := strings.IndexFunc(s, func(r rune) bool { return unicode.IsSpace(r) || strings.ContainsRune(",;)\"'<>|/", r) })
	if end >= 0 {
		s = s[:end]
	}
	return s
}

// userKeys introduce a user name in a message. "for " alone counts only
// when " from " follows the name ("Login failed for tech024 from A").
var userKeys = []string{"for user ", "username=", "user=", "username: ", "username ", "user: ", "user ", "for "}

// notUsers are words that follow a user key in ordinary prose.
var notUsers = map[string]bool{
	"agent": true, "not": true, "does": true, "is": true, "has": true, "with": true, "from": true,
	"id": true, "name": true, "account": true, "the": true, "a": true, "an": true, "session": true,
	"credentials": true, "user": true, "unknown": true, "none": true, "null": true,
}

// UserOf returns the user a failed login was for: the structured field
// when set, else the name a message gives ("for user X", "user=X",
// "username X", "Login failed for X from A"). Names longer than 64 bytes
// are not names.
func UserOf(field, msg string) string {
	if u := strings.TrimSpace(field); u != "" && len(u) <= 64 {
		return u
	}
	lower := asciiLower(msg)
	for _, k := range userKeys {
		for off := 0; ; {
			i := strings.Index(lower[off:], k)
			if i < 0 {
				break
			}
			start := off + i
			off = start + len(k)
			if start > 0 && isWordByte(lower[start-1]) {
				continue // "last_user=" is not "user="
			}
			if u := userToken(msg, lower, off, k == "for "); u != "" {
				return u
			}
		}
	}
	return ""
}

// userToken reads the name at msg[at:]; with needFrom the name must be
// followed by " from ".
func userToken(msg, lower string, at int, needFrom bool) string {
	raw := tokenAt(msg, at)
	tok := strings.TrimRight(raw, ".:")
	if tok == "" || len(tok) > 64 || notUsers[strings.ToLower(tok)] {
		return ""
	}
	if _, isAddr := parseAddr(tok); isAddr {
		return ""
	}
	if needFrom {
		rest := strings.TrimLeft(lower[at:], `"'[`)
		rest = strings.TrimLeft(rest[len(raw):], `"'`)
		if !strings.HasPrefix(rest, " from ") {
			return ""
		}
	}
	return tok
}

// BurstWindow is one brute-force burst in a sorted list of failure
// times: indices First..Last (inclusive) and the most failures that fell
// inside one find-time window.
type BurstWindow struct {
	First, Last int
	Peak        int
}

// DetectBursts finds fail2ban-style bursts in times (sorted ascending):
// a source is caught when maxRetry failures fall within findTime of the
// latest one (fail2ban counts failures at or after now - findtime).
// Overlapping caught windows merge into one burst, so a long attack is one
// burst with its whole span rather than one per failure.
func DetectBursts(times []time.Time, maxRetry int, findTime time.Duration) []BurstWindow {
	if maxRetry < 1 {
		maxRetry = 1
	}
	var out []BurstWindow
	i := 0
	for j := range times {
		for times[i].Before(times[j].Add(-findTime)) {
			i++
		}
		n := j - i + 1
		if n < maxRetry {
			continue
		}
		if k := len(out) - 1; k >= 0 && i <= out[k].Last {
			out[k].Last = j
			out[k].Peak = max(out[k].Peak, n)
			continue
		}
		out = append(out, BurstWindow{First: i, Last: j, Peak: n})
	}
	return out
}

// Table bounds: hostile input (a botnet, a fuzzer) must not grow memory
// without limit. Counts stay exact; only itemisation stops.
const (
	maxSources        = 10000   // distinct failing sources itemised
	maxUsers          = 10000   // distinct users itemised
	maxUsersPerSource = 20      // user names kept per source
	maxSourcesPerUser = 1000    // distinct sources kept per user
	maxFailureTimes   = 1 << 20 // failure timestamps kept for burst detection (16 MiB)
)

type failure struct {
	at   time.Time
	user string
}

// sourceStat is one failing source.
type sourceStat struct {
	count       int
	first, last time.Time
	users       []string // sorted, at most maxUsersPerSource
	moreUsers   bool
	times       []failure
}

// userStat is one user failing logins, for distributed attacks.
type userStat struct {
	count       int
	first, last time.Time
	sources     map[string]struct{}
	moreSources bool
}

// failureTable accumulates failed logins by source and by user.
type failureTable struct {
	total          int
	untrackedSrc   int // failures from sources past maxSources
	untrackedUsers int
	timesKept      int
	timesTruncated bool
	sources        map[string]*sourceStat
	users          map[string]*userStat
}

func newFailureTable() *failureTable {
	return &failureTable{sources: map[string]*sourceStat{}, users: map[string]*userStat{}}
}

func (t *failureTable) add(src, user string, at time.Time) {
	t.total++
	if s := t.source(src); s != nil {
		s.count++
		widen(&s.first, &s.last, at)
		if user != "" {
			s.users, s.moreUsers = insertCapped(s.users, user, maxUsersPerSource, s.moreUsers)
		}
		if src != "" {
			if t.timesKept < maxFailureTimes {
				s.times = append(s.times, failure{at: at, user: user})
				t.timesKept++
			} else {
				t.timesTruncated = true
			}
		}
	}
	if user == "" {
		return
	}
	u, ok := t.users[user]
	if !ok {
		if len(t.users) >= maxUsers {
			t.untrackedUsers++
			return
		}
		u = &userStat{sources: map[string]struct{}{}}
		t.users[user] = u
	}
	u.count++
	widen(&u.first, &u.last, at)
	if src == "" {
		return
	}
	if _, ok := u.sources[src]; !ok && len(u.sources) >= maxSourcesPerUser {
		u.moreSources = true
		return
	}
	u.sources[src] = struct{}{}
}

func (t *failureTable) source(src string) *sourceStat {
	if s, ok := t.sources[src]; ok {
		return s
	}
	if len(t.sources) >= maxSources {
		t.untrackedSrc++
		return nil
	}
	s := &sourceStat{}
	t.sources[src] = s
	return s
}

// widen stretches [first, last] to include at.
func widen(first, last *time.Time, at time.Time) {
	if first.IsZero() || at.Before(*first) {
		*first = at
	}
	if at.After(*last) {
		*last = at
	}
}

// insertCapped adds v to the sorted set s, keeping the smallest n so the
// result does not depend on the order entries were read in.
func insertCapped(s []string, v string, n int, more bool) ([]string, bool) {
	i, found := slices.BinarySearch(s, v)
	if found {
		return s, more
	}
	if len(s) >= n {
		if i >= n {
			return s, true
		}
		s = s[:n-1]
		more = true
	}
	return slices.Insert(s, i, v), more
}

func asciiLower(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; 'A' <= c && c <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if 'A' <= b[j] && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

func isLowerASCII(c byte) bool { return 'a' <= c && c <= 'z' }
func isDigitASCII(c byte) bool { return '0' <= c && c <= '9' }
func isWordByte(c byte) bool   { return isLowerASCII(c|0x20) || isDigitASCII(c) || c == '_' }

// maxByIP is how many sources failed_logins_by_ip lists.
const maxByIP = 100

// bySource lists the failing sources, most failures first.
func (t *failureTable) bySource() []SourceFailures {
	out := make([]SourceFailures, 0, len(t.sources))
	for ip, s := range t.sources {
		users := s.users
		if users == nil {
			users = []string{}
		}
		out = append(out, SourceFailures{IP: ip, Count: s.count, FirstSeen: s.first, LastSeen: s.last, Users: users, MoreUsers: s.moreUsers})
	}
	slices.SortFunc(out, func(a, b SourceFailures) int { return cmp.Or(b.Count-a.Count, cmp.Compare(a.IP, b.IP)) })
	return out[:min(len(out), maxByIP)]
}

// bursts runs DetectBursts over each addressed source.
func (t *failureTable) bursts(maxRetry int, findTime time.Duration) []BruteForce {
	out := []BruteForce{}
	for ip, s := range t.sources {
		if ip == "" || len(s.times) < maxRetry {
			continue
		}
		slices.SortFunc(s.times, func(a, b failure) int { return cmp.Or(a.at.Compare(b.at), cmp.Compare(a.user, b.user)) })
		times := make([]time.Time, len(s.times))
		for i, f := range s.times {
			times[i] = f.at
		}
		for _, w := range DetectBursts(times, maxRetry, findTime) {
			var users []string
			more := false
			for _, f := range s.times[w.First : w.Last+1] {
				if f.user != "" {
					users, more = insertCapped(users, f.user, maxUsersPerSource, more)
				}
			}
			if users == nil {
				users = []string{}
			}
			start, end := times[w.First], times[w.Last]
			out = append(out, BruteForce{IP: ip, Failures: w.Last - w.First + 1, Peak: w.Peak,
				Start: start, End: end, SpanSeconds: end.Sub(start).Seconds(), Users: users})
		}
	}
	slices.SortFunc(out, func(a, b BruteForce) int {
		return cmp.Or(b.Failures-a.Failures, a.Start.Compare(b.Start), cmp.Compare(a.IP, b.IP))
	})
	return out
}

// distributed lists users that at least n distinct sources failed for.
func (t *failureTable) distributed(n int) []DistributedAttack {
	out := []DistributedAttack{}
	for user, u := range t.users {
		if len(u.sources) < n {
			continue
		}
		addrs := slices.Sorted(maps.Keys(u.sources))
		out = append(out, DistributedAttack{User: user, Sources: len(u.sources), MoreSources: u.moreSources,
			Failures: u.count, FirstSeen: u.first, LastSeen: u.last, Addresses: addrs[:min(len(addrs), 20)]})
	}
	slices.SortFunc(out, func(a, b DistributedAttack) int {
		return cmp.Or(b.Sources-a.Sources, b.Failures-a.Failures, cmp.Compare(a.User, b.User))
	})
	return out
}

// notes say which bounds were reached.
func (t *failureTable) notes() []string {
	var out []string
	if t.untrackedSrc > 0 {
		out = append(out, fmt.Sprintf("%d failed logins came from sources past the first %d and are counted but not itemised", t.untrackedSrc, maxSources))
	}
	if t.untrackedUsers > 0 {
		out = append(out, fmt.Sprintf("%d failed logins named users past the first %d and are not in distributed-attack detection", t.untrackedUsers, maxUsers))
	}
	if t.timesTruncated {
		out = append(out, fmt.Sprintf("brute-force detection used the first %d failure times only", maxFailureTimes))
	}
	if len(t.sources) > maxByIP {
		out = append(out, fmt.Sprintf("failed_logins_by_ip lists the %d sources with most failures of %d", maxByIP, len(t.sources)))
	}
	return out
}

func (s *scanState) failedLoginFinding(r *ScanReport) []Finding {
	if r.FailedLogins == 0 {
		return nil
	}
	var ev []string
	for _, src := range r.FailedLoginsByIP[:min(5, len(r.FailedLoginsByIP))] {
		ev = append(ev, fmt.Sprintf("%s: %d (%s %s)", orUnknown(src.IP), src.Count, nounFor(len(src.Users), "user"), strings.Join(src.Users, ", ")))
	}
	if !r.Investigate {
		return []Finding{{finding.Info, fmt.Sprintf("%s from %s (investigation above %d)", plural(r.FailedLogins, "failed login"), plural(r.FailedLoginSources, "source"), r.WeeklyThreshold),
			strings.Join(ev, "\n"), "Nothing to do now; the trend is worth a look next week."}}
	}
	return []Finding{{finding.Warning, fmt.Sprintf("%d failed logins from %s: investigate (above %d)", r.FailedLogins, plural(r.FailedLoginSources, "source"), r.WeeklyThreshold),
		strings.Join(ev, "\n"),
		"Investigate the sources with most failures: block or rate-limit them, and check whether any of them later logged in successfully."}}
}

// bruteForceFindings give one finding per source, its bursts as evidence.
func (s *scanState) bruteForceFindings(r *ScanReport) []Finding {
	var order []string
	per := map[string][]BruteForce{}
	for _, b := range r.BruteForce {
		if per[b.IP] == nil {
			order = append(order, b.IP)
		}
		per[b.IP] = append(per[b.IP], b)
	}
	var out []Finding
	for i, ip := range order {
		if i == maxFindingsPerKind {
			out = append(out, Finding{finding.Warning, fmt.Sprintf("%d more sources made brute-force bursts", len(order)-i), "",
				"See brute_force[] in the JSON report and block those sources too."})
			break
		}
		bs, total := per[ip], 0
		var ev []string
		for _, b := range bs {
			total += b.Failures
			ev = append(ev, fmt.Sprintf("%s to %s: %d failures (peak %d within %s), users %s",
				s.at(b.Start), s.at(b.End), b.Failures, b.Peak, human.Duration(s.opts.FindTime), strings.Join(b.Users, ", ")))
		}
		big := bs[0]
		out = append(out, Finding{finding.Warning,
			fmt.Sprintf("Brute force from %s: %d failed logins in %s, the largest %d in %s", ip, total, plural(len(bs), "burst"), big.Failures, human.DurationSeconds(big.SpanSeconds)),
			strings.Join(ev, "\n"),
			fmt.Sprintf("Block %s (firewall, or a fail2ban jail on the application log), check whether any login from it succeeded, and make the login endpoint lock out or slow down repeated failures.", ip)})
	}
	return out
}

// distributedFindings give one finding per targeted user.
func (s *scanState) distributedFindings(r *ScanReport) []Finding {
	var out []Finding
	for i, d := range r.Distributed {
		if i == maxFindingsPerKind {
			out = append(out, Finding{finding.Warning, fmt.Sprintf("%d more users were targeted from many sources", len(r.Distributed)-i), "",
				"See distributed[] in the JSON report."})
			break
		}
		out = append(out, Finding{finding.Warning,
			fmt.Sprintf("%d sources failed to log in as %q (%d failures, %s to %s)", d.Sources, d.User, d.Failures, s.at(d.FirstSeen), s.at(d.LastSeen)),
			strings.Join(d.Addresses, ", "),
			fmt.Sprintf("Check the account %q for compromise, require a strong password or MFA for it, and rate-limit logins per account, not only per address.", d.User)})
	}
	return out
}

// plural writes "1 burst", "2 bursts".
func plural(n int, noun string) string { return human.Count(n, noun, noun+"s") }

// nounFor is noun, or its plural unless n is 1 (for "users a, b").
func nounFor(n int, noun string) string {
	if n == 1 {
		return noun
	}
	return noun + "s"
}

// counter counts by source up to maxCounted distinct sources; later new
// ones are counted in more.
type counter struct {
	m    map[string]int
	more int
}

func newCounter() *counter { return &counter{m: map[string]int{}} }

func (c *counter) add(src string) {
	if _, ok := c.m[src]; !ok && len(c.m) >= maxCounted {
		c.more++
		return
	}
	c.m[src]++
}

// sortedTop returns the n largest counts of m, ties by address.
func sortedTop(m map[string]int, n int) []SourceCount {
	out := make([]SourceCount, 0, len(m))
	for ip, c := range m {
		out = append(out, SourceCount{IP: ip, Count: c})
	}
	slices.SortFunc(out, func(a, b SourceCount) int { return cmp.Or(b.Count-a.Count, cmp.Compare(a.IP, b.IP)) })
	if n > 0 && len(out) > n {
		out = out[:n]
	}
	return out
}

// addressed counts the keys of m other than "" (no address).
func addressed[V any](m map[string]V) int {
	if _, ok := m[""]; ok {
		return len(m) - 1
	}
	return len(m)
}
