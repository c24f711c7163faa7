package cli

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/fossawork/fossamaint/internal/finding"
	"github.com/fossawork/fossamaint/internal/runbook"
	"github.com/fossawork/fossamaint/internal/security"
)

// permsReport is what `security perms --json` prints.
type permsReport struct {
	Findings []security.PermFinding `json:"findings"`
	// Actions are the changes made, or with --dry-run those that would be.
	Actions []string `json:"actions,omitempty"`
	DryRun  bool     `json:"dry_run,omitempty"`
	// After is the check repeated once the fixes are made.
	After []security.PermFinding `json:"after,omitempty"`
	Error string                 `json:"error,omitempty"`
}

func (a *app) securityPermsCmd() *cobra.Command {
	var fix, dryRun, asJSON bool
	c := &cobra.Command{
		Use:   "perms",
		Short: "File modes and owners of the database, secrets, data and backups; --fix removes the excess bits",
		Long: `Checks every path of security.file_modes against its most permissive mode
and, when set, its owner. A directory with files_mode is checked
recursively: files against files_mode, subdirectories against mode (the
backups tree: 0700 directories of 0600 files). Excess bits are named
(world-readable, group-writable, setuid, ...). Symlinks are reported with
their target's mode and never followed when fixing.

--fix changes each path to mode & allowed (only removing bits, never adding
one) and, as root, gives it the configured owner; it takes the run lock.
--dry-run prints what --fix would change and changes nothing.

Exits 0 when all is well, 1 on warnings, 2 when something is
world-writable or a fix failed.`,
		Example: `  fossamaint security perms
  fossamaint security perms --fix --dry-run
  sudo fossamaint security perms --fix --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.runSecurityPerms(cmd.Context(), fix, dryRun, asJSON)
		},
	}
	c.Flags().BoolVar(&fix, "fix", false, "remove excess mode bits (and chown as root)")
	c.Flags().BoolVar(&dryRun, "dry-run", false, "print what --fix would change; change nothing")
	c.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return c
}

func (a *app) runSecurityPerms(ctx context.Context, fix, dryRun, asJSON bool) error {
	in, err := a.installation()
	if err != nil {
		return err
	}
	rules := in.Security.Perms
	if len(rules) == 0 {
		fmt.Fprintln(a.stdout, "No paths to check: security.file_modes is empty.")
		return nil
	}
	if fix && !dryRun {
		lock, err := runbook.AcquireLock(in.StateDir)
		if err != nil {
			return err
		}
		defer lock.Release()
	}
	rep := permsReport{Findings: security.CheckPerms(ctx, rules), DryRun: dryRun}
	var fixErr error
	if fix || dryRun {
		rep.Actions, fixErr = security.FixPerms(ctx, rep.Findings, dryRun)
		if fixErr != nil {
			rep.Error = fixErr.Error()
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	final := rep.Findings
	if fix && !dryRun {
		rep.After = security.CheckPerms(ctx, rules)
		final = rep.After
	}
	if asJSON {
		err = a.encodeJSON(rep)
	} else {
		err = writePermsReport(a.stdout, rep)
	}
	if err != nil {
		return err
	}
	if fixErr != nil {
		fmt.Fprintln(a.stderr, "fossamaint:", fixErr)
		return exitSilently(ExitFail)
	}
	return exitSilently(permsExitCode(final))
}

func permsExitCode(findings []security.PermFinding) int {
	code := ExitOK
	for _, f := range findings {
		switch f.Severity {
		case finding.Critical:
			return ExitFail
		case finding.Warning:
			code = ExitWarn
		}
	}
	return code
}

func writePermsReport(w io.Writer, rep permsReport) error {
	var b strings.Builder
	writePermFindings(&b, rep.Findings)
	if len(rep.Actions) > 0 {
		title := "Fixed"
		if rep.DryRun {
			title = "Would fix (dry run)"
		}
		fmt.Fprintf(&b, "\n%s:\n", title)
		for _, act := range rep.Actions {
			fmt.Fprintf(&b, "  %s\n", act)
		}
	} else if rep.DryRun {
		b.WriteString("\nNothing to fix.\n")
	}
	if rep.After != nil {
		b.WriteString("\nAfter the fixes:\n")
		writePermFindings(&b, rep.After)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// writePermFindings prints every finding that needs attention and one
// line per rule that is fine.
func writePermFindings(b *strings.Builder, findings []security.PermFinding) {
	bad := 0
	for _, f := range findings {
		if f.OK {
			fmt.Fprintf(b, "  [ok] %s\n", f.Message)
			continue
		}
		bad++
		fmt.Fprintf(b, "  [%s] %s\n", f.Severity, f.Message)
		if f.Recommendation != "" {
			fmt.Fprintf(b, "      -> %s\n", f.Recommendation)
		}
	}
	fmt.Fprintf(b, "%d paths need attention.\n", bad)
}
