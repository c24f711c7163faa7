package cli

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/fossawork/fossamaint/internal/human"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// Usage errors all exit 64 (ExitUsage) with a hint: an unknown command or
// subcommand (with cobra's "Did you mean this?"), a bare group, a missing or
// extra argument, an unknown flag (with the nearest flag), a missing
// required flag. Cobra alone would print a group's help and exit 0 for
// `fossamaint backup frobnicate`, and return plain errors (exit 2) for
// argument counts; enforceUsage closes those holes for every command of
// the tree, the ones cobra adds (help, completion) included.

// subcommandHelpLine ends every help but the root's, which has the table.
const subcommandHelpLine = "Exit codes: see `fossamaint --help`."

// usageTemplate is cobra's, but a group (runnable only to refuse a bare or
// unknown subcommand) shows no "[flags]" use line of its own, and every
// command but the root ends with subcommandHelpLine.
const usageTemplate = `Usage:{{if and .Runnable (not .HasAvailableSubCommands)}}
  {{.UseLine}}{{end}}{{if .HasAvailableSubCommands}}
  {{.CommandPath}} [command]{{end}}{{if gt (len .Aliases) 0}}

Aliases:
  {{.NameAndAliases}}{{end}}{{if .HasExample}}

Examples:
{{.Example}}{{end}}{{if .HasAvailableSubCommands}}

Available Commands:{{range .Commands}}{{if (or .IsAvailableCommand (eq .Name "help"))}}
  {{rpad .Name .NamePadding }} {{.Short}}{{end}}{{end}}{{end}}{{if .HasAvailableLocalFlags}}

Flags:
{{.LocalFlags.FlagUsages | trimTrailingWhitespaces}}{{end}}{{if .HasAvailableInheritedFlags}}

Global Flags:
{{.InheritedFlags.FlagUsages | trimTrailingWhitespaces}}{{end}}{{if .HasAvailableSubCommands}}

Use "{{.CommandPath}} [command] --help" for more information about a command.{{end}}{{if .HasParent}}

` + subcommandHelpLine + `{{end}}
`

// enforceUsage wires the usage rules into every command under root. Call
// it once the tree is complete.
func enforceUsage(root *cobra.Command) {
	root.SetHelpCommand(helpCmd(root))
	root.InitDefaultHelpCmd()
	root.InitDefaultCompletionCmd()
	root.SetUsageTemplate(usageTemplate)
	root.SetFlagErrorFunc(flagError) // subcommands inherit it
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		c.SuggestionsMinimumDistance = 2
		if c.Long == "" {
			c.Long = c.Short
		}
		switch {
		case c.HasSubCommands() && !c.Runnable():
			c.Args = cobra.ArbitraryArgs
			c.RunE = groupRunE
			// PreRunE comes before cobra's required-flag check: a bare
			// or mistyped group is refused as such.
			c.PreRunE = groupRunE
		case c.Args == nil:
			c.Args = cobra.NoArgs
		}
		c.Args = usageArgs(c.Args)
		if c.PreRunE == nil && c.PreRun == nil && !c.HasSubCommands() {
			// Before cobra's own check, which returns a plain error.
			c.PreRunE = func(cmd *cobra.Command, _ []string) error {
				if err := cmd.ValidateRequiredFlags(); err != nil {
					return usageErr("%v (see `%s --help`)", err, cmd.CommandPath())
				}
				return nil
			}
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
}

// groupRunE refuses a group called without a known subcommand: its usage
// on stderr and exit 64.
func groupRunE(c *cobra.Command, args []string) error {
	if len(args) == 0 {
		c.SetOut(c.ErrOrStderr())
		_ = c.Usage()
		what := "subcommand"
		if !c.HasParent() {
			what = "command"
		}
		return usageErr("missing %s for `%s` (see `%s --help`)", what, c.CommandPath(), c.CommandPath())
	}
	return unknownCommand(c, args[0])
}

func unknownCommand(c *cobra.Command, name string) error {
	msg := fmt.Sprintf("unknown command %q for %q (see `%s --help`)", name, c.CommandPath(), c.CommandPath())
	if s := c.SuggestionsFor(name); len(s) > 0 {
		msg += "\n\nDid you mean this?\n\t" + strings.Join(s, "\n\t")
	}
	return usageErr("%s", msg)
}

// usageArgs makes an argument-count error a usage error with a hint.
func usageArgs(check cobra.PositionalArgs) cobra.PositionalArgs {
	return func(c *cobra.Command, args []string) error {
		err := check(c, args)
		switch {
		case err == nil:
			return nil
		case errors.As(err, new(*exitError)):
			return err
		case !c.HasSubCommands() && len(args) > 0 && strings.HasPrefix(err.Error(), "unknown command"):
			// cobra.NoArgs says "unknown command" even of a command that
			// has none.
			return usageErr("%s takes no arguments, got %q (see `%s --help`)", c.CommandPath(), args[0], c.CommandPath())
		}
		return usageErr("%s: %v (see `%s --help`)", c.CommandPath(), err, c.CommandPath())
	}
}

// flagError is every command's flag error: exit 64, the nearest flag when
// one is close, and the help to read.
func flagError(c *cobra.Command, err error) error {
	hint := ""
	if s := suggestFlag(c, err.Error()); s != "" {
		hint = "; did you mean " + s + "?"
	}
	return usageErr("%v%s (see `%s --help`)", err, hint, c.CommandPath())
}

// suggestFlag names the flag of c nearest to the unknown one in msg
// (pflag's "unknown flag: --x" or "unknown shorthand flag: 'x' in -x").
func suggestFlag(c *cobra.Command, msg string) string {
	if rest, ok := strings.CutPrefix(msg, "unknown shorthand flag: '"); ok && rest != "" {
		if rest[0] == 'v' {
			// Ops people read -v as verbose; there is none, and the
			// version is --version or `fossamaint version`.
			if c.HasParent() {
				return "`fossamaint version`"
			}
			return "--version"
		}
		return ""
	}
	name, ok := strings.CutPrefix(msg, "unknown flag: --")
	if !ok {
		return ""
	}
	name, _, _ = strings.Cut(name, "=")
	var names []string
	c.Flags().VisitAll(func(f *pflag.Flag) {
		if !f.Hidden && (near(name, f.Name) || strings.HasPrefix(f.Name, name)) {
			names = append(names, "--"+f.Name)
		}
	})
	c.InheritedFlags().VisitAll(func(f *pflag.Flag) {
		if !f.Hidden && !slices.Contains(names, "--"+f.Name) && near(name, f.Name) {
			names = append(names, "--"+f.Name)
		}
	})
	return strings.Join(names, " or ")
}

// near: one edit away, or two for names of five bytes or more (--ful is
// --full, not --all).
func near(typed, name string) bool {
	d := human.EditDistance(typed, name)
	return d <= 1 || d == 2 && len(typed) >= 5
}

// helpCmd is `fossamaint help [command]`, refusing an unknown topic with
// exit 64 where cobra's prints the root usage and exits 0.
func helpCmd(root *cobra.Command) *cobra.Command {
	return &cobra.Command{
		Use:   "help [command]",
		Short: "Help about any command",
		Long:  "Help about any command: `fossamaint help backup verify` is `fossamaint backup verify --help`.",
		Args:  cobra.ArbitraryArgs,
		RunE: func(c *cobra.Command, args []string) error {
			cmd, rest, err := root.Find(args)
			if err != nil {
				return usageErr("%v", err)
			}
			for _, r := range rest {
				if !strings.HasPrefix(r, "-") {
					return unknownCommand(cmd, r)
				}
			}
			cmd.SetOut(c.OutOrStdout())
			return cmd.Help()
		},
	}
}
