package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/fossawork/fossamaint/internal/config"
	"github.com/fossawork/fossamaint/internal/runbook"
)

// Exit codes: the one table. Every command's help lists it.
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
	{ExitWarn, "finished with warnings"},
	{ExitFail, "failed (rolled back or not; the report says)"},
	{ExitOutside, "outside the maintenance window, or postponed"},
	{ExitUsage, "usage or config error"},
	{ExitLocked, "another run holds the lock"},
	{ExitInterrupted, "interrupted (Ctrl-C)"},
}

func exitCodesHelp() string {
	var b strings.Builder
	b.WriteString("Exit codes:\n")
	for _, e := range exitTable {
		fmt.Fprintf(&b, "  %3d  %s\n", e.code, e.what)
	}
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
	}
	return ExitFail
}

// runCode maps a finished run's status to its exit code.
func runCode(s runbook.RunStatus) int {
	switch s {
	case runbook.RunOK:
		return ExitOK
	case runbook.RunWarn:
		return ExitWarn
	}
	return ExitFail
}
