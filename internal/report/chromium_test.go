package report

import (
	"bytes"
	"context"
	"flag"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/fossawork/fossamaint/internal/testkit"
)

var (
	shotHTML = flag.String("shot-html", "", "with -shot-png: the HTML report to screenshot (default: the sample run's)")
	shotPNG  = flag.String("shot-png", "", "write a screenshot of the HTML report's first screen here (docs/report.png)")
)

// browser is the shared headless Chromium (testkit.Chromium): skipped
// without it, failing under CI.
func browser(t *testing.T) context.Context {
	t.Helper()
	return testkit.Chromium(t, 90*time.Second)
}

// open writes html to a file and loads it at width × 900.
func open(t *testing.T, ctx context.Context, html []byte, width int64) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "report.html")
	if err := os.WriteFile(path, html, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(width, 900), chromedp.Navigate("file://"+path),
		chromedp.WaitReady("body")); err != nil {
		t.Fatalf("loading %s in Chromium: %v", path, err)
	}
}

func eval[T any](t *testing.T, ctx context.Context, js string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	if err != nil {
		t.Fatalf("evaluating %s: %v", js, err)
	}
	return v
}

// TestHTMLInChromium loads the sample run's report in a real browser and
// checks what a reader sees: no Markdown left over, the status colour, the
// trend chart, and a print layout that fits the paper.
func TestHTMLInChromium(t *testing.T) {
	ctx := browser(t)
	var html bytes.Buffer
	if err := HTML(&html, sampleRun(t)); err != nil {
		t.Fatal(err)
	}
	open(t, ctx, html.Bytes(), 1100)

	// Evidence is verbatim (the sample's holds an attacker's backtick), in
	// <pre> or <code>: everything else must be rendered, not Markdown.
	prose := eval[string](t, ctx, `(() => { const b = document.body.cloneNode(true); b.querySelectorAll("pre, code").forEach(e => e.remove()); return b.textContent })()`)
	for _, bad := range []string{"[x]", "[ ]", "`", "**"} {
		if strings.Contains(prose, bad) {
			t.Errorf("the page shows %q outside code", bad)
		}
	}
	if n := eval[int](t, ctx, `document.querySelectorAll("code").length`); n < 5 {
		t.Errorf("%d code elements: inline code (`fossamaint …`) is not rendered as code", n)
	}
	if n := eval[int](t, ctx, `document.querySelectorAll(".tick.done").length`); n != 6 {
		t.Errorf("%d checked activities, want 6", n)
	}
	// The run failed: its summary box is red.
	if c := eval[string](t, ctx, `getComputedStyle(document.querySelector("section.summary")).borderLeftColor`); c != "rgb(207, 34, 46)" {
		t.Errorf("summary border colour = %s, want the fail red", c)
	}
	if c := eval[string](t, ctx, `getComputedStyle(document.querySelector("section.summary")).backgroundColor`); c != "rgb(255, 235, 233)" {
		t.Errorf("summary background = %s, want the fail tint", c)
	}
	if w := eval[float64](t, ctx, `document.querySelector("svg.chart polyline").getBBox().width`); w < 200 {
		t.Errorf("chart line is %.0f px wide: no trend drawn", w)
	}
	if n := eval[int](t, ctx, `document.querySelectorAll("svg.chart circle").length`); n != 7 {
		t.Errorf("%d chart points, want 7 (one series of 7 days; the one-point series has no chart)", n)
	}
	if n := eval[int](t, ctx, `document.querySelectorAll("script, link, img, iframe").length`); n != 0 {
		t.Errorf("%d scripts or external resources: the report must be self-contained", n)
	}
	assertPrintFits(t, ctx)
}

// assertPrintFits switches to print media at A4's printable width
// (210 mm less 2 × 10 mm margins at 96 dpi) and checks that nothing is
// wider than the page: no horizontal scrolling, no element cut off.
func assertPrintFits(t *testing.T, ctx context.Context) {
	t.Helper()
	if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"}); err != nil {
		t.Fatalf("emulating print media: %v", err)
	}
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(718, 1000)); err != nil {
		t.Fatal(err)
	}
	if eval[bool](t, ctx, `matchMedia("print").matches`) != true {
		t.Fatal("print media not in effect")
	}
	doc := eval[[]int](t, ctx, `[document.documentElement.scrollWidth, document.documentElement.clientWidth]`)
	if doc[0] > doc[1] {
		t.Errorf("print layout is %d px wide on a %d px page", doc[0], doc[1])
	}
	wide := eval[[]string](t, ctx, `[...document.querySelectorAll("body *")].filter(e => e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).overflowX != "visible").map(e => e.tagName + ": " + e.textContent.slice(0, 60))`)
	if len(wide) > 0 {
		t.Errorf("in print, these elements scroll sideways (their content is cut off on paper): %q", wide)
	}
	pdf, err := chromedp.Run(ctx, chromedp.PrintToPDF(chromedp.PDFPrintBackground()))
	if err != nil || !bytes.HasPrefix(pdf, []byte("%PDF")) {
		t.Errorf("printing to PDF: %v (%d bytes)", err, len(pdf))
	}
}

// TestScreenshot writes -shot-png from -shot-html (or the sample run): how
// docs/report.png is made from the demo's report.
//
//	go test ./internal/report -run TestScreenshot -shot-html /tmp/fw/logs/reports/maintenance-….html -shot-png docs/report.png
func TestScreenshot(t *testing.T) {
	if *shotPNG == "" {
		t.Skip("no -shot-png")
	}
	ctx := browser(t)
	html, err := os.ReadFile(*shotHTML)
	if *shotHTML == "" {
		var b bytes.Buffer
		err = HTML(&b, sampleRun(t))
		html = b.Bytes()
	}
	if err != nil {
		t.Fatal(err)
	}
	open(t, ctx, html, 960)
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(960, 1240)); err != nil {
		t.Fatal(err)
	}
	shot, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(shot))
	if err != nil {
		t.Fatalf("decoding the screenshot: %v", err)
	}
	if err := os.WriteFile(*shotPNG, smallPNG(t, img), 0o644); err != nil {
		t.Fatal(err)
	}
	// The page shown must print as well as the sample does.
	assertPrintFits(t, ctx)
}

// smallPNG re-encodes img with the best compression.
func smallPNG(t *testing.T, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := (&png.Encoder{CompressionLevel: png.BestCompression}).Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}
