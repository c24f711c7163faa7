package backup

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// retSnap builds a snapshot from RFC 3339 text in a fixed zone of its own
// offset (never time.Local), so the tests do not depend on the machine's
// zone. The ID is the text plus a suffix when given ("#2"), to tell
// duplicates apart.
func retSnap(t *testing.T, ts string, tags ...string) Snapshot {
	t.Helper()
	text, id, _ := strings.Cut(ts, "#")
	tm, err := time.Parse(time.RFC3339Nano, text)
	if err != nil {
		t.Fatal(err)
	}
	_, off := tm.Zone()
	tm = tm.In(time.FixedZone("", off))
	if id == "" {
		id = text
	} else {
		id = text + "#" + id
	}
	return Snapshot{Time: tm, Tags: tags, ID: id}
}

func mustDuration(t *testing.T, s string) Duration {
	t.Helper()
	d, err := ParseRetentionDuration(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestParseRetentionDuration(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Duration
		str  string
	}{
		{"1y2m3d4h", Duration{1, 2, 3, 4}, "1y2m3d4h"},
		{"4h3d", Duration{Days: 3, Hours: 4}, "3d4h"},
		{"1y1d1m", Duration{Years: 1, Months: 1, Days: 1}, "1y1m1d"},
		{"  2d ", Duration{Days: 2}, "2d"},
		{"", Duration{}, ""},
		{"0d", Duration{}, ""},
		{"1d2d", Duration{Days: 2}, "2d"}, // restic: the last one wins
		{"-1d", Duration{Days: -1}, "-1d"},
		{"9999y", Duration{Years: 9999}, "9999y"},
		{"007h", Duration{Hours: 7}, "7h"},
	} {
		got, err := ParseRetentionDuration(tc.in)
		if err != nil || got != tc.want || got.String() != tc.str {
			t.Errorf("ParseRetentionDuration(%q) = %+v %q, %v; want %+v %q", tc.in, got, got.String(), err, tc.want, tc.str)
		}
	}
	for _, bad := range []string{"1", "d", "1x", "1D", "1d 2h", "-", "1y-", "٣d", "1.5d", "99999999999999999999d", "+1d"} {
		if d, err := ParseRetentionDuration(bad); err == nil {
			t.Errorf("ParseRetentionDuration(%q) = %+v, want an error", bad, d)
		}
	}
}

func FuzzParseRetentionDuration(f *testing.F) {
	for _, s := range []string{"1y2m3d4h", "", "-1d", "1d2d", "13d23h", "1x", "٣d", "99999999999999999999h", " 2m2h "} {
		f.Add(s)
	}
	ref := time.Date(2024, 2, 29, 12, 0, 0, 0, time.FixedZone("", 5*3600+1800))
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseRetentionDuration(s)
		if err != nil {
			return
		}
		again, err := ParseRetentionDuration(d.String())
		if err != nil || again != d {
			t.Fatalf("%q -> %+v -> %q -> %+v, %v", s, d, d.String(), again, err)
		}
		_ = d.Before(ref)
		p := Policy{Within: d, WithinWeekly: d}
		if p.Validate() == nil {
			keep, remove, _ := ApplyPolicyAt([]Snapshot{{Time: ref}, {Time: ref.Add(-time.Hour)}}, p, ref.Add(time.Minute))
			if len(keep)+len(remove) != 2 {
				t.Fatalf("%+v lost snapshots", d)
			}
		}
	})
}

func TestPolicyEmptyStringValidate(t *testing.T) {
	for _, tc := range []struct {
		p       Policy
		empty   bool
		str     string
		invalid bool
	}{
		{Policy{}, true, "remove", false},
		{Policy{Tags: [][]string{}}, true, "remove", false},
		{Policy{Daily: 7, Weekly: 2, Monthly: -1}, false, "keep 7 daily, 2 weekly, all monthly snapshots", false},
		{Policy{Last: 1, WithinDaily: Duration{Days: 7}, Tags: [][]string{{"a", "b"}, {"c"}}, Within: Duration{Months: 1}},
			false, "keep 1 latest snapshots, daily snapshots within 7d and all snapshots with tags [[a, b] [c]] and all snapshots within 1m of the newest", false},
		{Policy{Hourly: -2}, false, "remove", true},
		{Policy{WithinYearly: Duration{Days: -1}}, false, "keep yearly snapshots within -1d", true},
		{Policy{Within: Duration{Hours: int(maxHours) + 1}}, false, "", true},
	} {
		if got := tc.p.Empty(); got != tc.empty {
			t.Errorf("%+v Empty() = %v", tc.p, got)
		}
		if got := tc.p.String(); tc.str != "" && got != tc.str {
			t.Errorf("%+v String() =\n %q, want\n %q", tc.p, got, tc.str)
		}
		if err := tc.p.Validate(); (err != nil) != tc.invalid {
			t.Errorf("%+v Validate() = %v, want invalid %v", tc.p, err, tc.invalid)
		}
	}
}

// afterAll is a now after every snapshot of these tests and of restic's
// test set (2014-2016), as the wall clock is when restic runs its tests.
var afterAll = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// kept renders ApplyPolicy's result compactly: "ID: match; match".
func kept(reasons []KeepReason) []string {
	var out []string
	for _, r := range reasons {
		out = append(out, r.Snapshot.ID+": "+strings.Join(r.Matches, "; "))
	}
	return out
}

// Snapshot times of the retention cases.
var (
	policyDays    = []string{"2025-01-03T10:00:00Z", "2025-01-03T08:00:00Z", "2025-01-02T10:00:00Z", "2025-01-01T10:00:00Z", "2025-01-01T09:00:00Z"}
	policyYearEnd = []string{"2024-12-23T12:00:00Z", "2024-12-29T12:00:00Z", "2024-12-30T12:00:00Z", "2024-12-31T12:00:00Z", "2025-01-05T12:00:00Z"}
)

// applyPolicyCases: what each policy keeps, with restic's reasons.
var applyPolicyCases = []struct {
	name  string
	snaps []string
	tags  map[string][]string
	p     Policy
	want  []string
}{
	{"empty policy keeps nothing", policyDays, nil, Policy{}, nil},
	{"daily unlimited keeps the oldest too", policyDays, nil, Policy{Daily: Unlimited}, []string{
		"2025-01-03T10:00:00Z: daily snapshot", "2025-01-02T10:00:00Z: daily snapshot",
		"2025-01-01T10:00:00Z: daily snapshot", "2025-01-01T09:00:00Z: oldest daily snapshot"}},
	{"daily 2 has nothing left for the oldest", policyDays, nil, Policy{Daily: 2}, []string{
		"2025-01-03T10:00:00Z: daily snapshot", "2025-01-02T10:00:00Z: daily snapshot"}},
	{"last unlimited keeps all", policyDays[:2], nil, Policy{Last: Unlimited, Hourly: Unlimited}, []string{
		"2025-01-03T10:00:00Z: last snapshot; hourly snapshot", "2025-01-03T08:00:00Z: last snapshot; hourly snapshot"}},
	{"monthly 3 with one count left at the oldest",
		[]string{"2025-02-01T00:00:00Z", "2025-03-15T00:00:00Z", "2025-02-10T00:00:00Z"}, nil, Policy{Monthly: 3}, []string{
			"2025-03-15T00:00:00Z: monthly snapshot", "2025-02-10T00:00:00Z: monthly snapshot",
			"2025-02-01T00:00:00Z: oldest monthly snapshot"}},
	// 2024-12-30 and -31 belong to ISO week 2025-W01, 2024-12-23..29 to 2024-W52.
	{"ISO weeks across the year end", policyYearEnd, nil, Policy{Weekly: 3}, []string{
		"2025-01-05T12:00:00Z: weekly snapshot", "2024-12-29T12:00:00Z: weekly snapshot",
		"2024-12-23T12:00:00Z: oldest weekly snapshot"}},
	{"calendar years are not ISO years", policyYearEnd, nil, Policy{Yearly: Unlimited}, []string{
		"2025-01-05T12:00:00Z: yearly snapshot", "2024-12-31T12:00:00Z: yearly snapshot",
		"2024-12-23T12:00:00Z: oldest yearly snapshot"}},
	// In UTC the first two fall on different policyDays; in their own offsets both on January 1.
	{"policyDays in each snapshot's own offset",
		[]string{"2025-01-01T23:30:00-05:00", "2025-01-01T20:00:00Z", "2025-01-01T10:00:00Z"}, nil, Policy{Daily: Unlimited}, []string{
			"2025-01-01T23:30:00-05:00: daily snapshot", "2025-01-01T10:00:00Z: oldest daily snapshot"}},
	{"hours in a half-hour offset",
		[]string{"2025-01-01T10:45:00+05:30", "2025-01-01T10:15:00+05:30", "2025-01-01T00:00:00Z"}, nil, Policy{Hourly: Unlimited}, []string{
			"2025-01-01T10:45:00+05:30: hourly snapshot", "2025-01-01T00:00:00Z: hourly snapshot"}},
	{"duplicates keep their input order",
		[]string{"2025-01-01T10:00:00Z#a", "2025-01-01T09:00:00Z", "2025-01-01T10:00:00Z#b"}, nil, Policy{Last: 1, Daily: 2}, []string{
			"2025-01-01T10:00:00Z#a: last snapshot; daily snapshot", "2025-01-01T09:00:00Z: oldest daily snapshot"}},
	{"duplicates under last", []string{"2025-01-01T10:00:00Z#a", "2025-01-01T10:00:00Z#b", "2025-01-01T10:00:00Z#c"}, nil,
		Policy{Last: 2}, []string{"2025-01-01T10:00:00Z#a: last snapshot", "2025-01-01T10:00:00Z#b: last snapshot"}},
	// March 31 minus one month is "February 31", which Go and restic normalise to March 3.
	{"within 1m from March 31",
		[]string{"2025-03-31T12:00:00Z", "2025-03-03T12:00:01Z", "2025-03-03T12:00:00Z", "2025-02-28T12:00:00Z"}, nil,
		Policy{Within: Duration{Months: 1}}, []string{"2025-03-31T12:00:00Z: within 1m", "2025-03-03T12:00:01Z: within 1m"}},
	{"within 1y from a leap day",
		[]string{"2024-02-29T00:00:00Z", "2023-03-01T00:00:01Z", "2023-03-01T00:00:00Z", "2023-02-28T23:00:00Z"}, nil,
		Policy{Within: Duration{Years: 1}}, []string{"2024-02-29T00:00:00Z: within 1y", "2023-03-01T00:00:01Z: within 1y"}},
	// The cutoff is February 1 00:30 +01:00 (January 31 in UTC), not January 28.
	{"within counts months in the newest snapshot's offset",
		[]string{"2025-03-01T00:30:00+01:00", "2025-01-30T00:00:00Z"}, nil,
		Policy{Within: Duration{Months: 1}}, []string{"2025-03-01T00:30:00+01:00: within 1m"}},
	{"within-daily keeps the oldest in range",
		[]string{"2025-01-10T12:00:00Z", "2025-01-10T08:00:00Z", "2025-01-09T12:00:00Z", "2025-01-09T06:00:00Z", "2025-01-01T00:00:00Z"}, nil,
		Policy{WithinDaily: Duration{Days: 2}}, []string{"2025-01-10T12:00:00Z: daily within 2d", "2025-01-09T12:00:00Z: daily within 2d"}},
	{"within-daily oldest", []string{"2025-01-10T12:00:00Z", "2025-01-10T08:00:00Z", "2025-01-09T12:00:00Z", "2025-01-09T06:00:00Z"}, nil,
		Policy{WithinDaily: Duration{Days: 2}}, []string{"2025-01-10T12:00:00Z: daily within 2d",
			"2025-01-09T12:00:00Z: daily within 2d", "2025-01-09T06:00:00Z: oldest daily within 2d"}},
	{"tags AND inside a group", tagTimes, tagged, Policy{Tags: [][]string{{"daily", "weekly"}}}, []string{
		"2025-01-03T00:00:00Z: has tags [daily, weekly]"}},
	{"tags OR across groups", tagTimes, tagged, Policy{Tags: [][]string{{"daily"}, {"weekly"}}}, []string{
		"2025-01-05T00:00:00Z: has tags [daily]", "2025-01-04T00:00:00Z: has tags [weekly]",
		"2025-01-03T00:00:00Z: has tags [daily]; has tags [weekly]"}},
	{"an empty tag keeps untagged snapshots", tagTimes, tagged, Policy{Tags: [][]string{{""}}}, []string{
		"2025-01-02T00:00:00Z: has tags []"}},
	{"reasons in restic's order", policyDays[:1], map[string][]string{policyDays[0]: {"x"}},
		Policy{Tags: [][]string{{"x"}}, Within: Duration{Days: 1}, Last: 1, Daily: 1, WithinDaily: Duration{Days: 1}}, []string{
			"2025-01-03T10:00:00Z: has tags [x]; within 1d; last snapshot; daily snapshot; daily within 1d"}},
}

func TestApplyPolicy(t *testing.T) {
	for _, tc := range applyPolicyCases {
		t.Run(tc.name, func(t *testing.T) {
			var snaps []Snapshot
			for _, s := range tc.snaps {
				text, _, _ := strings.Cut(s, "#")
				snaps = append(snaps, retSnap(t, s, tc.tags[text]...))
			}
			orig := slices.Clone(snaps)
			keep, remove, reasons := ApplyPolicyAt(snaps, tc.p, afterAll)
			if got := kept(reasons); !slices.Equal(got, tc.want) {
				t.Errorf("kept:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(tc.want, "\n  "))
			}
			checkSplit(t, orig, snaps, keep, remove, reasons)
		})
	}
}

var tagTimes = []string{"2025-01-05T00:00:00Z", "2025-01-04T00:00:00Z", "2025-01-03T00:00:00Z", "2025-01-02T00:00:00Z", "2025-01-01T00:00:00Z"}

var tagged = map[string][]string{
	"2025-01-05T00:00:00Z": {"daily"},
	"2025-01-04T00:00:00Z": {"weekly"},
	"2025-01-03T00:00:00Z": {"weekly", "daily"},
	"2025-01-01T00:00:00Z": {"pre-maintenance"},
}

// checkSplit asserts the invariants of every ApplyPolicy result: the input
// is untouched, keep and remove partition it, both newest first, and each
// kept snapshot has its reason.
func checkSplit(t *testing.T, orig, snaps, keep, remove []Snapshot, reasons []KeepReason) {
	t.Helper()
	if !slices.EqualFunc(orig, snaps, func(a, b Snapshot) bool { return a.ID == b.ID }) {
		t.Error("ApplyPolicy reordered its input")
	}
	if len(keep)+len(remove) != len(snaps) || len(reasons) != len(keep) {
		t.Fatalf("%d kept + %d removed (%d reasons) of %d", len(keep), len(remove), len(reasons), len(snaps))
	}
	for i, r := range reasons {
		if r.Snapshot.ID != keep[i].ID || len(r.Matches) == 0 {
			t.Errorf("reason %d is for %s, kept %s, matches %v", i, r.Snapshot.ID, keep[i].ID, r.Matches)
		}
	}
	for _, l := range [][]Snapshot{keep, remove} {
		if !slices.IsSortedFunc(l, func(a, b Snapshot) int { return b.Time.Compare(a.Time) }) {
			t.Error("not newest first")
		}
	}
}

func TestApplyPolicyCounters(t *testing.T) {
	snaps := []Snapshot{retSnap(t, "2025-03-15T00:00:00Z"), retSnap(t, "2025-02-10T00:00:00Z"), retSnap(t, "2025-02-01T00:00:00Z")}
	_, _, reasons := ApplyPolicyAt(snaps, Policy{Monthly: 3, Yearly: Unlimited}, afterAll)
	var got []Counters
	for _, r := range reasons {
		got = append(got, r.Counters)
	}
	want := []Counters{{Monthly: 2, Yearly: -1}, {Monthly: 1, Yearly: -1}, {Monthly: 0, Yearly: -1}}
	if !slices.Equal(got, want) {
		t.Errorf("counters %+v, want %+v", got, want)
	}
	if k, r, rs := ApplyPolicy(nil, Policy{Last: 1}); k != nil || r != nil || rs != nil {
		t.Errorf("no snapshots: %v %v %v", k, r, rs)
	}
}

// TestApplyPolicyAtNow: the "within" rules count back from the newest
// snapshot strictly before now (restic's findLatestTimestamp), so a
// clock-skewed future snapshot neither ages the others out nor escapes the
// counted rules. Issue 9 item 17: 42 snapshots, one a year ahead.
func TestApplyPolicyAtNow(t *testing.T) {
	now := time.Date(2026, 11, 28, 3, 0, 0, 0, time.UTC)
	var skewed []Snapshot // 41 one a day, the newest an hour ago, and one a year ahead
	for i := range 41 {
		skewed = append(skewed, Snapshot{Time: now.Add(-time.Hour - time.Duration(i)*24*time.Hour), ID: strconv.Itoa(i)})
	}
	skewed = append(skewed, Snapshot{Time: now.AddDate(1, 0, 0), ID: "future"})
	at := func(ts ...string) []Snapshot {
		var out []Snapshot
		for _, s := range ts {
			out = append(out, retSnap(t, s))
		}
		return out
	}
	for _, tc := range []struct {
		name        string
		snaps       []Snapshot
		p           Policy
		kept        int
		first, last string // the first and last kept: "ID: matches"
	}{
		{"within 30d of the newest in the past", skewed, Policy{Within: Duration{Days: 30}}, 31,
			"future: within 30d", "29: within 30d"},
		{"within-daily 30d of the newest in the past", skewed, Policy{WithinDaily: Duration{Days: 30}}, 31,
			"future: daily within 30d", "29: daily within 30d"},
		{"counted rules still see the future one", skewed, Policy{Daily: 7}, 7,
			"future: daily snapshot", "5: daily snapshot"},
		// Counted back from 11-27 02:00, not from now: 11-25 02:30 is within.
		{"a snapshot at exactly now is not before it", at("2026-11-28T03:00:00Z", "2026-11-27T02:00:00Z", "2026-11-25T02:30:00Z"),
			Policy{Within: Duration{Days: 2}}, 3, "2026-11-28T03:00:00Z: within 2d", "2026-11-25T02:30:00Z: within 2d"},
		{"all in the future: nothing is old", at("2027-01-02T00:00:00Z", "2026-12-01T00:00:00Z", "2026-11-29T00:00:00Z"),
			Policy{Within: Duration{Hours: 1}}, 3, "2027-01-02T00:00:00Z: within 1h", "2026-11-29T00:00:00Z: within 1h"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			orig := slices.Clone(tc.snaps)
			keep, remove, reasons := ApplyPolicyAt(tc.snaps, tc.p, now)
			checkSplit(t, orig, tc.snaps, keep, remove, reasons)
			got := kept(reasons)
			if len(got) != tc.kept || got[0] != tc.first || got[len(got)-1] != tc.last {
				t.Fatalf("kept %d of %d:\n  %s\nwant %d, first %q, last %q", len(got), len(tc.snaps),
					strings.Join(got, "\n  "), tc.kept, tc.first, tc.last)
			}
		})
	}
}

// TestApplyPolicyResticCases runs restic's own 40 cases (the shared test
// set beside the repository) when they are there.
func TestApplyPolicyResticCases(t *testing.T) {
	dir := filepath.Join("..", "..", "..", "shared", "testdata", "retention")
	var raw []struct {
		Time  string   `json:"time"`
		Tags  []string `json:"tags"`
		Paths []string `json:"paths"`
	}
	if err := readJSON(filepath.Join(dir, "snapshots.json"), &raw); errors.Is(err, fs.ErrNotExist) {
		if os.Getenv("CI") != "" {
			t.Fatalf("restic's cases are not at %s, and CI is set", dir)
		}
		t.Skipf("restic's cases are not at %s", dir)
	} else if err != nil {
		t.Fatal(err)
	}
	var snaps []Snapshot
	for i, r := range raw {
		s := retSnap(t, r.Time, r.Tags...)
		s.Paths, s.ID = r.Paths, strconv.Itoa(i)
		snaps = append(snaps, s)
	}
	var cases []struct {
		Case   int             `json:"case"`
		Policy json.RawMessage `json:"policy"`
	}
	if err := readJSON(filepath.Join(dir, "cases.json"), &cases); err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		t.Run(strconv.Itoa(c.Case), func(t *testing.T) {
			p := resticPolicy(t, c.Policy)
			var want struct {
				Keep []struct {
					Time string `json:"time"`
				} `json:"keep"`
				Reasons [][]string `json:"reasons"`
			}
			if err := readJSON(filepath.Join(dir, "expected", "case_"+strconv.Itoa(c.Case)+".json"), &want); err != nil {
				t.Fatal(err)
			}
			keep, remove, reasons := ApplyPolicyAt(snaps, p, afterAll)
			checkSplit(t, snaps, snaps, keep, remove, reasons)
			if len(keep) != len(want.Keep) {
				t.Fatalf("kept %d, want %d", len(keep), len(want.Keep))
			}
			for i, k := range keep {
				if raw[mustAtoi(t, k.ID)].Time != want.Keep[i].Time || !slices.Equal(reasons[i].Matches, want.Reasons[i]) {
					t.Errorf("keep[%d] = %s %q, want %s %q", i, raw[mustAtoi(t, k.ID)].Time, reasons[i].Matches,
						want.Keep[i].Time, want.Reasons[i])
				}
			}
		})
	}
}

func resticPolicy(t *testing.T, msg json.RawMessage) Policy {
	t.Helper()
	var in struct {
		Last, Hourly, Daily, Weekly, Monthly, Yearly                                 int
		Within, WithinHourly, WithinDaily, WithinWeekly, WithinMonthly, WithinYearly string
		Tags                                                                         [][]string
	}
	fields := map[string]json.RawMessage{}
	if err := json.Unmarshal(msg, &fields); err != nil {
		t.Fatal(err)
	}
	renamed := map[string]json.RawMessage{}
	for k, v := range fields {
		renamed[strings.ReplaceAll(k, "_", "")] = v
	}
	buf, _ := json.Marshal(renamed)
	if err := json.Unmarshal(buf, &in); err != nil {
		t.Fatal(err)
	}
	return Policy{
		Last: in.Last, Hourly: in.Hourly, Daily: in.Daily, Weekly: in.Weekly, Monthly: in.Monthly, Yearly: in.Yearly,
		Within: mustDuration(t, in.Within), WithinHourly: mustDuration(t, in.WithinHourly),
		WithinDaily: mustDuration(t, in.WithinDaily), WithinWeekly: mustDuration(t, in.WithinWeekly),
		WithinMonthly: mustDuration(t, in.WithinMonthly), WithinYearly: mustDuration(t, in.WithinYearly),
		Tags: in.Tags,
	}
}

func readJSON(path string, v any) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	return json.Unmarshal(data, v)
}

func mustAtoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
