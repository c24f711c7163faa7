package service

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// fakeSystemctl records its argv, one call per line, and answers like
// systemctl for a few unit names.
func fakeSystemctl(t *testing.T) (bin, argvLog string) {
	t.Helper()
	dir := t.TempDir()
	argvLog = filepath.Join(dir, "argv.log")
	bin = script(t, dir, "systemctl", fmt.Sprintf(`echo "$*" >> '%s'
case "$*" in
"is-active --quiet running") exit 0 ;;
"is-active --quiet stopped") exit 3 ;;
"is-active --quiet ghost") echo "Unit ghost.service could not be found." >&2; exit 4 ;;
"start broken") echo "Job for broken.service failed because the control process exited with error code." >&2; exit 1 ;;
esac
exit 0
`, argvLog))
	return bin, argvLog
}

func TestSystemd(t *testing.T) {
	bin, argvLog := fakeSystemctl(t)
	m := &Systemd{Systemctl: bin}
	tests := []struct {
		name     string
		call     func(context.Context) (bool, error)
		want     bool
		wantErr  string
		wantArgv string
	}{
		{"start", func(ctx context.Context) (bool, error) { return false, m.Start(ctx, "fossawork-backend") },
			false, "", "start fossawork-backend"},
		{"stop", func(ctx context.Context) (bool, error) { return false, m.Stop(ctx, "fossawork-backend") },
			false, "", "stop fossawork-backend"},
		{"start failure carries stderr", func(ctx context.Context) (bool, error) { return false, m.Start(ctx, "broken") },
			false, "control process exited", "start broken"},
		{"active", func(ctx context.Context) (bool, error) { return m.Active(ctx, "running") },
			true, "", "is-active --quiet running"},
		{"inactive is exit 3", func(ctx context.Context) (bool, error) { return m.Active(ctx, "stopped") },
			false, "", "is-active --quiet stopped"},
		{"unknown unit is an error", func(ctx context.Context) (bool, error) { return m.Active(ctx, "ghost") },
			false, "could not be found", "is-active --quiet ghost"},
		{"option-like name refused", func(ctx context.Context) (bool, error) { return false, m.Stop(ctx, "--all") },
			false, "invalid service name", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(readLines(t, argvLog))
			got, err := tt.call(t.Context())
			if tt.wantErr == "" && err != nil {
				t.Fatal(err)
			}
			if tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("error %v, want %q", err, tt.wantErr)
			}
			if got != tt.want {
				t.Fatalf("active %v, want %v", got, tt.want)
			}
			calls := readLines(t, argvLog)[before:]
			if tt.wantArgv == "" && len(calls) != 0 || tt.wantArgv != "" && !slices.Equal(calls, []string{tt.wantArgv}) {
				t.Fatalf("systemctl called with %q, want %q", calls, tt.wantArgv)
			}
		})
	}
}

func TestSystemdMissingBinary(t *testing.T) {
	m := &Systemd{Systemctl: filepath.Join(t.TempDir(), "no-systemctl")}
	if _, err := m.Active(t.Context(), "x"); err == nil {
		t.Fatal("missing systemctl not reported")
	}
	if err := m.Start(t.Context(), "x"); err == nil {
		t.Fatal("missing systemctl not reported")
	}
}

func TestSystemdDefaultBinary(t *testing.T) {
	if (&Systemd{}).bin() != "systemctl" {
		t.Fatal("default binary is not systemctl")
	}
}
