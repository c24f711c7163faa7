package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/fossawork/fossamaint/internal/finding"
	"github.com/fossawork/fossamaint/internal/human"
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
		err = writePermsReport(a.stdout, in.Root, rep)
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

func writePermsReport(w io.Writer, root string, rep permsReport) error {
	var b strings.Builder
	writePermFindings(&b, root, rep.Findings)
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
		writePermFindings(&b, root, rep.After)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// writePermFindings prints a table of every path checked (relative to
// the installation root), then what to run for those that need attention.
func writePermFindings(b *strings.Builder, root string, findings []security.PermFinding) {
	var rows [][]string
	var todo []string
	bad := 0
	for _, f := range findings {
		if !f.OK {
			bad++
		}
		rows = append(rows, []string{permStatus(f), underRoot(root, f.Path), permMode(f), permMode(security.PermFinding{Mode: f.Max}), permDetail(f)})
		if !f.OK && f.Recommendation != "" {
			todo = append(todo, f.Recommendation)
		}
	}
	_ = writeTable(b, []string{"STATUS", "PATH", "MODE", "ALLOWED", "DETAIL"}, rows)
	if len(todo) > 0 {
		b.WriteString("\nTo do:\n")
		for _, t := range todo {
			fmt.Fprintf(b, "  %s\n", t)
		}
	}
	verb := " need"
	if bad == 1 {
		verb = " needs"
	}
	fmt.Fprintf(b, "%s%s attention.\n", human.Count(bad, "path", "paths"), verb)
}

func permStatus(f security.PermFinding) string {
	if f.OK {
		return "ok"
	}
	return f.Severity.String()
}

// permMode is a mode as chmod writes it (0640, 4755), "-" when unknown.
func permMode(f security.PermFinding) string {
	if f.Missing || f.Mode == 0 && f.Err != "" {
		return "-"
	}
	m := uint32(f.Mode.Perm())
	for bit, oct := range map[os.FileMode]uint32{os.ModeSetuid: 0o4000, os.ModeSetgid: 0o2000, os.ModeSticky: 0o1000} {
		if f.Mode&bit != 0 {
			m |= oct
		}
	}
	return fmt.Sprintf("%04o", m)
}

// permDetail says what is wrong (the excess bits, a wrong owner, a
// symlink) or, for a directory checked recursively, how many files.
func permDetail(f security.PermFinding) string {
	switch {
	case f.Missing:
		return "missing"
	case f.Err != "":
		return f.Err
	case !f.OK && len(f.Problems) > 0:
		return strings.Join(f.Problems, ", ")
	case f.FilesChecked > 0:
		return human.Count(f.FilesChecked, "file", "files") + " checked below"
	}
	return ""
}
