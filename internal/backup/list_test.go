package backup

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

var est = time.FixedZone("EST", -5*3600)

// mtime is the modification time every fixture file gets, so mtime
// fallbacks are deterministic.
var mtime = time.Date(2025, 1, 5, 12, 0, 0, 0, time.UTC)

func touch(t *testing.T, path string, data string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(path, mtime, mtime); err != nil {
		t.Fatal(err)
	}
}

func fixtureLayout(t *testing.T) (string, Layout) {
	t.Helper()
	root := t.TempDir()
	files := map[string]string{
		"daily/20250111/fossawork_v2.db":                                  "0123456789",
		"daily/20250111/manifest.json":                                    "{}",
		"daily/20250110/fossawork_v2.db":                                  "01234",
		"daily/20241201/fossawork_v2.db":                                  "0",
		"daily/latest/fossawork_v2.db":                                    "0",
		"daily/README.txt":                                                "notes",
		"weekly/fossawork_v2_full_20250104_020000.db":                     "weekly",
		"weekly/fossawork_v2_full_20250104_020000.db.sha256":              "abc",
		"weekly/fossawork_v2_full_20251399_020000.db":                     "bad date",
		"weekly/orphan_20241228_020000.sha256":                            "abc",
		"maintenance/fossawork_v2_pre_maintenance_20250111_020512.db":     "pre",
		"maintenance/fossawork_v2_pre_maintenance_20250111_020600.db.tmp": "partial",
	}
	for rel, data := range files {
		touch(t, filepath.Join(root, rel), data)
	}
	if err := os.Mkdir(filepath.Join(root, "daily", "20250109"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(filepath.Join(root, "daily", "20250109"), mtime, mtime); err != nil {
		t.Fatal(err)
	}
	return root, Layout{
		DailyDir:       filepath.Join(root, "daily"),
		WeeklyDir:      filepath.Join(root, "weekly"),
		MaintenanceDir: filepath.Join(root, "maintenance"),
	}
}

func TestList(t *testing.T) {
	root, layout := fixtureLayout(t)
	now := time.Date(2025, 1, 11, 3, 0, 0, 0, est)
	got, err := List(context.Background(), layout, now)
	if err != nil {
		t.Fatal(err)
	}
	at := func(y int, m time.Month, d, hh, mm, ss int) time.Time { return time.Date(y, m, d, hh, mm, ss, 0, est) }
	want := []struct {
		rel      string
		kind     Kind
		when     time.Time
		source   TimeSource
		size     int64
		manifest bool
	}{
		{"maintenance/fossawork_v2_pre_maintenance_20250111_020512.db", KindMaintenance, at(2025, 1, 11, 2, 5, 12), TimeFromName, 3, false},
		{"daily/20250111/fossawork_v2.db", KindDaily, at(2025, 1, 11, 0, 0, 0), TimeFromName, 10, true},
		{"daily/20250110/fossawork_v2.db", KindDaily, at(2025, 1, 10, 0, 0, 0), TimeFromName, 5, false},
		{"daily/20250109", KindUnknown, mtime, TimeFromMtime, 0, false},
		{"daily/README.txt", KindUnknown, mtime, TimeFromMtime, 5, false},
		{"daily/latest/fossawork_v2.db", KindDaily, mtime, TimeFromMtime, 1, false},
		{"maintenance/fossawork_v2_pre_maintenance_20250111_020600.db.tmp", KindUnknown, mtime, TimeFromMtime, 7, false},
		{"weekly/fossawork_v2_full_20251399_020000.db", KindWeekly, mtime, TimeFromMtime, 8, false},
		{"weekly/orphan_20241228_020000.sha256", KindUnknown, mtime, TimeFromMtime, 3, false},
		{"weekly/fossawork_v2_full_20250104_020000.db", KindWeekly, at(2025, 1, 4, 2, 0, 0), TimeFromName, 6, true},
		{"daily/20241201/fossawork_v2.db", KindDaily, at(2024, 12, 1, 0, 0, 0), TimeFromName, 1, false},
	}
	if len(got) != len(want) {
		for _, b := range got {
			t.Logf("got %s %s %v", b.Path, b.Kind, b.Time)
		}
		t.Fatalf("got %d backups, want %d", len(got), len(want))
	}
	for i, w := range want {
		b := got[i]
		rel, _ := filepath.Rel(root, b.Path)
		if filepath.ToSlash(rel) != w.rel || b.Kind != w.kind || !b.Time.Equal(w.when) ||
			b.TimeSource != w.source || b.Size != w.size || b.HasManifest != w.manifest {
			t.Errorf("[%d] = %s %s %v %s size %d manifest %v; want %+v", i, rel, b.Kind, b.Time, b.TimeSource, b.Size, b.HasManifest, w)
		}
		if b.Age.D() != now.Sub(w.when) {
			t.Errorf("[%d] %s age %v, want %v", i, rel, b.Age, now.Sub(w.when))
		}
		if (b.Kind == KindUnknown || b.TimeSource == TimeFromMtime) && b.Note == "" {
			t.Errorf("[%d] %s: unknown or mtime-dated entry without a note", i, rel)
		}
	}
}

func TestListMissingDirs(t *testing.T) {
	root := t.TempDir()
	l, err := ListDetailed(context.Background(), Layout{
		DailyDir:  filepath.Join(root, "daily"),
		WeeklyDir: filepath.Join(root, "weekly"),
	}, time.Date(2025, 1, 11, 3, 0, 0, 0, est))
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Backups) != 0 || len(l.Notes) != 3 {
		t.Fatalf("listing %+v: want no backups and three notes", l)
	}
	for _, want := range []string{"daily backup directory", "weekly backup directory", "no maintenance backup directory configured"} {
		if !slices.ContainsFunc(l.Notes, func(n string) bool { return strings.Contains(n, want) }) {
			t.Errorf("notes %q lack %q", l.Notes, want)
		}
	}
}

func TestListCancelled(t *testing.T) {
	_, layout := fixtureLayout(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := List(ctx, layout, time.Now()); !errors.Is(err, context.Canceled) {
		t.Fatalf("List with a cancelled ctx: %v", err)
	}
}

func TestDailyFor(t *testing.T) {
	_, layout := fixtureLayout(t)
	backups, err := List(context.Background(), layout, time.Date(2025, 1, 11, 3, 0, 0, 0, est))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		day  time.Time
		want string // base of the daily dir, "" for none
	}{
		{"today, local", time.Date(2025, 1, 11, 3, 0, 0, 0, est), "20250111"},
		{"yesterday", time.Date(2025, 1, 10, 23, 59, 0, 0, est), "20250110"},
		{"same instant seen in UTC is still the 11th", time.Date(2025, 1, 11, 8, 0, 0, 0, time.UTC), "20250111"},
		{"late on the 11th local is the 12th in UTC", time.Date(2025, 1, 12, 1, 0, 0, 0, time.UTC), ""},
		{"directory without a database", time.Date(2025, 1, 9, 12, 0, 0, 0, est), ""},
		{"mtime-dated daily never matches", mtime, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b, ok := DailyFor(backups, tc.day)
			got := ""
			if ok {
				got = filepath.Base(filepath.Dir(b.Path))
			}
			if got != tc.want {
				t.Fatalf("DailyFor(%v) = %q, want %q", tc.day, got, tc.want)
			}
		})
	}
}

func TestNameTime(t *testing.T) {
	cases := []struct {
		name string
		want time.Time
		ok   bool
	}{
		{"fossawork_v2_full_20250111_020000.db", time.Date(2025, 1, 11, 2, 0, 0, 0, est), true},
		{"fossawork_v2_pre_maintenance_20241231_235959.sqlite3", time.Date(2024, 12, 31, 23, 59, 59, 0, est), true},
		{"other_app_20250111_020000.DB", time.Date(2025, 1, 11, 2, 0, 0, 0, est), true},
		{"fossawork_v2_full_20250230_020000.db", time.Time{}, false},
		{"fossawork_v2_full_20250111.db", time.Time{}, false},
		{"_20250111_020000.db", time.Time{}, false},
		{"fossawork_v2_full_20250111_020000.db.gz", time.Time{}, false},
	}
	for _, tc := range cases {
		got, note := NameTime(tc.name, est)
		if (note == "") != tc.ok || !got.Equal(tc.want) {
			t.Errorf("NameTime(%q) = %v, %q; want %v ok=%v", tc.name, got, note, tc.want, tc.ok)
		}
	}
}

func FuzzNameTime(f *testing.F) {
	f.Add("fossawork_v2_full_20250111_020000.db")
	f.Add("x_99999999_999999.sqlite")
	f.Add("")
	f.Fuzz(func(t *testing.T, name string) {
		got, note := NameTime(name, est)
		if (note == "") == got.IsZero() {
			t.Fatalf("NameTime(%q) = %v, %q: want exactly one of a time and a note", name, got, note)
		}
		if note == "" && got.Format("20060102_150405") != stampedName.FindStringSubmatch(name)[1] {
			t.Fatalf("NameTime(%q) = %v does not round-trip", name, got)
		}
	})
}

// TestListDailySetParts: a set's extra files are not listed as unknown
// entries, manifest.json wins over other *.json names, and an interrupted
// create's working directory is listed as unknown with a note.
func TestListDailySetParts(t *testing.T) {
	root := t.TempDir()
	daily := filepath.Join(root, "daily")
	set := filepath.Join(daily, "20250111")
	touch(t, filepath.Join(set, "fossawork_v2.db"), "db")
	touch(t, filepath.Join(set, "config.json"), "{}")
	touch(t, filepath.Join(set, ".env"), "A=1")
	touch(t, filepath.Join(set, "data", "x.json"), "{}")
	m := `{"sha256":"` + sum0 + `","files":[{"name":".env","sha256":"` + sum0 + `"},{"name":"data/x.json","sha256":"` + sum0 + `"}]}`
	touch(t, filepath.Join(set, DailyManifestName), m)
	touch(t, filepath.Join(daily, newSetPrefix+"20250112-123", "fossawork_v2.db"), "partial")
	got, err := List(context.Background(), Layout{DailyDir: daily}, time.Date(2025, 1, 12, 3, 0, 0, 0, est))
	if err != nil {
		t.Fatal(err)
	}
	var rels []string
	for _, b := range got {
		rel, _ := filepath.Rel(daily, b.Path)
		rels = append(rels, filepath.ToSlash(rel)+" "+string(b.Kind))
		switch {
		case b.Kind == KindDaily && b.ManifestPath != filepath.Join(set, DailyManifestName):
			t.Errorf("daily backup paired with %s", b.ManifestPath)
		case strings.HasPrefix(filepath.Base(b.Path), newSetPrefix) && !strings.Contains(b.Note, "interrupted"):
			t.Errorf("working dir note %q", b.Note)
		}
	}
	slices.Sort(rels)
	want := []string{newSetPrefix + "20250112-123 unknown", "20250111/config.json unknown", "20250111/fossawork_v2.db daily"}
	if !slices.Equal(rels, want) {
		t.Fatalf("listed %q, want %q", rels, want)
	}
}

// TestDailyForCreatedSet: a daily set written by Create is today's daily
// backup, though its manifest (not its directory name) gives its time, and
// "today" is the installation's day (the listing's zone) even when Create
// ran with a clock in another zone (a UTC machine, an installation in EST)
// and named the directory by that zone's date. Issue 9 item 13.
func TestDailyForCreatedSet(t *testing.T) {
	cases := []struct {
		name     string
		created  time.Time // Create's injected clock, in the machine's zone
		at       time.Time // the preflight's now, in the installation's zone
		wantDir  string    // base of the set's directory, "" for no match
		location *time.Location
	}{
		{"created and checked the same day", time.Date(2025, 1, 11, 14, 30, 0, 0, est), time.Date(2025, 1, 11, 22, 0, 0, 0, est), "20250111", est},
		{"checked the next day", time.Date(2025, 1, 11, 14, 30, 0, 0, est), time.Date(2025, 1, 12, 1, 0, 0, 0, est), "", est},
		{"UTC machine after UTC midnight, installation's evening", time.Date(2025, 1, 12, 2, 0, 0, 0, time.UTC), time.Date(2025, 1, 11, 22, 0, 0, 0, est), "20250112", est},
		{"that set is not the installation's 12th", time.Date(2025, 1, 12, 2, 0, 0, 0, time.UTC), time.Date(2025, 1, 12, 10, 0, 0, 0, est), "", est},
		{"EST machine late, UTC installation's next day", time.Date(2025, 1, 11, 22, 30, 0, 0, est), time.Date(2025, 1, 12, 6, 0, 0, 0, time.UTC), "20250111", time.UTC},
		{"that set is not the UTC installation's 11th", time.Date(2025, 1, 11, 22, 30, 0, 0, est), time.Date(2025, 1, 11, 23, 0, 0, 0, time.UTC), "", time.UTC},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := newInstall(t)
			c, err := Create(context.Background(), in.opts(KindDaily, tc.created))
			if err != nil {
				t.Fatal(err)
			}
			list, err := List(context.Background(), in.layout, tc.at)
			if err != nil {
				t.Fatal(err)
			}
			b, ok := DailyFor(list, tc.at)
			got := ""
			if ok {
				got = filepath.Base(filepath.Dir(b.Path))
			}
			if got != tc.wantDir {
				t.Fatalf("DailyFor(%v) = %q (set %s), want %q; listing %+v", tc.at, got, filepath.Base(c.Dir), tc.wantDir, list)
			}
			if ok && (!b.Time.Equal(tc.created) || b.TimeSource != TimeFromManifest || b.Time.Location() != tc.location) {
				t.Errorf("set listed at %v from %s, want %v from the manifest in the installation's zone", b.Time, b.TimeSource, tc.created)
			}
		})
	}
}
