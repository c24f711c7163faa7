package report

import (
	_ "embed"
	"html/template"
	"io"
	"strings"
)

//go:embed report.html.tmpl
var htmlSource string

// htmlPage is parsed once; html/template escapes every value by context.
// The one value marked template.HTML is inline's, built only from
// escaped text and <code> tags.
var htmlPage = template.Must(template.New("report").Funcs(template.FuncMap{
	"statusClass": statusClass,
	"orNA":        orNA,
	"inline":      inline,
	"join":        strings.Join,
	"more":        moreFindings,
}).Parse(htmlSource))

// statusClasses are the statuses and severities that have a colour.
var statusClasses = map[string]bool{
	"ok": true, "warn": true, "fail": true, "skipped": true, "postponed": true,
	"rolled_back": true, "running": true, "interrupted": true, "not-run": true,
	"critical": true, "warning": true, "info": true,
}

// statusClass keeps class names to a fixed set, whatever a status says.
func statusClass(status string) string {
	switch status {
	case statusNotNeeded:
		return "s-skipped"
	case statusNotRun:
		return "s-not-run"
	}
	if statusClasses[status] {
		return "s-" + status
	}
	return "s-unknown"
}

// inline escapes s and shows the code spans it means ("run `fossamaint
// backup prune`") as <code>, never as backticks.
func inline(s string) template.HTML {
	var b strings.Builder
	for i, part := range codeSpans(s) {
		if i%2 == 1 {
			b.WriteString("<code>" + template.HTMLEscapeString(part) + "</code>")
		} else {
			esc := template.HTMLEscapeString(wildcard)
			b.WriteString(strings.ReplaceAll(template.HTMLEscapeString(part), esc, "<code>"+esc+"</code>"))
		}
	}
	return template.HTML(b.String()) //nolint:gosec // every part is escaped above
}

func writeHTML(w io.Writer, v *view) error {
	return htmlPage.Execute(w, v)
}
