package pgdb

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"slices"
	"strings"
)

// ToolError is a PostgreSQL program that exited non-zero: its exit code
// and the end of what it printed on stderr (passwords removed).
type ToolError struct {
	Prog   string
	Code   int
	Stderr string
}

func (e *ToolError) Error() string {
	msg := fmt.Sprintf("%s exited with status %d", e.Prog, e.Code)
	if e.Stderr != "" {
		msg += ": " + e.Stderr
	}
	return msg
}

// runTool runs prog from tools against the database at rawURL (passed as
// --dbname with its password moved to PGPASSWORD; "" for a program that
// reads no server) with args, and returns its stdout. A non-zero exit is
// a *ToolError; a cancelled ctx is ctx's error. The argv never holds the
// password and nothing goes through a shell.
func runTool(ctx context.Context, tools Tools, prog, rawURL string, args ...string) ([]byte, error) {
	argv := args
	var env []string
	if rawURL != "" {
		u, e, err := Env(rawURL)
		if err != nil {
			return nil, err
		}
		env = e
		argv = append([]string{"--dbname=" + u}, args...)
		if prog == "pg_amcheck" {
			// pg_amcheck has no --dbname: its connection string is the
			// DBNAME operand (and -d is a database pattern).
			argv = append(slices.Clone(args), u)
		}
	}
	cmd := exec.CommandContext(ctx, tools.Path(prog), argv...)
	if env != nil {
		cmd.Env = env
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if ctx.Err() != nil {
		return stdout.Bytes(), fmt.Errorf("%s: %w", prog, ctx.Err())
	}
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		msg := strings.TrimSpace(tail(stderr.String(), 4000))
		if rawURL != "" {
			msg = scrub(errors.New(msg), rawURL).Error()
		}
		return stdout.Bytes(), &ToolError{Prog: prog, Code: exit.ExitCode(), Stderr: msg}
	}
	if err != nil {
		return stdout.Bytes(), fmt.Errorf("running %s: %w", tools.Path(prog), err)
	}
	return stdout.Bytes(), nil
}
