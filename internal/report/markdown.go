package report

import (
	"bytes"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// writeMarkdown writes the summary box first, then the seed's
// "Maintenance Report Template" section for section, then the host's
// findings and an appendix with every step and metric.
func writeMarkdown(b *bytes.Buffer, v *view) {
	fmt.Fprintf(b, "# %s\n\n", mdText(v.Title))
	fmt.Fprintf(b, "Run %s on %s", mdCode(v.RunID), mdText(v.Host))
	if v.Root != "" {
		fmt.Fprintf(b, ", installation %s (paths below are relative to it)", mdCode(v.Root))
	}
	fmt.Fprintf(b, "; fossamaint %s.\n", mdText(v.ToolVersion))
	writeMarkdownBox(b, v)

	b.WriteString("\n## Maintenance Window\n")
	mdField(b, "Start Time", v.Start)
	mdField(b, "End Time", v.End)
	mdField(b, "Duration", v.Duration)
	mdField(b, "Planned Window", v.Window)
	mdField(b, "Planned End / Actual End", v.WindowEnds)
	mdField(b, "Window Decision", v.WindowDecision)
	mdField(b, "Downtime", v.Downtime)

	b.WriteString("\n## Activities Completed\n")
	for _, a := range v.Activities {
		box := " "
		if a.Done {
			box = "x"
		}
		fmt.Fprintf(b, "- [%s] %s — %s\n", box, mdText(a.Label), mdText(a.Detail))
	}

	writeMarkdownIssues(b, v)
	writeMarkdownActions(b, v)
	writeMarkdownMetrics(b, v)

	writeMarkdownRecommendations(b, v.Recommendations)

	b.WriteString("\n## Next Maintenance\n")
	mdField(b, "Scheduled", v.NextScheduled)
	if len(v.Special) == 0 {
		mdField(b, "Special Activities", "None.")
	} else {
		b.WriteString("- **Special Activities:**\n")
		for _, s := range v.Special {
			fmt.Fprintf(b, "  - %s\n", mdInline(s))
		}
	}

	fmt.Fprintf(b, "\n**Maintenance Performed By:** %s  \n", mdText(v.Operator))
	fmt.Fprintf(b, "**Report Generated:** %s\n", mdText(v.Generated))

	writeMarkdownHost(b, v)
	writeMarkdownAppendix(b, v)
}

// writeMarkdownBox is the summary a manager reads: a block quote, so it
// stands apart in any Markdown viewer.
func writeMarkdownBox(b *bytes.Buffer, v *view) {
	x := v.Box
	fmt.Fprintf(b, "\n> **Status: %s**\n>\n", mdText(v.StatusText))
	fmt.Fprintf(b, "> - **Downtime:** %s\n", mdText(x.Downtime))
	fmt.Fprintf(b, "> - **Took:** %s\n", mdText(x.Took))
	fmt.Fprintf(b, "> - **Needs a human:** %s\n", mdText(x.Human))
	for i, it := range x.Top {
		if i == 0 {
			b.WriteString("> - **Most important:**\n")
		}
		fmt.Fprintf(b, ">   %d. %s — %s (%s)\n", i+1, mdInline(it.Message), mdText(it.Where), mdText(it.Severity))
	}
	if len(x.Done) == 0 {
		fmt.Fprintf(b, "> - **%s:** nothing was changed\n", x.DoneLabel)
	} else {
		fmt.Fprintf(b, "> - **%s:**\n", x.DoneLabel)
		for _, d := range x.Done {
			fmt.Fprintf(b, ">   - %s\n", mdInline(d))
		}
	}
	if x.HostNote != "" {
		fmt.Fprintf(b, "> - **This host:** %s\n", mdText(x.HostNote))
	}
}

func writeMarkdownIssues(b *bytes.Buffer, v *view) {
	b.WriteString("\n## Issues Identified\n")
	if len(v.Issues) == 0 {
		b.WriteString("None.\n")
	}
	for _, g := range v.Issues {
		fmt.Fprintf(b, "\n### %s (%d)\n", mdText(capitalize(g.Severity)), len(g.Items))
		for _, it := range g.Items {
			fmt.Fprintf(b, "- **%s**: %s\n", mdText(it.Where), mdInline(it.Message))
		}
	}
	if len(v.AllIssues) > 0 {
		b.WriteString("\nThe evidence, and the informational findings, are in the appendix.\n")
	}
	if v.Wildcard {
		b.WriteString("In error patterns, `<*>` stands for a varying value (a number, an id, a name).\n")
	}
}

func mdIssues(b *bytes.Buffer, items []issue) {
	for _, it := range items {
		fmt.Fprintf(b, "- **%s**: %s\n", mdText(it.Where), mdInline(it.Message))
		mdEvidence(b, it.Evidence)
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
		if len(a.Tallies) > 0 && len(a.Items) == 0 {
			fmt.Fprintf(b, "- **%s**: %s (%s in the JSON report)\n", mdText(a.Where),
				mdText(strings.Join(a.Tallies, "; ")), plural(a.Count, "action"))
			continue
		}
		if len(a.Tallies) > 0 {
			fmt.Fprintf(b, "- **%s**: %s\n", mdText(a.Where), mdText(strings.Join(a.Tallies, "; ")))
			for _, it := range a.Items {
				fmt.Fprintf(b, "  - %s\n", mdInline(it))
			}
			continue
		}
		if len(a.Items) == 1 {
			fmt.Fprintf(b, "- **%s**: %s\n", mdText(a.Where), mdInline(a.Items[0]))
			continue
		}
		fmt.Fprintf(b, "- **%s**:\n", mdText(a.Where))
		for _, it := range a.Items {
			fmt.Fprintf(b, "  - %s\n", mdInline(it))
		}
	}
}

func writeMarkdownMetrics(b *bytes.Buffer, v *view) {
	b.WriteString("\n## Performance Metrics\n")
	for _, s := range v.Headlines {
		mdField(b, s.Label, s.Value)
	}
	for _, c := range v.Charts {
		mdField(b, c.Title, c.Text)
	}
	writeMarkdownTables(b, v.Tables)
	writeMarkdownWeekOverWeek(b, v.WeekOverWeek)
	if len(v.StepMetrics) > 0 {
		fmt.Fprintf(b, "\nEvery measurement (%d) is in the appendix.\n", len(v.StepMetrics))
	}
}

// writeMarkdownRecommendations puts each recommendation under the
// finding it answers.
func writeMarkdownRecommendations(b *bytes.Buffer, recs []recommendation) {
	b.WriteString("\n## Recommendations\n")
	if len(recs) == 0 {
		b.WriteString("None.\n")
	}
	for _, rec := range recs {
		if rec.Where == "" {
			fmt.Fprintf(b, "- %s\n", mdInline(rec.Text))
			continue
		}
		fmt.Fprintf(b, "- **%s**: %s%s  \n  → %s\n", mdText(rec.Where), mdInline(rec.Finding), mdText(moreFindings(rec.More)), mdInline(rec.Text))
	}
}

// moreFindings is " (and 2 more findings)" when a recommendation answers
// more than the finding shown.
func moreFindings(n int) string {
	if n == 0 {
		return ""
	}
	return " (and " + plural(n, "more finding") + ")"
}

func writeMarkdownHost(b *bytes.Buffer, v *view) {
	if len(v.HostSteps) == 0 {
		return
	}
	b.WriteString("\n## This host\n")
	b.WriteString("What these steps found is about the machine, not the FossaWork installation.\n\n")
	for _, h := range v.HostSteps {
		detail := h.Status
		if h.Detail != "" {
			detail += ": " + h.Detail
		}
		fmt.Fprintf(b, "- **%s** — %s\n", mdText(h.Where), mdText(detail))
		for _, it := range h.Findings {
			fmt.Fprintf(b, "  - %s: %s\n", mdText(it.Severity), mdInline(it.Message))
			mdEvidenceIndent(b, it.Evidence, "    ")
		}
	}
}

func writeMarkdownAppendix(b *bytes.Buffer, v *view) {
	b.WriteString("\n---\n\n## Appendix\n\n### Steps\n\n| Step | Status | Took | Detail |\n|---|---|--:|---|\n")
	for _, s := range v.Steps {
		fmt.Fprintf(b, "| %s | %s | %s | %s |\n", mdText(s.Where), mdText(s.Status), mdText(s.Duration), mdInline(s.Detail))
	}
	for _, g := range v.AllIssues {
		fmt.Fprintf(b, "\n### Findings: %s (%d)\n", mdText(g.Severity), len(g.Items))
		mdIssues(b, g.Items)
	}
	if len(v.StepMetrics) > 0 {
		b.WriteString("\n### Measurements\n\nRounded for reading; the JSON report has every value in full.\n\n| Step | Metric | Value |\n|---|---|--:|\n")
		for _, m := range v.StepMetrics {
			fmt.Fprintf(b, "| %s | %s | %s |\n", mdText(m.Where), mdText(m.Name), mdText(m.Value))
		}
	}
}

func mdField(b *bytes.Buffer, label, value string) {
	fmt.Fprintf(b, "- **%s:** %s\n", mdText(label), mdText(value))
}

func mdEvidence(b *bytes.Buffer, e evidence) { mdEvidenceIndent(b, e, "  ") }

// mdEvidenceIndent shows evidence verbatim: a code span for one short
// line, an indented fenced block otherwise, fenced longer than any
// backtick run inside so the evidence cannot close it.
func mdEvidenceIndent(b *bytes.Buffer, e evidence, indent string) {
	switch {
	case len(e.Lines) == 0:
		return
	case e.Inline():
		fmt.Fprintf(b, "%s- evidence: %s\n", indent, mdCode(e.Lines[0]))
		return
	}
	text := strings.Join(e.Lines, "\n")
	fence := strings.Repeat("`", max(3, longestRun(text, '`')+1))
	// No blank line around the fence: the list stays tight, and
	// CommonMark keeps an indented fence inside its list item.
	fmt.Fprintf(b, "%s%s\n", indent, fence)
	for _, line := range e.Lines {
		fmt.Fprintf(b, "%s%s\n", indent, strings.ReplaceAll(line, "\r", ""))
	}
	if e.More > 0 {
		fmt.Fprintf(b, "%s… %s (the JSON report has them)\n", indent, plural(e.More, "more line"))
	}
	fmt.Fprintf(b, "%s%s\n", indent, fence)
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
	return strings.ReplaceAll(mdEscaper.Replace(oneLine(s)), `\<\*>`, "`"+wildcard+"`")
}

// wildcard is what a log template shows for a varying value; text shows
// it as code (mdText, inline), explained once (view.Wildcard).
const wildcard = "<*>"

// mdInline is mdText that keeps the code spans a message means
// ("run `fossamaint backup prune`") as code spans.
func mdInline(s string) string {
	var b strings.Builder
	for i, part := range codeSpans(oneLine(s)) {
		if i%2 == 1 {
			b.WriteString(mdCode(part))
		} else {
			b.WriteString(mdText(part))
		}
	}
	return b.String()
}

// codeSpans splits s at single backticks into text, code, text, …; with
// an odd number of backticks nothing is code.
func codeSpans(s string) []string {
	parts := strings.Split(s, "`")
	if len(parts)%2 == 0 {
		return []string{s}
	}
	for i := 1; i < len(parts); i += 2 {
		if parts[i] == "" {
			return []string{s}
		}
	}
	return parts
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
