package cli

import (
	"bytes"
	"io"
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
