package cli

import (
	"bytes"
	"io"
	"path/filepath"
	"strings"
	"text/tabwriter"
)

// writeTable writes a header and rows as columns aligned with two spaces
// between them (text/tabwriter), without trailing blanks. It is plain
// text, the same on a terminal and in a pipe.
func writeTable(w io.Writer, header []string, rows [][]string) error {
	var b bytes.Buffer
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	for _, r := range append([][]string{header}, rows...) {
		if _, err := io.WriteString(tw, strings.Join(r, "\t")+"\n"); err != nil {
			return err
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	var out strings.Builder
	for line := range strings.Lines(b.String()) {
		out.WriteString(strings.TrimRight(line, " \n"))
		out.WriteByte('\n')
	}
	_, err := io.WriteString(w, out.String())
	return err
}

// underRoot shows path relative to the installation root when it lies
// inside it (what an operator reads in a table), absolute otherwise.
func underRoot(root, path string) string {
	if root == "" {
		return path
	}
	rel, err := filepath.Rel(root, path)
	if err != nil || !filepath.IsLocal(rel) && rel != "." {
		return path
	}
	return rel
}
