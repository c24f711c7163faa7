package web

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fossawork/fossamaint/internal/history"
	"github.com/fossawork/fossamaint/internal/report"
	"github.com/fossawork/fossamaint/internal/runbook"
	"github.com/fossawork/fossamaint/internal/testkit"
)

func TestRunPage(t *testing.T) {
	f := newFixture(t, t.TempDir(), 4, afterRuns(4))
	code, body := f.get(t, "/runs/"+f.ids[3])
	if code != http.StatusOK {
		t.Fatalf("GET a run: %d\n%s", code, body)
	}
	// The report section holds what package report renders from the
	// history's run: the same content as the HTML file.
	st, err := history.Open(context.Background(), f.state, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	run, err := st.Get(context.Background(), f.ids[3])
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	var want bytes.Buffer
	if err := report.HTMLBody(&want, run.In(f.in.Zone), report.Options{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(body, "<section id=\"report\">\n"+want.String()+"\n</section>") {
		t.Errorf("the report section is not the report's body:\n%s", body)
	}
	for _, s := range []string{
		`<link rel="stylesheet" href="/static/report.css">`,
		`<ol id="timeline">`,
		`<li data-step="preflight/disk-space" data-status="ok" class="step-ok">`,
		`<li data-step="backups/verify" data-status="fail" class="step-fail">`,
		`<span class="offset">+0:00:00</span>`,
		`<rect class="span" x="0.0" y="0" width="14.2" height="10"/>`,
	} {
		if !strings.Contains(body, s) {
			t.Errorf("run page lacks %s", s)
		}
	}
	if strings.Contains(body, "<style") || strings.Contains(body, "style=") {
		t.Error("the run page has inline style the CSP forbids")
	}
	code, css := f.get(t, "/static/report.css")
	if code != http.StatusOK || !strings.Contains(css, "#report .summary{") {
		t.Errorf("report.css: %d %.200s", code, css)
	}
	for _, path := range []string{"/runs/no-such-run", "/runs/latest-but-not"} {
		if code, body := f.get(t, path); code != http.StatusNotFound || !strings.Contains(body, `<p class="error" id="error">No run`) {
			t.Errorf("GET %s: %d, want 404 and the error page:\n%s", path, code, body)
		}
	}
}

// Text from a run (a finding, a host name) never becomes markup, and
// secrets are redacted as in the report files.
func TestRunPageEscapesAndRedacts(t *testing.T) {
	root := t.TempDir()
	f := newFixture(t, root, 1, afterRuns(2))
	env := testkit.WriteFile(t, filepath.Join(root, ".env"), []byte("DB_PASSWORD=Tr0ub4dor-and-3\n"), 0o600)
	f.in.Config.Root = root
	f.in.Config.Security.EnvFile = env
	run := testkit.PlantedRun(1, plantStart.AddDate(0, 0, 7), root)
	run.RunID = "evil-<b>run</b>"
	run.Host = `<img src=x onerror=alert(2)>`
	run.Phases[0].Steps[0].Finding(runbook.Warning, "<script>alert(3)</script>", "saw <script>alert(1)</script> and Tr0ub4dor-and-3")
	var clock time.Time
	st, err := history.Open(context.Background(), f.state, func() time.Time { return clock })
	if err != nil {
		t.Fatal(err)
	}
	if err := testkit.JournalRun(context.Background(), st, run, func(at time.Time) { clock = at }); err != nil {
		t.Fatal(err)
	}
	st.Close()
	for _, path := range []string{"/runs/evil-%3Cb%3Erun%3C%2Fb%3E", "/?q=evil"} {
		code, body := f.get(t, path)
		if code != http.StatusOK {
			t.Fatalf("GET %s: %d\n%s", path, code, body)
		}
		for _, bad := range []string{"<script>alert", "<img src=x", "<b>run", "Tr0ub4dor-and-3"} {
			if strings.Contains(body, bad) {
				t.Errorf("GET %s: %q is in the page", path, bad)
			}
		}
	}
	_, body := f.get(t, "/runs/evil-%3Cb%3Erun%3C%2Fb%3E")
	if !strings.Contains(body, "&lt;script&gt;alert(1)&lt;/script&gt;") || !strings.Contains(body, "[REDACTED]") {
		t.Errorf("the finding is not shown escaped and redacted:\n%s", body)
	}
}

func TestBackupsPage(t *testing.T) {
	root := t.TempDir()
	f := newFixture(t, root, 5, afterRuns(5))
	var planted []string
	for i := range 5 {
		p := testkit.PlantedBackup(root, plantStart.AddDate(0, 0, 7*i))
		testkit.WriteFile(t, p, bytes.Repeat([]byte("b"), 2048*(i+1)), 0o600)
		planted = append(planted, p)
	}
	stray := testkit.WriteFile(t, filepath.Join(root, "backups", "weekly", "fossawork_v2_20200101_000000.db"), []byte("x"), 0o600)
	code, body := f.get(t, "/backups")
	if code != http.StatusOK || !strings.Contains(body, `<table id="backups" class="data">`) {
		t.Fatalf("GET /backups: %d\n%s", code, body)
	}
	rows := strings.Split(body, "<tr data-path=")
	if len(rows) != 7 { // the head, five planted, one never verified
		t.Fatalf("%d backup rows, want 6:\n%s", len(rows)-1, body)
	}
	row := func(path string) string {
		for _, r := range rows[1:] {
			if strings.HasPrefix(r, `"`+path+`"`) {
				return r
			}
		}
		t.Fatalf("no row for %s", path)
		return ""
	}
	// Run 3 failed its verification; the others passed; the stray one
	// was never verified.
	if r := row(planted[3]); !strings.Contains(r, `<span class="badge status-fail">failed</span>`) || !strings.Contains(r, `href="/runs/`+f.ids[3]+`"`) {
		t.Errorf("run 3's backup:\n%s", r)
	}
	if r := row(planted[4]); !strings.Contains(r, `<span class="badge status-ok">ok</span>`) || !strings.Contains(r, "10.0 KiB") {
		t.Errorf("run 4's backup:\n%s", r)
	}
	if r := row(stray); !strings.Contains(r, "never verified") {
		t.Errorf("stray backup:\n%s", r)
	}
	if !strings.Contains(body, "daily backup directory "+filepath.Join(root, "backups", "daily")+" does not exist") {
		t.Error("the listing's notes are not shown")
	}
	_ = os.Remove(stray)
}
