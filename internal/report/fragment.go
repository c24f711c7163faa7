package report

import (
	"bytes"
	"fmt"
	"io"
	"strings"

	"github.com/fossawork/fossamaint/internal/runbook"
)

// The dashboard shows a run's HTML report inside its own page, whose
// Content Security Policy allows no inline <style>: it takes the report's
// body (HTMLBody) and its style sheet as a file (CSS, scoped to the
// element that holds the body). Both come from the one template the
// standalone report is made of, so they cannot drift from it.

// formatHTMLBody is the HTML report's body alone; not a format of
// `report --format`.
const formatHTMLBody = "html-body"

// HTMLBody writes the content of the HTML report's <body> (the same
// summary, sections and appendix, redacted with opts as the file is),
// without the document around it nor its style.
func HTMLBody(w io.Writer, run *runbook.Run, opts Options) error {
	return Render(w, formatHTMLBody, run, opts)
}

func writeHTMLBody(w io.Writer, v *view) error {
	return htmlPage.ExecuteTemplate(w, "body", v)
}

// CSS returns the HTML report's style sheet with every rule scoped to the
// elements under scope (a selector, "#report"): its rules for body, *
// and the headings then style the report and nothing else of the page.
func CSS(scope string) string {
	var b bytes.Buffer
	if err := htmlPage.ExecuteTemplate(&b, "css", nil); err != nil {
		// The template is parsed at init; executing static text cannot fail.
		return fmt.Sprintf("/* report css: %s */", strings.ReplaceAll(err.Error(), "*/", ""))
	}
	return scopeCSS(b.String(), scope)
}

// scopeCSS prefixes the selectors of every rule of css with scope,
// descending into @media blocks. It reads the plain CSS of the report's
// template: rules and @media blocks, no strings holding braces.
func scopeCSS(css, scope string) string {
	var out strings.Builder
	rest := css
	for {
		open := strings.IndexByte(rest, '{')
		if open < 0 {
			out.WriteString(rest)
			return out.String()
		}
		head := strings.TrimSpace(rest[:open])
		if strings.HasPrefix(head, "}") { // the end of an @media block
			out.WriteString("}\n")
			head = strings.TrimSpace(head[1:])
		}
		if strings.HasPrefix(head, "@") {
			out.WriteString(head + "{\n")
			rest = rest[open+1:]
			continue
		}
		end := strings.IndexByte(rest[open:], '}')
		if end < 0 {
			out.WriteString(rest)
			return out.String()
		}
		out.WriteString(scopeSelectors(head, scope) + rest[open:open+end+1] + "\n")
		rest = rest[open+end+1:]
	}
}

func scopeSelectors(list, scope string) string {
	sels := strings.Split(list, ",")
	for i, s := range sels {
		s = strings.TrimSpace(s)
		switch {
		case s == "body" || s == "html":
			sels[i] = scope
		default:
			sels[i] = scope + " " + s
		}
	}
	return strings.Join(sels, ",")
}
