package schedule

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/fossawork/fossamaint/internal/config"
	"github.com/fossawork/fossamaint/internal/install"
)

// installation resolves a config whose window is yaml (the lines under
// window:) in a temp root.
func installation(t *testing.T, window string) *install.Installation {
	t.Helper()
	dir := t.TempDir()
	p := filepath.Join(dir, "fossamaint.yaml")
	body := "root: .\nstate_dir: state\nservices:\n  manager: none\nwindow:\n" + window
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(p)
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	in, err := install.Resolve(cfg, p)
	if err != nil {
		t.Fatal(err)
	}
	return in
}

func mustLoc(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Skipf("zone %s unavailable: %v", name, err)
	}
	return loc
}

func TestEventsOnCalendar(t *testing.T) {
	tests := []struct {
		name, window           string
		weekly, notice, backup string
	}{
		{"the default, a day's notice", "  timezone: Europe/Berlin\n",
			"Sat *-*-* 02:00:00 Europe/Berlin", "Fri *-*-* 02:00:00 Europe/Berlin", "*-*-* 01:00:00 Europe/Berlin"},
		{"notice across the week's start", "  weekday: sunday\n  start: \"00:30\"\n  timezone: America/New_York\n  notice: 90m\n",
			"Sun *-*-* 00:30:00 America/New_York", "Sat *-*-* 23:00:00 America/New_York", "*-*-* 23:30:00 America/New_York"},
		{"a long notice", "  weekday: monday\n  start: \"06:15\"\n  timezone: UTC\n  notice: 6d23h\n",
			"Mon *-*-* 06:15:00 UTC", "Mon *-*-* 07:15:00 UTC", "*-*-* 05:15:00 UTC"},
		{"the host's zone is left out", "  timezone: Local\n",
			"Sat *-*-* 02:00:00", "Fri *-*-* 02:00:00", "*-*-* 01:00:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := installation(t, tt.window)
			w := in.Window
			got := []string{WeeklyEvent(w).OnCalendar(), NoticeEvent(w, in.Config.Window.Notice.D()).OnCalendar(), DailyBackupEvent(w).OnCalendar()}
			want := []string{tt.weekly, tt.notice, tt.backup}
			for i := range got {
				if got[i] != want[i] {
					t.Errorf("event %d = %q, want %q", i, got[i], want[i])
				}
			}
		})
	}
}

// TestUpcomingSkipsBlackoutAndKeepsWallClockAcrossDST: the notice of a
// Saturday 02:00 window is Friday 02:00 on both sides of a DST change
// (23 or 25 hours before, not 24), and blacked-out windows are listed as
// skipped without counting.
func TestUpcomingSkipsBlackoutAndKeepsWallClockAcrossDST(t *testing.T) {
	in := installation(t, "  timezone: America/New_York\n  blackout: [\"2026-11-14\", \"2026-11-20..2026-11-22\"]\n")
	ny := mustLoc(t, "America/New_York")
	at := func(s string) time.Time {
		v, err := time.ParseInLocation("2006-01-02 15:04", s, ny)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	got := Upcoming(in.Window, 24*time.Hour, at("2026-10-28 12:00"), 3)
	want := []struct {
		start, notice, blackout string
	}{
		{"2026-10-31 02:00", "2026-10-30 02:00", ""},
		{"2026-11-07 02:00", "2026-11-06 02:00", ""},
		{"2026-11-14 02:00", "", "2026-11-14"},
		{"2026-11-21 02:00", "", "2026-11-20..2026-11-22"},
		{"2026-11-28 02:00", "2026-11-27 02:00", ""},
	}
	if len(got) != len(want) {
		t.Fatalf("%d occurrences, want %d: %+v", len(got), len(want), got)
	}
	for i, w := range want {
		g := got[i]
		if !g.Window.Start.Equal(at(w.start)) || g.Blackout != w.blackout {
			t.Errorf("%d: %s %q, want %s %q", i, g.Window.Start, g.Blackout, w.start, w.blackout)
		}
		if (w.notice == "") != g.Notice.IsZero() || (w.notice != "" && !g.Notice.Equal(at(w.notice))) {
			t.Errorf("%d: notice %s, want %q", i, g.Notice, w.notice)
		}
	}
	if d := got[1].Window.Start.Sub(got[0].Window.Start); d != 169*time.Hour {
		t.Errorf("across the fall-back change the windows are %s apart, want 169h", d)
	}
}

func TestCommandLineQuoting(t *testing.T) {
	tests := []struct {
		argv []string
		want string
	}{
		{[]string{"/usr/bin/fossamaint", "--config", "/etc/fossamaint/fossamaint.yaml", "weekly"},
			"/usr/bin/fossamaint --config /etc/fossamaint/fossamaint.yaml weekly"},
		{[]string{"/opt/fossa maint/bin", "--config", `/etc/a "b"\c.yaml`},
			`"/opt/fossa maint/bin" --config "/etc/a \"b\"\\c.yaml"`},
		{[]string{"/x", "100%", "$HOME", "${X}", "", "a;b", "it's", "tab\there", "nl\nx"},
			`/x 100%% $$HOME $${X} "" "a;b" "it's" "tab\there" "nl\nx"`},
	}
	for _, tt := range tests {
		got, err := commandLine(tt.argv)
		if err != nil || got != tt.want {
			t.Errorf("commandLine(%q) = %s, %v; want %s", tt.argv, got, err, tt.want)
		}
	}
	for _, bad := range [][]string{nil, {"fossamaint", "weekly"}, {"-/usr/bin/x"}} {
		if _, err := commandLine(bad); err == nil {
			t.Errorf("commandLine(%q) accepted a first word that is not an absolute path", bad)
		}
	}
}

func TestWritablePathsAreOutermost(t *testing.T) {
	got := outermost([]string{"/r/logs", "/r/logs/errors", "/var/lib/fm", "/r/backups/daily", "/r/backups", "", "/r/logs/", "/r/logsx"})
	want := []string{"/r/backups", "/r/logs", "/r/logsx", "/var/lib/fm"}
	if len(got) != len(want) {
		t.Fatalf("outermost = %q, want %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("outermost = %q, want %q", got, want)
		}
	}
}
