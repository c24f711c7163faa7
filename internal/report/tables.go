package report

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/fossawork/fossamaint/internal/runbook"
)

// table is a step's Result.Tables entry as the report shows it, under
// Performance Metrics: the step that measured it, then the table.
type table struct {
	Where, Title, Note string
	Columns            []string
	Rows               [][]string
}

// tables collects every step's tables in run order. A row with fewer
// cells than columns is padded, one with more is cut: a report shows what
// a step measured, never a broken table.
func tables(phases []runbook.PhaseResult) []table {
	var out []table
	for _, p := range phases {
		for _, s := range p.Steps {
			for _, t := range s.Tables {
				if len(t.Columns) == 0 || len(t.Rows) == 0 {
					continue
				}
				tb := table{Where: p.Name + "/" + s.Name, Title: t.Title, Note: t.Note, Columns: t.Columns}
				for _, row := range t.Rows {
					cells := make([]string, len(t.Columns))
					copy(cells, row)
					tb.Rows = append(tb.Rows, cells)
				}
				out = append(out, tb)
			}
		}
	}
	return out
}

// writeMarkdownTables writes each table with its title and step; the
// first column is text, the others (figures) are right-aligned.
func writeMarkdownTables(b *bytes.Buffer, ts []table) {
	for _, t := range ts {
		fmt.Fprintf(b, "\n**%s** (%s)\n\n", mdText(t.Title), mdText(t.Where))
		head := make([]string, len(t.Columns))
		align := make([]string, len(t.Columns))
		for i, c := range t.Columns {
			head[i] = mdText(c)
			align[i] = "--:"
		}
		align[0] = "---"
		fmt.Fprintf(b, "| %s |\n|%s|\n", strings.Join(head, " | "), strings.Join(align, "|"))
		for _, row := range t.Rows {
			cells := make([]string, len(row))
			for i, c := range row {
				cells[i] = mdText(c)
			}
			fmt.Fprintf(b, "| %s |\n", strings.Join(cells, " | "))
		}
		if t.Note != "" {
			fmt.Fprintf(b, "\n%s\n", mdInline(t.Note))
		}
	}
}
