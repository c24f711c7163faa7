package human

import (
	"encoding/json"
	"math"
	"testing"
	"time"
)

func TestBytes(t *testing.T) {
	for _, tc := range []struct {
		n    int64
		want string
	}{
		{0, "0 B"}, {512, "512 B"}, {1023, "1023 B"}, {1024, "1.0 KiB"}, {1536, "1.5 KiB"},
		{4089446, "3.9 MiB"}, {1048575, "1.0 MiB"}, {1288490189, "1.2 GiB"},
		{-2048, "-2.0 KiB"}, {math.MaxInt64, "8.0 EiB"}, {math.MinInt64, "-8.0 EiB"},
	} {
		if got := Bytes(tc.n); got != tc.want {
			t.Errorf("Bytes(%d) = %q, want %q", tc.n, got, tc.want)
		}
	}
}

func TestDuration(t *testing.T) {
	for _, tc := range []struct {
		d    time.Duration
		want string
	}{
		{0, "0 ms"}, {37 * time.Microsecond, "37 µs"}, {100 * time.Nanosecond, "1 µs"}, {50 * time.Microsecond, "0.1 ms"}, {758 * time.Microsecond, "0.8 ms"}, {7 * time.Millisecond, "7.0 ms"}, {9960 * time.Microsecond, "10 ms"},
		{190 * time.Millisecond, "190 ms"}, {1234 * time.Millisecond, "1.2 s"},
		{42 * time.Second, "42 s"}, {245 * time.Second, "4m 05s"},
		{83 * time.Minute, "1h 23m"}, {41*time.Hour + 23*time.Minute, "1d 17h"},
		{23*time.Hour + 59*time.Minute + 50*time.Second, "1d 0h"},
		{-3 * time.Second, "-3.0 s"}, {math.MinInt64, "-106751d 23h"},
	} {
		if got := Duration(tc.d); got != tc.want {
			t.Errorf("Duration(%v) = %q, want %q", tc.d, got, tc.want)
		}
	}
	if got := DurationSeconds(math.NaN()); got != "n/a" {
		t.Errorf("DurationSeconds(NaN) = %q", got)
	}
	if got := DurationSeconds(1e300); got != "n/a" {
		t.Errorf("DurationSeconds(1e300) = %q", got)
	}
	if got := DurationSeconds(0.19); got != "190 ms" {
		t.Errorf("DurationSeconds(0.19) = %q", got)
	}
}

func TestAgePercentCount(t *testing.T) {
	for _, tc := range []struct{ got, want string }{
		{Age(5 * time.Hour), "5 h"}, {Age(59 * time.Minute), "< 1 h"}, {Age(47 * time.Hour), "47 h"}, {Age(49 * time.Hour), "2 days"},
		{Age(12*24*time.Hour + time.Hour), "12 days"}, {Age(-time.Second), "in the future"},
		{Percent(12.345), "12%"}, {Percent(0.44), "0.4%"}, {Percent(math.Inf(1)), "n/a"},
		{Count(1, "file", "files"), "1 file"}, {Count(0, "file", "files"), "0 files"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}

func TestSecondsJSON(t *testing.T) {
	v := struct {
		D Seconds `json:"duration_seconds"`
	}{Seconds(1500 * time.Millisecond)}
	b, err := json.Marshal(v)
	if err != nil || string(b) != `{"duration_seconds":1.5}` {
		t.Fatalf("Marshal = %s, %v", b, err)
	}
	v.D = 0
	if err := json.Unmarshal([]byte(`{"duration_seconds":0.000000123}`), &v); err != nil || v.D.D() != 123*time.Nanosecond {
		t.Fatalf("Unmarshal = %v, %v", v.D.D(), err)
	}
	for _, bad := range []string{`"1s"`, `1e300`} {
		if err := json.Unmarshal([]byte(`{"duration_seconds":`+bad+`}`), &v); err == nil {
			t.Errorf("Unmarshal(%s) accepted", bad)
		}
	}
}

func TestEditDistance(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"", "", 0}, {"retention", "retention", 0}, {"retension", "retention", 1},
		{"wnidow", "window", 1}, {"dryrun", "dry-run", 1}, {"ful", "full", 1},
		{"kitten", "sitting", 3}, {"", "abc", 3}, {"größe", "grösse", 2},
	} {
		if got := EditDistance(tc.a, tc.b); got != tc.want {
			t.Errorf("EditDistance(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
		if got := EditDistance(tc.b, tc.a); got != tc.want {
			t.Errorf("EditDistance(%q, %q) = %d, want %d (not symmetric)", tc.b, tc.a, got, tc.want)
		}
	}
}
