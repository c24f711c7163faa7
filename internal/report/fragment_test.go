package report

import (
	"bytes"
	"regexp"
	"strings"
	"testing"

	"github.com/fossawork/fossamaint/internal/redact"
	"github.com/fossawork/fossamaint/internal/runbook"
)

// The dashboard's body is the standalone page's, byte for byte, and is
// redacted the same way.
func TestHTMLBodyIsThePagesBody(t *testing.T) {
	for name, run := range map[string]*runbook.Run{"run": sampleRun(t), "dryrun": dryRun(t), "interrupted": interruptedRun(t)} {
		opts := Options{Secrets: testSecrets}
		page := renderString(t, FormatHTML, run, opts)
		var b bytes.Buffer
		if err := HTMLBody(&b, run, opts); err != nil {
			t.Fatal(err)
		}
		from, to := strings.Index(page, "<body>\n")+len("<body>\n"), strings.LastIndex(page, "</body>")
		if b.String() != page[from:to] {
			t.Errorf("%s: the body differs from the page's:\n%s", name, b.String())
		}
		if strings.Contains(b.String(), "<style") || strings.Contains(b.String(), "style=") || strings.Contains(b.String(), "<script") {
			t.Errorf("%s: the body holds style or script the dashboard's CSP forbids", name)
		}
	}
	run := sampleRun(t)
	run.Phases[0].Steps[0].Finding(runbook.Warning, "", "connecting with %s failed", testSecrets[0])
	var b bytes.Buffer
	if err := HTMLBody(&b, run, Options{Secrets: testSecrets}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(b.String(), testSecrets[0]) || !strings.Contains(b.String(), redact.Marker) {
		t.Error("the body is not redacted")
	}
}

func TestCSSIsScoped(t *testing.T) {
	css := CSS("#report")
	rule := regexp.MustCompile(`(?m)^([^{}\n]+)\{`)
	n := 0
	for _, m := range rule.FindAllStringSubmatch(css, -1) {
		if strings.HasPrefix(m[1], "@media") {
			continue
		}
		for _, sel := range strings.Split(m[1], ",") {
			n++
			if sel != "#report" && !strings.HasPrefix(sel, "#report ") {
				t.Errorf("selector %q is not scoped", sel)
			}
		}
	}
	if n < 40 || !strings.Contains(css, "#report .summary.s-ok{") || !strings.Contains(css, "@media print{\n#report{max-width:none") {
		t.Errorf("scoped css lost rules (%d selectors):\n%s", n, css)
	}
	if got := scopeCSS("a,b{x:1}@media print{body{y:2}p{z:3}}", ".r"); got != ".r a,.r b{x:1}\n@media print{\n.r{y:2}\n.r p{z:3}\n}" {
		t.Errorf("scopeCSS = %q", got)
	}
}
