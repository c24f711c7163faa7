package testkit

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// ChromiumPath is Debian's chromium; .ci/run installs it.
const ChromiumPath = "/usr/bin/chromium"

// Chromium starts one headless Chromium for the test, with the flags this
// machine needs (no sandbox as root, no GPU, no network beyond what the
// page asks for: no QUIC, no background or component updates, no sync, no
// first-run screens), a fresh profile in the test's temp dir and no
// scrollbars (screenshots show the page, not the chrome). It returns the
// browser's first tab; chromedp.NewContext(ctx) opens more tabs in the same
// browser, which is much cheaper than a browser per page. Everything ends
// with the test, or after timeout.
//
// Without Chromium the test is skipped with the reason, unless CI is set:
// CI installs it, so there its absence fails the test.
func Chromium(t testing.TB, timeout time.Duration) context.Context {
	t.Helper()
	if _, err := os.Stat(ChromiumPath); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("CI is set but %s is missing: install it (apt-get install -y chromium; .ci/run does): %v", ChromiumPath, err)
		}
		t.Skipf("%s not installed (apt-get install -y chromium)", ChromiumPath)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(ChromiumPath), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck, chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.Flag("hide-scrollbars", true),
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	t.Cleanup(cancel)
	actx, acancel := chromedp.NewExecAllocator(ctx, opts...)
	t.Cleanup(acancel)
	bctx, bcancel := chromedp.NewContext(actx)
	t.Cleanup(bcancel)
	// Start it now: a tab opened from a context whose browser has not
	// started would start a browser of its own (on the same profile).
	if err := chromedp.Do(bctx); err != nil {
		t.Fatalf("starting %s: %v", ChromiumPath, err)
	}
	return bctx
}
