package cli

import (
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"
)

// manCmd writes one man page per command (section 1), from the same
// cobra tree as the help, so they cannot drift. The root page holds the
// exit-code table in its EXIT STATUS section. Packaging runs it.
func (a *app) manCmd() *cobra.Command {
	var dir string
	c := &cobra.Command{
		Use:   "man",
		Short: "Write the man pages (one per command) into a directory",
		Long: `Writes fossamaint.1 and one page per command (fossamaint-backup-verify.1,
...) into --dir, which is created if needed. The root page's EXIT STATUS
section is the exit-code table. Set SOURCE_DATE_EPOCH for a reproducible
date.`,
		Example: `  fossamaint man --dir /usr/share/man/man1
  fossamaint man --dir build/man && man -l build/man/fossamaint.1`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return fmt.Errorf("man pages: %w (choose another --dir)", err)
			}
			root := cmd.Root()
			root.Long = rootLong + "\n\n# EXIT STATUS\n" + exitCodesManual()
			for c := range commandTree(root) {
				c.DisableAutoGenTag = true
			}
			header := &doc.GenManHeader{Title: "FOSSAMAINT", Section: "1",
				Source: "fossamaint " + build.Version, Manual: "fossamaint manual"}
			if err := doc.GenManTree(root, header, dir); err != nil {
				return fmt.Errorf("man pages in %s: %w", dir, err)
			}
			fmt.Fprintf(a.stdout, "man pages written to %s\n", dir)
			return nil
		},
	}
	c.Flags().StringVar(&dir, "dir", "", "directory to write the pages into (required)")
	_ = c.MarkFlagRequired("dir")
	return c
}

// exitCodesManual is the table as a Markdown list for go-md2man.
func exitCodesManual() string {
	var b strings.Builder
	for _, e := range exitTable {
		fmt.Fprintf(&b, "**%d**\n: %s\n\n", e.code, strings.ReplaceAll(e.what, "`", ""))
	}
	b.WriteString(exitPrecedence + "\n")
	return b.String()
}

// commandTree yields root and every command below it, hidden ones
// included, parents before children.
func commandTree(root *cobra.Command) func(yield func(*cobra.Command) bool) {
	return func(yield func(*cobra.Command) bool) {
		var walk func(c *cobra.Command) bool
		walk = func(c *cobra.Command) bool {
			if !yield(c) {
				return false
			}
			for _, sub := range c.Commands() {
				if !walk(sub) {
					return false
				}
			}
			return true
		}
		walk(root)
	}
}
