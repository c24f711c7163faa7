package web_test

import (
	"context"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/fossawork/fossamaint/internal/web"
)

// testSignIn: with authentication on, the login page's form signs in with
// the token typed into it, and the actions page's forms run an action
// with the CSRF token the page gave them; both pages are captured at both
// widths, and nothing goes to the console.
func testSignIn(t *testing.T, b *browserRun, d *dash) {
	var mu sync.Mutex // the actions run on the server's goroutines
	ran := map[string]int{}
	act := func(name, title, summary string) web.Action {
		return web.Action{Name: name, Title: title, Description: "Planted by the test: reports " + summary + ".",
			Run: func(context.Context) (string, error) {
				mu.Lock()
				defer mu.Unlock()
				ran[name]++
				return summary, nil
			}}
	}
	s := d.server(t, web.Options{Actions: []web.Action{
		act("verify-backup", "Verify the newest backup", "weekly/fossawork_v2_full.db: sha256 matches, integrity_check ok"),
		act("dry-run", "Weekly dry run", "dry run: 8 phases, nothing changed"),
	}})
	h, err := s.Protect(web.AuthConfig{Token: "browser-test-token-7f3a"})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)

	tab := b.newTab(t)
	phone := viewports[1]
	tab.load(t, srv.URL+"/login?next=/actions", phone.width, phone.height, phone.mobile)
	checkLayout(t, tab.ctx, phone.width)
	b.shoot(t, tab.ctx, "login-phone")
	tab.load(t, srv.URL+"/login?next=/actions", 1366, 900, false)
	if !js[bool](t, tab.ctx, `!!document.querySelector('form#login input[name=password]') && document.querySelector('form#login input[name=csrf]')?.value.length > 10`) {
		t.Fatal("form#login lacks its password field or its CSRF token")
	}
	b.shoot(t, tab.ctx, "login-laptop")
	if err := chromedp.Do(tab.ctx, chromedp.SendKeys(chromedp.CSS("form#login input[name=password]"), "browser-test-token-7f3a"),
		chromedp.Click(chromedp.CSS("form#login button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS(`form.action[data-action="verify-backup"]`))); err != nil {
		t.Fatalf("signing in with the token, then the actions page: %v", err)
	}
	forms := js[[]string](t, tab.ctx, `[...document.querySelectorAll("form.action")].filter(f => f.querySelector("input[name=csrf]")?.value).map(f => f.dataset.action)`)
	if len(forms) != 2 {
		t.Errorf("actions with a CSRF token: %q, want verify-backup and dry-run", forms)
	}
	checkLayout(t, tab.ctx, 1366)
	b.shoot(t, tab.ctx, "actions-laptop")
	if err := chromedp.Do(tab.ctx, chromedp.Click(chromedp.CSS(`form.action[data-action="verify-backup"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`#action-result[data-status="ok"]`))); err != nil {
		t.Fatalf("running verify-backup from its form: %v", err)
	}
	mu.Lock()
	if ran["verify-backup"] != 1 || ran["dry-run"] != 0 {
		t.Errorf("actions run: %v, want verify-backup once", ran)
	}
	mu.Unlock()
	b.shoot(t, tab.ctx, "actions-result-laptop")
	tab.load(t, srv.URL+"/actions", phone.width, phone.height, phone.mobile)
	checkLayout(t, tab.ctx, phone.width)
	b.shoot(t, tab.ctx, "actions-phone")
	tab.noConsoleErrors(t)
}
