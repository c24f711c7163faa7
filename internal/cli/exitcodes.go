package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/fossawork/fossamaint/internal/config"
	"github.com/fossawork/fossamaint/internal/history"
	"github.com/fossawork/fossamaint/internal/runbook"
)

// Exit codes: the one table. The root help, the root man page and the
// README's "Exit codes" section show it (a test compares the README with
// exitTable); no command may exit with a code that is not here (a test
// reads every exitSilently and withCode call).
const (
	ExitOK          = 0
	ExitWarn        = 1
	ExitFail        = 2
	ExitOutside     = 3
	ExitUsage       = 64
	ExitLocked      = 75
	ExitInterrupted = 130
)

var exitTable = []struct {
	code int
	what string
}{
	{ExitOK, "all ok"},
	{ExitWarn, "finished with warnings: findings need a look (every command that reports findings; `recover` that dealt with a dead run)"},
	{ExitFail, "failed: a critical finding or an error (rolled back or not; the report says)"},
	{ExitOutside, "outside the maintenance window or on a blackout date, or a step was postponed"},
	{ExitUsage, "usage or config error: unknown command or flag (with a suggestion), missing subcommand, missing or extra argument, bad config; or nothing to act on (no run to report on or roll back, no such backup)"},
	{ExitLocked, "another run holds the lock (the message names its pid)"},
	{ExitInterrupted, "interrupted (Ctrl-C, SIGTERM, or SIGHUP from a closed session); the report of what ran is still written"},
}

// exitPrecedence says how a finished run gets one code from many steps.
const exitPrecedence = "A finished run exits 2 if any step failed, else 3 if any step was postponed, else 1 if any step warned, else 0."

// inExitTable reports whether code is one of the table's.
func inExitTable(code int) bool {
	for _, e := range exitTable {
		if e.code == code {
			return true
		}
	}
	return false
}

// exitCodesHelp is the table as the root help and man page show it.
func exitCodesHelp() string {
	var b strings.Builder
	b.WriteString("Exit codes:\n")
	for _, e := range exitTable {
		fmt.Fprintf(&b, "  %3d  %s\n", e.code, wrap(e.what, 72, "       "))
	}
	b.WriteString("  " + wrap(exitPrecedence, 77, "  ") + "\n")
	return b.String()
}

// wrap breaks s into lines of at most width bytes at spaces; every line
// after the first starts with indent.
func wrap(s string, width int, indent string) string {
	var b strings.Builder
	n := 0
	for i, w := range strings.Fields(s) {
		switch {
		case i == 0:
		case n+1+len(w) > width:
			b.WriteString("\n" + indent)
			n = 0
		default:
			b.WriteByte(' ')
			n++
		}
		b.WriteString(w)
		n += len(w)
	}
	return b.String()
}

// exitCodesMarkdown is the table as the README shows it.
func exitCodesMarkdown() string {
	var b strings.Builder
	b.WriteString("| code | meaning |\n|---|---|\n")
	for _, e := range exitTable {
		fmt.Fprintf(&b, "| %d | %s |\n", e.code, e.what)
	}
	b.WriteString("\n" + exitPrecedence + "\n")
	return b.String()
}

// exitError carries an exit code with an error to print.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func withCode(code int, err error) error {
	if err == nil {
		return nil
	}
	return &exitError{code: code, err: err}
}

func usageErr(format string, a ...any) error {
	return &exitError{code: ExitUsage, err: fmt.Errorf(format, a...)}
}

// codeFor maps an error to its exit code.
func codeFor(err error) int {
	var ee *exitError
	var locked *runbook.ErrLocked
	var outside *runbook.ErrOutsideWindow
	var cfgErr *config.Error
	switch {
	case err == nil:
		return ExitOK
	case errors.As(err, &ee):
		return ee.code
	case errors.Is(err, runbook.ErrInterrupted), errors.Is(err, context.Canceled):
		return ExitInterrupted
	case errors.As(err, &locked):
		return ExitLocked
	case errors.As(err, &outside):
		return ExitOutside
	case errors.As(err, &cfgErr), errors.Is(err, config.ErrNotFound):
		return ExitUsage
	case errors.Is(err, history.ErrNoRuns):
		// Nothing to act on (`rollback` or `report` with an empty
		// history, an unknown run id): the command was called wrongly.
		return ExitUsage
	}
	return ExitFail
}

// runExit is a finished run's exit code, from the run itself rather than
// its summary status (which counts a postponed step as a warning): see
// exitPrecedence.
func runExit(run *runbook.Run) int {
	switch run.Status {
	case runbook.RunOK, runbook.RunWarn:
	default: // fail, rolled back, or a run that never finished
		return ExitFail
	}
	for _, p := range run.Phases {
		for _, s := range p.Steps {
			if s.Status == runbook.StatusPostponed {
				return ExitOutside
			}
		}
	}
	return runCode(run.Status)
}

// runCode maps a run status to its exit code (recover and rollback, whose
// results carry a status only).
func runCode(s runbook.RunStatus) int {
	switch s {
	case runbook.RunOK:
		return ExitOK
	case runbook.RunWarn:
		return ExitWarn
	}
	return ExitFail
}
