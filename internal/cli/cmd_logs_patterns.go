package cli

import (
	"errors"
	"fmt"
	"io/fs"

	"github.com/spf13/cobra"

	"github.com/fossawork/fossamaint/internal/logs/patterns"
)

func (a *app) logsPatternsCmd() *cobra.Command {
	var format string
	var perLine, asJSON bool
	c := &cobra.Command{
		Use:   "patterns [--format auto|json|pipe|plain] [--per-line] [--json] FILE...",
		Short: "Group log messages into templates (variables as <*>) with counts",
		Long: `Mines the messages of the given files (.gz read transparently) into
templates: the text events share, with numbers, addresses, hosts with ports,
ids, paths, sizes and durations with their unit, values of key=value pairs and
words seen to vary replaced by <*>. Messages whose leading names vary (process
or host names) and messages with optional parameters share one template. One
configuration serves every log family.

--format says where the message is: plain (each line is a message), json or
pipe (the message field of the application's two line shapes), auto (each
line parsed, the message of any recognised entry mined, other lines whole).

Without --per-line it prints the templates, most frequent first, as a table
or with --json as JSON. With --per-line it prints one JSON object per input
line, blank lines included: {"line": N, "pattern": ID, "template": T}, with
"file" as well when several files are given (N restarts at 1 per file).
Template IDs are hashes of the template text, stable across runs.`,
		Example: `  fossamaint logs patterns logs/backend/errors-2025-01-13.jsonl
  fossamaint logs patterns --format plain --per-line app.log`,
		Args:        cobra.MinimumNArgs(1),
		Annotations: map[string]string{argsHint: "at least one log FILE to mine (plain or .gz), e.g. logs/backend/errors-2025-01-13.jsonl"},
		RunE: func(cmd *cobra.Command, files []string) error {
			f, err := patterns.ParseFormat(format)
			if err != nil {
				return usageErr("%v", err)
			}
			if perLine && asJSON {
				return usageErr("--per-line and --json exclude each other (--per-line is JSON already)")
			}
			// The files may be the installation's: when its config is
			// found, its secrets are redacted from the templates too.
			_, _ = a.loadConfig()
			m := patterns.New(patterns.Options{})
			lines, err := patterns.AddFiles(cmd.Context(), m, files, f)
			if err != nil {
				return patternsInputErr(err)
			}
			if perLine {
				_, err := patterns.WritePerLine(cmd.Context(), a.stdout, m, files, f)
				return patternsInputErr(err)
			}
			return a.printPatternTemplates(files, lines, m.Templates(), asJSON)
		},
	}
	c.Flags().StringVar(&format, "format", "auto", "where the message is: auto, json, pipe or plain")
	c.Flags().BoolVar(&perLine, "per-line", false, "print one JSON object per input line with its template")
	c.Flags().BoolVar(&asJSON, "json", false, "print the templates as JSON")
	return c
}

// printPatternTemplates prints the templates as a table, or as JSON with `<*>`
// left readable.
func (a *app) printPatternTemplates(files []string, lines int, ts []patterns.Template, asJSON bool) error {
	if asJSON {
		return a.encodeJSON(struct {
			Files     []string            `json:"files"`
			Lines     int                 `json:"lines"`
			Templates []patterns.Template `json:"templates"`
		}{files, lines, ts})
	}
	fmt.Fprintf(a.stdout, "%d lines, %d templates\n", lines, len(ts))
	fmt.Fprintf(a.stdout, "%9s  %-12s  %s\n", "COUNT", "ID", "TEMPLATE")
	for _, t := range ts {
		text := t.Template
		if text == "" {
			text = "(blank lines)"
		}
		fmt.Fprintf(a.stdout, "%9d  %-12s  %s\n", t.Count, t.ID, text)
	}
	return nil
}

// patternsInputErr makes a missing or unreadable input file a usage error (64).
func patternsInputErr(err error) error {
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrPermission) {
		return withCode(ExitUsage, err)
	}
	return err
}
