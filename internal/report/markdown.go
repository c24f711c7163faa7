package report

import (
	"bytes"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// writeMarkdown follows the seed's "Maintenance Report Template" section
// for section, with a status line under the title.
func writeMarkdown(b *bytes.Buffer, v *view) {
	fmt.Fprintf(b, "# %s\n\n", mdText(v.Title))
	fmt.Fprintf(b, "**Status:** %s · **Run:** %s · **Host:** %s · **fossamaint** %s\n",
		strings.ToUpper(mdText(v.Status)), mdCode(v.RunID), mdText(orNA(v.Host)), mdText(orNA(v.ToolVersion)))
	if v.DryRun {
		b.WriteString("\n> **Dry run:** nothing was changed; the actions below are what would be done.\n")
	}

	b.WriteString("\n## Maintenance Window\n")
	mdField(b, "Start Time", v.Start)
	mdField(b, "End Time", v.End)
	mdField(b, "Duration", v.Duration)
	mdField(b, "Planned Window", v.Window)
	mdField(b, "Downtime", v.Downtime)

	b.WriteString("\n## Activities Completed\n")
	for _, a := range v.Activities {
		box := " "
		if a.Done {
			box = "x"
		}
		fmt.Fprintf(b, "- [%s] %s — %s\n", box, mdText(a.Label), mdText(a.Detail))
		for _, s := range a.Steps {
			fmt.Fprintf(b, "  - %s — %s\n", mdCode(s.Name), mdText(s.Detail))
		}
	}

	writeMarkdownIssues(b, v)
	writeMarkdownActions(b, v)
	writeMarkdownMetrics(b, v)

	b.WriteString("\n## Recommendations\n")
	mdList(b, v.Recommendations)

	b.WriteString("\n## Next Maintenance\n")
	mdField(b, "Scheduled", v.NextScheduled)
	if len(v.Special) == 0 {
		mdField(b, "Special Activities", "None.")
	} else {
		b.WriteString("- **Special Activities:**\n")
		for _, s := range v.Special {
			fmt.Fprintf(b, "  - %s\n", mdText(s))
		}
	}

	fmt.Fprintf(b, "\n**Maintenance Performed By:** %s\n", mdText(v.Operator))
	fmt.Fprintf(b, "\n**Report Generated:** %s\n", mdText(v.Generated))
}

func writeMarkdownIssues(b *bytes.Buffer, v *view) {
	b.WriteString("\n## Issues Identified\n")
	if len(v.Issues) == 0 {
		b.WriteString("None.\n")
		return
	}
	for _, g := range v.Issues {
		fmt.Fprintf(b, "\n### %s (%d)\n", mdText(capitalize(g.Severity)), len(g.Items))
		for _, it := range g.Items {
			fmt.Fprintf(b, "- **%s**: %s\n", mdText(it.Where), mdText(it.Message))
			if it.Evidence != "" {
				mdEvidence(b, it.Evidence)
			}
		}
	}
}

func writeMarkdownActions(b *bytes.Buffer, v *view) {
	b.WriteString("\n## Actions Taken\n")
	if v.DryRun {
		b.WriteString("Dry run: nothing was changed; these are the actions that would be done.\n\n")
	}
	if len(v.Actions) == 0 {
		b.WriteString("None.\n")
		return
	}
	for _, a := range v.Actions {
		fmt.Fprintf(b, "- %s: %s\n", mdText(a.Where), mdText(a.Text))
	}
}

func writeMarkdownMetrics(b *bytes.Buffer, v *view) {
	b.WriteString("\n## Performance Metrics\n")
	for _, s := range v.Summary {
		mdField(b, s.Label, s.Value)
	}
	if len(v.StepMetrics) == 0 {
		return
	}
	b.WriteString("\n| Phase | Step | Metric | Value | Unit |\n|---|---|---|--:|---|\n")
	for _, m := range v.StepMetrics {
		fmt.Fprintf(b, "| %s | %s | %s | %s | %s |\n",
			mdText(m.Phase), mdText(m.Step), mdText(m.Name), mdText(m.Value), mdText(m.Unit))
	}
}

func mdField(b *bytes.Buffer, label, value string) {
	fmt.Fprintf(b, "- **%s:** %s\n", mdText(label), mdText(value))
}

func mdList(b *bytes.Buffer, items []string) {
	if len(items) == 0 {
		b.WriteString("None.\n")
		return
	}
	for _, s := range items {
		fmt.Fprintf(b, "- %s\n", mdText(s))
	}
}

// mdEvidence shows evidence verbatim: a code span for one line, an
// indented fenced block for several, fenced longer than any backtick run
// inside so the evidence cannot close it.
func mdEvidence(b *bytes.Buffer, evidence string) {
	evidence = strings.TrimRight(strings.ReplaceAll(evidence, "\r\n", "\n"), "\n")
	if !strings.ContainsAny(evidence, "\n\r") {
		fmt.Fprintf(b, "  - evidence: %s\n", mdCode(evidence))
		return
	}
	fence := strings.Repeat("`", max(3, longestRun(evidence, '`')+1))
	fmt.Fprintf(b, "\n  %s\n", fence)
	for line := range strings.SplitSeq(evidence, "\n") {
		fmt.Fprintf(b, "  %s\n", strings.ReplaceAll(line, "\r", ""))
	}
	fmt.Fprintf(b, "  %s\n\n", fence)
}

// mdCode wraps s in a code span that no backtick inside can end.
func mdCode(s string) string {
	s = oneLine(s)
	if s == "" {
		return "n/a"
	}
	ticks := strings.Repeat("`", longestRun(s, '`')+1)
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") {
		s = " " + s + " "
	}
	return ticks + s + ticks
}

var mdEscaper = strings.NewReplacer(
	`\`, `\\`, "`", "\\`", `*`, `\*`, `[`, `\[`, `]`, `\]`,
	`<`, `\<`, `|`, `\|`,
)

// mdText makes s one line of literal text: no emphasis, links, raw HTML
// or table cell breaks can come from a message. A ">" can only quote at
// the start of a line, where mdText never puts text, so it stays readable.
func mdText(s string) string {
	return mdEscaper.Replace(oneLine(s))
}

func oneLine(s string) string {
	if !strings.ContainsAny(s, "\r\n") {
		return s
	}
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == '\r' }), " ")
}

func longestRun(s string, c byte) int {
	best, n := 0, 0
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			n++
			best = max(best, n)
		} else {
			n = 0
		}
	}
	return best
}

func capitalize(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if r == utf8.RuneError {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}
