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
// subcommand (with cobra's "Did you mean this?", or the valid ones when
// none is near), a bare group, a missing or extra argument (named from the
// usage line), an unknown flag (with the nearest flag), a bad flag value
// (what the flag wants), a missing required flag. Cobra alone would print a group's help and exit 0 for
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
	} else if names := subcommandNames(c); len(names) > 0 {
		what := "subcommands"
		if !c.HasParent() {
			what = "commands"
		}
		msg += fmt.Sprintf("\nvalid %s: %s", what, strings.Join(names, ", "))
	}
	return usageErr("%s", msg)
}

// subcommandNames are the names of c's available subcommands, as its help
// lists them (hidden ones and help left out).
func subcommandNames(c *cobra.Command) []string {
	var names []string
	for _, sub := range c.Commands() {
		if sub.IsAvailableCommand() && sub.Name() != "help" {
			names = append(names, sub.Name())
		}
	}
	return names
}

// argsHint is the annotation that says what a command's required
// argument is, for the message that asks for it ("a backup ID;
// `fossamaint backup list` shows them"). Without it the message names the
// argument as the usage line does.
const argsHint = "fossamaint/args-hint"

// shortPath is c's path without the program's name: the message already
// starts with "fossamaint:".
func shortPath(c *cobra.Command) string {
	p := c.CommandPath()
	if _, rest, ok := strings.Cut(p, " "); ok {
		return rest
	}
	return p
}

// usageArgs makes an argument-count error a usage error that says, from
// the usage line, which arguments the command takes.
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
			return usageErr("%s takes no arguments, got %q (see `%s --help`)", shortPath(c), args[0], c.CommandPath())
		}
		return argCountErr(c, args, err)
	}
}

// argCountErr says what is missing or too much, from the usage line's
// argument names (ID, FILE..., [RUN_ID|latest]); cobra's own wording
// ("accepts 1 arg(s), received 0") is the fallback.
func argCountErr(c *cobra.Command, args []string, err error) error {
	see := fmt.Sprintf("(see `%s --help`)", c.CommandPath())
	names := usageArgNames(c.Use)
	var required []string
	many := false
	for _, n := range names {
		many = many || strings.HasSuffix(n, "...")
		if !strings.HasPrefix(n, "[") {
			required = append(required, strings.TrimSuffix(n, "..."))
		}
	}
	switch {
	case len(required) > 0 && len(args) < len(required):
		what := c.Annotations[argsHint]
		if what == "" {
			what = strings.Join(required, " ")
			if many {
				what = "at least one " + what
			}
		}
		return usageErr("%s needs %s %s", shortPath(c), what, see)
	case len(names) > 0 && !many && len(args) > len(names):
		return usageErr("%s takes at most %s (%s), got %d %s",
			shortPath(c), human.Count(len(names), "argument", "arguments"), strings.Join(names, " "), len(args), see)
	}
	return usageErr("%s: %v %s", shortPath(c), err, see)
}

// usageArgNames lists the positional arguments a usage line names: words
// after the command's name that are neither flags nor "[flags]", e.g.
// FILE..., [TARGET...], ID, [RUN_ID|latest] (optional ones keep their
// brackets).
func usageArgNames(use string) []string {
	var out []string
	words := strings.Fields(use)
	for i := 1; i < len(words); i++ {
		w := strings.Trim(words[i], "[]")
		switch {
		case w == "flags", strings.HasPrefix(w, "-"), w == "":
			continue
		case strings.HasPrefix(strings.TrimLeft(words[i-1], "["), "--") && !strings.HasSuffix(words[i-1], "]"):
			// the value of the flag before it: --out PATH, [--format a|b]
			continue
		}
		if strings.HasPrefix(words[i], "[") {
			w = "[" + w + "]"
		}
		out = append(out, w)
	}
	return out
}

// flagError is every command's flag error: exit 64, the nearest flag when
// one is close, and the help to read.
func flagError(c *cobra.Command, err error) error {
	var bad *pflag.InvalidValueError
	if errors.As(err, &bad) {
		// pflag's "invalid argument %q for %q flag: <cause>" with the
		// parser's own words in the cause; the flag's Set says what it
		// wants.
		return usageErr("--%s %q: %v (see `%s --help`)", bad.GetFlag().Name, bad.GetValue(), errors.Unwrap(bad), c.CommandPath())
	}
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
