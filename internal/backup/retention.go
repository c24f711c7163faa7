package backup

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Retention follows restic's `forget` policy (internal/restic/snapshot_policy.go)
// to the letter, reason wording included, so that an operator who knows
// restic can predict what fossamaint keeps, and so that restic's own test
// set can judge us. Backup kinds (daily, weekly, pre-maintenance...) are
// tags. Everything here is pure (no I/O), and only ApplyPolicy reads the
// clock, as restic's does; ApplyPolicyAt takes it.

// Snapshot is one backup as the retention policy sees it.
type Snapshot struct {
	// Time is when the backup was taken. Its location matters: hourly,
	// daily, weekly (ISO), monthly and yearly buckets are computed in it.
	Time  time.Time `json:"time"`
	Tags  []string  `json:"tags"`
	Paths []string  `json:"paths"`
	// ID is the caller's handle (a backup path, an index); not used here.
	ID string `json:"id,omitempty"`
}

// HasTags reports whether s carries every tag of group. As in restic, an
// empty tag in the group matches a snapshot without any tag, so
// --keep-tag "" keeps untagged snapshots.
func (s Snapshot) HasTags(group []string) bool {
	for _, tag := range group {
		if tag == "" && len(s.Tags) == 0 {
			return true
		}
		if !slices.Contains(s.Tags, tag) {
			return false
		}
	}
	return true
}

// Duration is restic's calendar duration: years and months are calendar
// steps (time.AddDate), not fixed lengths, so "1m" before March 31 is
// March 3 (Go normalises February 31), exactly as restic computes it.
type Duration struct {
	Years, Months, Days, Hours int
}

// ParseRetentionDuration parses restic's duration format, e.g. "1y2m3d4h":
// numbers each followed by one unit y, m, d or h, in any order; a repeated
// unit overrides the earlier one and "" is the zero duration, as in
// restic. Negative numbers parse (restic rejects them later, and so does
// Policy.Validate).
func ParseRetentionDuration(s string) (Duration, error) {
	var d Duration
	rest := strings.TrimSpace(s)
	for rest != "" {
		num, tail, err := leadingNumber(rest)
		if err != nil {
			return Duration{}, fmt.Errorf("duration %q: %w", s, err)
		}
		if tail == "" {
			return Duration{}, fmt.Errorf("duration %q: no unit after %d (want y, m, d or h, e.g. 1y2m3d4h)", s, num)
		}
		switch tail[0] {
		case 'y':
			d.Years = num
		case 'm':
			d.Months = num
		case 'd':
			d.Days = num
		case 'h':
			d.Hours = num
		default:
			return Duration{}, fmt.Errorf("duration %q: invalid unit %q after %d (want y, m, d or h)", s, tail[:1], num)
		}
		rest = tail[1:]
	}
	return d, nil
}

// leadingNumber splits an optionally negative ASCII decimal off the front
// of s. restic accepts any Unicode digit here and then panics in Atoi;
// we refuse them instead.
func leadingNumber(s string) (int, string, error) {
	digits := strings.TrimPrefix(s, "-")
	n := 0
	for n < len(digits) && digits[n] >= '0' && digits[n] <= '9' {
		n++
	}
	if n == 0 {
		return 0, s, errors.New("no number found")
	}
	end := len(s) - len(digits) + n
	num, err := strconv.Atoi(s[:end])
	if err != nil {
		return 0, s, fmt.Errorf("number %s out of range", s[:end])
	}
	return num, s[end:], nil
}

// String prints d in restic's form: non-zero parts only, in y m d h order;
// the zero duration is "".
func (d Duration) String() string {
	var b strings.Builder
	for _, p := range []struct {
		n    int
		unit string
	}{{d.Years, "y"}, {d.Months, "m"}, {d.Days, "d"}, {d.Hours, "h"}} {
		if p.n != 0 {
			b.WriteString(strconv.Itoa(p.n) + p.unit)
		}
	}
	return b.String()
}

// Zero reports whether d is unset; a zero duration switches its rule off.
func (d Duration) Zero() bool { return d == Duration{} }

// Before returns the instant d before t, calendar parts first, then the
// hours, in t's own location (restic's Duration.PastTime).
func (d Duration) Before(t time.Time) time.Time {
	return t.AddDate(-d.Years, -d.Months, -d.Days).Add(-time.Duration(d.Hours) * time.Hour)
}

// Unlimited as a count keeps every snapshot that opens a new bucket.
const Unlimited = -1

// Policy is restic's ExpirePolicy. Counts: 0 off, n > 0 keep the newest
// snapshot of each of the n newest buckets, Unlimited every bucket. The
// Within durations are measured back from the newest snapshot that is not
// in the future, not from the wall clock, so a stopped backup job does not
// age its last backups out, nor a clock-skewed one everything else. Tags: a snapshot with every tag of any one group is kept (AND
// inside a group, OR across groups).
type Policy struct {
	Last, Hourly, Daily, Weekly, Monthly, Yearly int

	Within, WithinHourly, WithinDaily, WithinWeekly, WithinMonthly, WithinYearly Duration

	Tags [][]string
}

// Empty reports whether no rule is set. ApplyPolicy then keeps nothing, as
// restic's does; a caller that deletes must refuse an empty policy (restic
// wants --unsafe-allow-remove-all).
func (p Policy) Empty() bool {
	return len(p.Tags) == 0 &&
		p.Last == 0 && p.Hourly == 0 && p.Daily == 0 && p.Weekly == 0 && p.Monthly == 0 && p.Yearly == 0 &&
		p.Within.Zero() && p.WithinHourly.Zero() && p.WithinDaily.Zero() &&
		p.WithinWeekly.Zero() && p.WithinMonthly.Zero() && p.WithinYearly.Zero()
}

// maxHours keeps Duration.Hours from overflowing time.Duration.
const maxHours = math.MaxInt64 / int64(time.Hour)

// Validate applies restic forget's option checks: counts below -1 and
// negative durations are refused. It also refuses hour counts that would
// overflow time.Duration, which restic silently wraps.
func (p Policy) Validate() error {
	for _, c := range []struct {
		name string
		n    int
	}{{"last", p.Last}, {"hourly", p.Hourly}, {"daily", p.Daily}, {"weekly", p.Weekly},
		{"monthly", p.Monthly}, {"yearly", p.Yearly}} {
		if c.n < Unlimited {
			return fmt.Errorf("keep-%s %d: negative counts other than -1 (unlimited) are not allowed", c.name, c.n)
		}
	}
	for _, w := range p.withins() {
		d := w.d
		if d.Years < 0 || d.Months < 0 || d.Days < 0 || d.Hours < 0 {
			return fmt.Errorf("keep-%s %s: durations with negative parts are not allowed", w.name, d)
		}
		if int64(d.Hours) > maxHours {
			return fmt.Errorf("keep-%s %s: too many hours", w.name, d)
		}
	}
	return nil
}

type namedDuration struct {
	name string
	d    Duration
}

func (p Policy) withins() []namedDuration {
	return []namedDuration{{"within", p.Within}, {"within-hourly", p.WithinHourly},
		{"within-daily", p.WithinDaily}, {"within-weekly", p.WithinWeekly},
		{"within-monthly", p.WithinMonthly}, {"within-yearly", p.WithinYearly}}
}

// String describes p in restic's words ("keep 2 daily snapshots, ...");
// an empty policy is "remove".
func (p Policy) String() string {
	var counts, withins, parts []string
	for _, c := range []struct {
		n    int
		name string
	}{{p.Last, "latest"}, {p.Hourly, "hourly"}, {p.Daily, "daily"}, {p.Weekly, "weekly"},
		{p.Monthly, "monthly"}, {p.Yearly, "yearly"}} {
		switch {
		case c.n > 0:
			counts = append(counts, fmt.Sprintf("%d %s", c.n, c.name))
		case c.n == Unlimited:
			counts = append(counts, "all "+c.name)
		}
	}
	for _, w := range p.withins()[1:] {
		if !w.d.Zero() {
			withins = append(withins, fmt.Sprintf("%s snapshots within %s", strings.TrimPrefix(w.name, "within-"), w.d))
		}
	}
	if len(counts) > 0 {
		parts = append(parts, strings.Join(counts, ", ")+" snapshots")
	}
	s := strings.Join(append(parts, withins...), ", ")
	if len(p.Tags) > 0 {
		s = joinAnd(s, "all snapshots with tags "+tagGroupsString(p.Tags))
	}
	if !p.Within.Zero() {
		s = joinAnd(s, fmt.Sprintf("all snapshots within %s of the newest", p.Within))
	}
	if s == "" {
		return "remove"
	}
	return "keep " + s
}

func joinAnd(a, b string) string {
	if a == "" {
		return b
	}
	return a + " and " + b
}

// tagGroupString is restic's TagList.String: "[a, b]".
func tagGroupString(group []string) string { return "[" + strings.Join(group, ", ") + "]" }

// tagGroupsString is fmt's rendering of restic's []TagList: "[[a, b] [c]]".
func tagGroupsString(groups [][]string) string {
	s := make([]string, len(groups))
	for i, g := range groups {
		s[i] = tagGroupString(g)
	}
	return "[" + strings.Join(s, " ") + "]"
}

// KeepReason says why ApplyPolicy kept a snapshot: restic's match strings
// ("daily snapshot", "oldest monthly snapshot", "within 1y2m",
// "weekly within 1m", "has tags [a, b]") and the counts left after it.
type KeepReason struct {
	Snapshot Snapshot `json:"snapshot"`
	Matches  []string `json:"matches"`
	Counters Counters `json:"counters"`
}

// Counters are the counts each rule still had left after a kept snapshot
// was evaluated; -1 stays -1 (unlimited), 0 is an exhausted or unset rule.
type Counters struct {
	Last    int `json:"last,omitempty"`
	Hourly  int `json:"hourly,omitempty"`
	Daily   int `json:"daily,omitempty"`
	Weekly  int `json:"weekly,omitempty"`
	Monthly int `json:"monthly,omitempty"`
	Yearly  int `json:"yearly,omitempty"`
}

// bucketKey maps a snapshot to its bucket; nr is its position newest
// first, which makes every snapshot its own bucket for "last".
type bucketKey func(t time.Time, nr int) int

func everySnapshot(_ time.Time, nr int) int { return nr }
func hourBucket(t time.Time, _ int) int {
	return t.Year()*1000000 + int(t.Month())*10000 + t.Day()*100 + t.Hour()
}
func dayBucket(t time.Time, _ int) int { return t.Year()*10000 + int(t.Month())*100 + t.Day() }
func weekBucket(t time.Time, _ int) int {
	year, week := t.ISOWeek()
	return year*100 + week
}
func monthBucket(t time.Time, _ int) int { return t.Year()*100 + int(t.Month()) }
func yearBucket(t time.Time, _ int) int  { return t.Year() }

// bucketRule is one counted rule (count > 0 or -1) or one within rule
// (within non-zero). last is the bucket of the last snapshot it kept; -1
// is restic's "none yet".
type bucketRule struct {
	key    bucketKey
	count  int
	within Duration
	cutoff time.Time
	last   int
	reason string
}

// take keeps cur when it opens a new bucket, or when it is the oldest
// snapshot of all and the rule still has count left: that stretches the
// kept history as far back as it goes ("oldest ..." in the reason).
func (r *bucketRule) take(cur time.Time, nr int, oldest bool) (string, bool) {
	val := r.key(cur, nr)
	if val != r.last {
		r.last = val
		return r.reason, true
	}
	if oldest {
		return "oldest " + r.reason, true
	}
	return "", false
}

// ApplyPolicy is ApplyPolicyAt at the wall clock's now, as restic's
// ApplyPolicy reads time.Now itself.
func ApplyPolicy(snaps []Snapshot, p Policy) (keep, remove []Snapshot, reasons []KeepReason) {
	return ApplyPolicyAt(snaps, p, time.Now())
}

// ApplyPolicyAt splits snaps into the snapshots p keeps and those it
// removes, both newest first (a stable sort: equal times keep their input
// order), with one KeepReason per kept snapshot in the same order. snaps
// is not modified. It is restic's ApplyPolicy: the "within" rules count
// back from the newest snapshot that is not in the future at now, so one
// snapshot with a clock-skewed future time cannot age out all the others.
func ApplyPolicyAt(snaps []Snapshot, p Policy, now time.Time) (keep, remove []Snapshot, reasons []KeepReason) {
	list := slices.Clone(snaps)
	slices.SortStableFunc(list, func(a, b Snapshot) int { return b.Time.Compare(a.Time) })
	if len(list) == 0 {
		return nil, nil, nil
	}
	ev := newEvaluation(p, newestBefore(list, now))
	for nr, cur := range list {
		matches := ev.match(cur, nr, nr == len(list)-1)
		if len(matches) == 0 {
			remove = append(remove, cur)
			continue
		}
		keep = append(keep, cur)
		c := ev.counted
		reasons = append(reasons, KeepReason{Snapshot: cur, Matches: matches, Counters: Counters{
			Last: c[0].count, Hourly: c[1].count, Daily: c[2].count,
			Weekly: c[3].count, Monthly: c[4].count, Yearly: c[5].count,
		}})
	}
	return keep, remove, reasons
}

// newestBefore is restic's findLatestTimestamp: the time of the first of
// the latest snapshots strictly before now, in its own location, since
// "within" cutoffs are calendar arithmetic in that location. When every
// snapshot is at or after now it is the zero time, as in restic, and every
// "within" rule then keeps everything: no snapshot can be dated as old.
func newestBefore(list []Snapshot, now time.Time) time.Time {
	var latest time.Time
	for _, s := range list {
		if s.Time.After(latest) && s.Time.Before(now) {
			latest = s.Time
		}
	}
	return latest
}

// evaluation is the state of one ApplyPolicy pass: the counted rules
// (last, hourly, daily, weekly, monthly, yearly: Counters relies on that
// order) and the within rules, whose cutoffs count back from the newest
// snapshot.
type evaluation struct {
	tags         [][]string
	within       Duration
	withinCutoff time.Time
	counted      []bucketRule
	withins      []bucketRule
}

func newEvaluation(p Policy, latest time.Time) *evaluation {
	ev := &evaluation{tags: p.Tags, within: p.Within, withinCutoff: p.Within.Before(latest)}
	ev.counted = []bucketRule{
		{key: everySnapshot, count: p.Last, last: -1, reason: "last snapshot"},
		{key: hourBucket, count: p.Hourly, last: -1, reason: "hourly snapshot"},
		{key: dayBucket, count: p.Daily, last: -1, reason: "daily snapshot"},
		{key: weekBucket, count: p.Weekly, last: -1, reason: "weekly snapshot"},
		{key: monthBucket, count: p.Monthly, last: -1, reason: "monthly snapshot"},
		{key: yearBucket, count: p.Yearly, last: -1, reason: "yearly snapshot"},
	}
	ev.withins = []bucketRule{
		{key: hourBucket, within: p.WithinHourly, last: -1, reason: "hourly within"},
		{key: dayBucket, within: p.WithinDaily, last: -1, reason: "daily within"},
		{key: weekBucket, within: p.WithinWeekly, last: -1, reason: "weekly within"},
		{key: monthBucket, within: p.WithinMonthly, last: -1, reason: "monthly within"},
		{key: yearBucket, within: p.WithinYearly, last: -1, reason: "yearly within"},
	}
	for i := range ev.withins {
		ev.withins[i].cutoff = ev.withins[i].within.Before(latest)
	}
	return ev
}

// match evaluates every rule on cur in restic's order (tags, within,
// counted buckets, within buckets), which is also the order of the match
// strings. No match means cur is removed.
func (ev *evaluation) match(cur Snapshot, nr int, oldest bool) []string {
	var matches []string
	for _, group := range ev.tags {
		if cur.HasTags(group) {
			matches = append(matches, "has tags "+tagGroupString(group))
		}
	}
	if !ev.within.Zero() && cur.Time.After(ev.withinCutoff) {
		matches = append(matches, "within "+ev.within.String())
	}
	for i := range ev.counted {
		r := &ev.counted[i]
		if r.count == 0 || r.count < Unlimited {
			continue
		}
		if m, ok := r.take(cur.Time, nr, oldest); ok {
			if r.count > 0 {
				r.count--
			}
			matches = append(matches, m)
		}
	}
	for i := range ev.withins {
		r := &ev.withins[i]
		if r.within.Zero() || !cur.Time.After(r.cutoff) {
			continue
		}
		if m, ok := r.take(cur.Time, nr, oldest); ok {
			matches = append(matches, m+" "+r.within.String())
		}
	}
	return matches
}
