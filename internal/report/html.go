package report

import (
	_ "embed"
	"html/template"
	"io"
	"strings"
)

//go:embed report.html.tmpl
var htmlSource string

// htmlPage is parsed once; html/template escapes every value by context,
// and no value is ever marked template.HTML.
var htmlPage = template.Must(template.New("report").Funcs(template.FuncMap{
	"statusClass": statusClass,
	"upper":       strings.ToUpper,
	"orNA":        orNA,
}).Parse(htmlSource))

// statusClasses are the statuses and severities that have a colour.
var statusClasses = map[string]bool{
	"ok": true, "warn": true, "fail": true, "skipped": true, "postponed": true,
	"rolled_back": true, "running": true, "interrupted": true, "not-run": true,
	"critical": true, "warning": true, "info": true,
}

// statusClass keeps class names to a fixed set, whatever a status says.
func statusClass(status string) string {
	if statusClasses[status] {
		return "s-" + status
	}
	return "s-unknown"
}

func writeHTML(w io.Writer, v *view) error {
	return htmlPage.Execute(w, v)
}
