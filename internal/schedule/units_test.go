package schedule

import (
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fossawork/fossamaint/internal/runbook"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// systemdAnalyze is the path of systemd-analyze; the test is skipped
// without it, unless CI is set (CI has it: Debian's systemd package).
func systemdAnalyze(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("systemd-analyze")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("CI is set but systemd-analyze is missing: install systemd (apt-get install -y systemd): %v", err)
		}
		t.Skipf("systemd-analyze not found: %v", err)
	}
	return p
}

func TestUnitsGolden(t *testing.T) {
	in := installation(t, "  timezone: Europe/Berlin\n  blackout: [\"2026-12-24..2027-01-02\"]\n")
	units, err := Units(in, Options{Binary: "/usr/bin/fossamaint", Config: in.ConfigPath})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, u := range units {
		b.WriteString("==> " + u.Name + " <==\n" + u.Content + "\n")
	}
	got := strings.ReplaceAll(b.String(), in.Root, "$ROOT")
	golden := filepath.Join("testdata", "units.golden")
	if *update {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("units differ from %s (run with -update and review the diff):\n%s", golden, got)
	}
}

// TestUnitsVerify: systemd-analyze verify accepts every unit as written
// into a unit directory, with a binary and config paths that need quoting.
func TestUnitsVerify(t *testing.T) {
	analyze := systemdAnalyze(t)
	in := installation(t, "  timezone: Europe/Berlin\n")
	dir := t.TempDir()
	bin := filepath.Join(dir, "bin dir", "fossa%maint")
	if err := os.MkdirAll(filepath.Dir(bin), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bin, []byte("#!/bin/sh\nexit 0\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	unitDir := filepath.Join(dir, "units")
	if err := os.Mkdir(unitDir, 0o755); err != nil {
		t.Fatal(err)
	}
	units, err := Units(in, Options{Binary: bin, Config: in.ConfigPath})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Install(unitDir, units, false); err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, u := range units {
		paths = append(paths, filepath.Join(unitDir, u.Name))
	}
	cmd := exec.Command(analyze, append([]string{"verify"}, paths...)...)
	out, err := cmd.CombinedOutput()
	if err != nil || len(strings.TrimSpace(string(out))) > 0 {
		t.Fatalf("systemd-analyze verify: %v\n%s", err, out)
	}
}

// systemdElapses are the next n elapses systemd-analyze calendar computes
// for expr after base.
func systemdElapses(t *testing.T, analyze, expr string, base time.Time, n int) []time.Time {
	t.Helper()
	cmd := exec.Command(analyze, "calendar", "--iterations="+strconv.Itoa(n),
		"--base-time=@"+strconv.FormatInt(base.Unix(), 10), expr)
	cmd.Env = append(os.Environ(), "TZ=UTC", "LC_ALL=C")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("systemd-analyze calendar %q: %v\n%s", expr, err, out)
	}
	var got []time.Time
	for _, line := range strings.Split(string(out), "\n") {
		_, v, ok := strings.Cut(line, ":")
		key := strings.TrimSpace(strings.SplitN(line, ":", 2)[0])
		if !ok || (key != "Next elapse" && !strings.HasPrefix(key, "Iter. #")) {
			continue
		}
		ts, err := time.Parse("Mon 2006-01-02 15:04:05 MST", strings.TrimSpace(v))
		if err != nil {
			t.Fatalf("systemd-analyze printed %q: %v", line, err)
		}
		got = append(got, ts)
	}
	if len(got) != n {
		t.Fatalf("systemd-analyze calendar %q printed %d elapses, want %d:\n%s", expr, len(got), n, out)
	}
	return got
}

// TestOnCalendarAgreesWithSystemd is the acceptance line: the
// OnCalendar= of each timer elapses, by systemd's own calendar, exactly
// when fossamaint computes it (schedule show, the daemon), in two zones
// and across a DST change each way.
func TestOnCalendarAgreesWithSystemd(t *testing.T) {
	analyze := systemdAnalyze(t)
	tests := []struct {
		name, window, base string
	}{
		{"New York, fall back on Nov 1", "  timezone: America/New_York\n", "2026-10-20T00:00:00Z"},
		{"Berlin, spring forward on Mar 28", "  timezone: Europe/Berlin\n", "2027-03-15T00:00:00Z"},
		{"Berlin, a Sunday window in the missing hour", "  weekday: sunday\n  start: \"02:30\"\n  timezone: Europe/Berlin\n  notice: 30m\n", "2027-03-15T00:00:00Z"},
		{"New York, a Sunday window in the repeated hour", "  weekday: sunday\n  start: \"01:30\"\n  timezone: America/New_York\n", "2026-10-20T00:00:00Z"},
	}
	const n = 4
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel() // each waits on systemd-analyze processes
			in := installation(t, tt.window)
			base, err := time.Parse(time.RFC3339, tt.base)
			if err != nil {
				t.Fatal(err)
			}
			w := in.Window
			for _, e := range []Event{WeeklyEvent(w), NoticeEvent(w, in.Config.Window.Notice.D()), DailyBackupEvent(w)} {
				want := systemdElapses(t, analyze, e.OnCalendar(), base, n)
				at := base
				for i := range n {
					at = e.Next(at)
					if !at.Equal(want[i]) {
						t.Errorf("%s: elapse %d is %s by fossamaint, %s by systemd", e.OnCalendar(), i+1, at.UTC(), want[i])
					}
				}
			}
			// schedule show's list is the weekly timer's elapses too.
			want := systemdElapses(t, analyze, WeeklyEvent(w).OnCalendar(), base, n)
			var opened []time.Time
			for _, o := range Upcoming(w, in.Config.Window.Notice.D(), base, n) {
				if o.Skipped == "" {
					opened = append(opened, o.Window.Start)
				}
			}
			for i := range want {
				if !opened[i].Equal(want[i]) {
					t.Errorf("Upcoming %d = %s, systemd %s", i, opened[i].UTC(), want[i])
				}
			}
		})
	}
}

// TestWeeklyTimeoutCoversTheExtension: systemd never kills a run that
// window.overrun: extend lets go past the window's end.
func TestWeeklyTimeoutCoversTheExtension(t *testing.T) {
	w := runbook.Window{Duration: 4 * time.Hour}
	for _, tc := range []struct {
		o    runbook.Overrun
		want time.Duration
	}{
		{runbook.Overrun{}, 5 * time.Hour},
		{runbook.Overrun{Policy: runbook.OverrunExtend, MaxExtension: 3 * time.Hour}, 8 * time.Hour},
		{runbook.Overrun{Policy: runbook.OverrunRollback, MaxExtension: 3 * time.Hour}, 5 * time.Hour},
	} {
		if got := weeklyService(w, tc.o, nil).timeout; got != tc.want {
			t.Errorf("%s: timeout %s, want %s", tc.o.Policy, got, tc.want)
		}
	}
}
