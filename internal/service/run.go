package service

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"

	"github.com/fossawork/fossamaint/internal/durable"
)

// outputLimit bounds the command output kept for error messages; the tail
// is kept because that is where failures explain themselves.
const outputLimit = 4 << 10

// outcome is what a finished command left behind.
type outcome struct {
	ExitCode int
	Output   string
}

// run executes argv and waits for it to exit. Output goes to a private temp
// file rather than a pipe: a start command that leaves a daemon behind
// would otherwise hold the pipe open and block Wait, and the daemon would
// later die of SIGPIPE when the pipe closed. A non-zero exit is an outcome,
// not an error; errors are for commands that could not run or were cut off.
func run(ctx context.Context, argv []string) (outcome, error) {
	if len(argv) == 0 {
		return outcome{}, errors.New("empty command")
	}
	out, err := durable.CreateTemp(os.TempDir(), "cmd")
	if err != nil {
		return outcome{}, fmt.Errorf("creating output file for %q: %w", argv, err)
	}
	defer os.Remove(out.Name())
	defer out.Close()

	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Stdout, cmd.Stderr = out, out
	runErr := cmd.Run()
	text := tail(out)
	if ctx.Err() != nil {
		return outcome{Output: text}, fmt.Errorf("running %q: %w", argv, ctx.Err())
	}
	var exitErr *exec.ExitError
	if errors.As(runErr, &exitErr) {
		return outcome{ExitCode: exitErr.ExitCode(), Output: text}, nil
	}
	if runErr != nil {
		return outcome{Output: text}, fmt.Errorf("running %q: %w", argv, runErr)
	}
	return outcome{Output: text}, nil
}

// tail returns at most outputLimit bytes from the end of f.
func tail(f *os.File) string {
	size, err := f.Seek(0, io.SeekEnd)
	if err != nil {
		return ""
	}
	start := max(0, size-outputLimit)
	buf := make([]byte, size-start)
	n, _ := f.ReadAt(buf, start)
	text := string(buf[:n])
	if start > 0 {
		text = "…" + text
	}
	return text
}

// describe formats a failed command for an error message.
func describe(argv []string, o outcome) string {
	s := fmt.Sprintf("%q exited %d", argv, o.ExitCode)
	if o.Output != "" {
		s += ": " + strings.TrimRight(o.Output, " \r\n")
	}
	return s
}
