package cli

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/creack/pty"
)

// fossamaintBinary is the test binary acting as fossamaint: testscript.Main
// (TestMain) put a copy named fossamaint first on PATH, and it runs cli.Run,
// as cmd/fossamaint does: real process, real signals, real terminal.
func fossamaintBinary(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("fossamaint")
	if err != nil {
		t.Fatalf("fossamaint is not on PATH (TestMain sets it up): %v", err)
	}
	return bin
}

// childEnv is this process's environment without the variables the tests
// set, plus extra.
func childEnv(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if k != "NO_COLOR" && k != "TERM" && k != "FOSSAMAINT_CONFIG" {
			env = append(env, kv)
		}
	}
	return append(env, extra...)
}

// TestNoColourOnARealTerminal runs a dry weekly run on a pseudo-terminal:
// with a colour terminal its progress has escape sequences (so the test
// can fail), and NO_COLOR, --no-color and TERM=dumb leave not one ESC byte.
// On a dumb terminal the in-progress line is not drawn at all.
func TestNoColourOnARealTerminal(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no pty on Windows")
	}
	bin := fossamaintBinary(t)
	cfg := writeConfig(t, t.TempDir())
	for _, tc := range []struct {
		name      string
		env       []string
		flags     []string
		escapes   bool
		liveLines bool
	}{
		{"colour terminal", []string{"TERM=xterm-256color"}, nil, true, true},
		{"NO_COLOR", []string{"TERM=xterm-256color", "NO_COLOR=1"}, nil, false, true},
		{"--no-color", []string{"TERM=xterm-256color"}, []string{"--no-color"}, false, true},
		{"TERM=dumb", []string{"TERM=dumb"}, nil, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"weekly", "--config", cfg, "--dry-run", "--force-window"}, tc.flags...)
			cmd := exec.Command(bin, args...)
			cmd.Env = childEnv(tc.env...)
			out := runOnPty(t, cmd)
			if !strings.Contains(out, "preflight/previous-runs") {
				t.Fatalf("no progress on the terminal:\n%q", out)
			}
			if got := strings.Contains(out, "\x1b"); got != tc.escapes {
				t.Errorf("escape sequences printed: %v, want %v:\n%q", got, tc.escapes, out)
			}
			if got := strings.Contains(out, "  ...   "); got != tc.liveLines {
				t.Errorf("in-progress line drawn: %v, want %v:\n%q", got, tc.liveLines, out)
			}
		})
	}
}

// runOnPty runs cmd with a pseudo-terminal as stdin, stdout and stderr and
// returns everything it printed.
func runOnPty(t *testing.T, cmd *exec.Cmd) string {
	t.Helper()
	ptmx, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 40, Cols: 200})
	if err != nil {
		t.Fatalf("starting on a pty: %v", err)
	}
	defer ptmx.Close()
	var buf bytes.Buffer
	done := make(chan struct{})
	go func() {
		// Ends with EIO once the child has exited and closed the tty.
		_, _ = io.Copy(&buf, ptmx)
		close(done)
	}()
	waited := make(chan error, 1)
	go func() { waited <- cmd.Wait() }()
	select {
	case <-waited:
	case <-time.After(2 * time.Minute):
		_ = cmd.Process.Kill()
		<-waited
		ptmx.Close()
		<-done
		t.Fatalf("fossamaint did not finish on the pty; so far:\n%q", buf.String())
	}
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		ptmx.Close() // a grandchild holds the tty: stop reading
		<-done
	}
	return buf.String()
}
