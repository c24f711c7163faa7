package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestScheduleShowAgreesWithSystemd is the acceptance line at the
// command: `schedule show --json --now T` lists the window starts that
// `systemd-analyze calendar --base-time=T` gives for the weekly timer's
// OnCalendar=, in New York across the fall-back change and in Berlin
// across the spring-forward change.
func TestScheduleShowAgreesWithSystemd(t *testing.T) {
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("CI is set but systemd-analyze is missing: install systemd: %v", err)
		}
		t.Skipf("systemd-analyze not found: %v", err)
	}
	for _, tt := range []struct{ zone, now string }{
		{"America/New_York", "2026-10-20T00:00:00Z"},
		{"Europe/Berlin", "2027-03-15T00:00:00Z"},
	} {
		t.Run(tt.zone, func(t *testing.T) {
			dir := t.TempDir()
			cfg := filepath.Join(dir, "c.yaml")
			body := "root: .\nservices:\n  manager: none\nwindow:\n  timezone: " + tt.zone + "\n"
			if err := os.WriteFile(cfg, []byte(body), 0o600); err != nil {
				t.Fatal(err)
			}
			var stdout, stderr bytes.Buffer
			if code := Main(context.Background(), []string{"schedule", "show", "--json", "--count", "4", "--config", cfg, "--now", tt.now}, &stdout, &stderr); code != 0 {
				t.Fatalf("exit %d: %s", code, stderr.String())
			}
			var show showJSON
			if err := json.Unmarshal(stdout.Bytes(), &show); err != nil {
				t.Fatal(err)
			}
			base, _ := time.Parse(time.RFC3339, tt.now)
			cmd := exec.Command(analyze, "calendar", "--iterations=4", "--base-time=@"+strconv.FormatInt(base.Unix(), 10), show.Timers[0].OnCalendar)
			cmd.Env = append(os.Environ(), "TZ=UTC", "LC_ALL=C")
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("systemd-analyze: %v\n%s", err, out)
			}
			var want []string
			for _, line := range strings.Split(string(out), "\n") {
				k, v, _ := strings.Cut(line, ": ")
				if k = strings.TrimSpace(k); k == "Next elapse" || strings.HasPrefix(k, "Iter. #") {
					want = append(want, strings.TrimSpace(v))
				}
			}
			if len(want) != 4 || len(show.Upcoming) != 4 {
				t.Fatalf("systemd %q, show %+v", want, show.Upcoming)
			}
			for i, u := range show.Upcoming {
				if got := u.Opens.UTC().Format("Mon 2006-01-02 15:04:05 MST"); got != want[i] {
					t.Errorf("window %d opens %s by schedule show, %s by systemd", i+1, got, want[i])
				}
			}
		})
	}
}
