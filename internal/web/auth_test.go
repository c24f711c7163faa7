package web

import (
	"context"
	"crypto/tls"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fossawork/fossamaint/internal/testkit"
)

const (
	testToken = "dashboard-test-token-0123456789"
	// testHash is bcrypt("correct horse") at cost 4 (fast tests).
	testHash     = "$2a$04$c7HhskWWLIjv/Tb/OzM2WetjT8EMc1iykS6kGjEp/DAXDe7GwsXdq"
	testPassword = "correct horse"
)

// fakeClock is the injected clock of sessions and the rate limit.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// authServer is a protected dashboard with two actions and /metrics.
type authServer struct {
	*httptest.Server
	clock *fakeClock
	// release lets the "slow" action finish.
	release chan struct{}
}

func newAuthServer(t *testing.T, cfg AuthConfig, actions bool) *authServer {
	t.Helper()
	as := &authServer{clock: &fakeClock{t: time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)}, release: make(chan struct{})}
	o := Options{Version: "test", Metrics: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		io.WriteString(w, "fossamaint_up 1\n")
	})}
	if actions {
		o.Actions = []Action{
			{Name: "verify-backup", Title: "Verify the newest backup", Description: "sha256, check, restore test",
				Run: func(context.Context) (string, error) { return "ok  backups/daily/x.db  verified", nil }},
			{Name: "slow", Title: "Slow", Description: "waits",
				Run: func(ctx context.Context) (string, error) {
					select {
					case <-as.release:
						return "done", nil
					case <-ctx.Done():
						return "", ctx.Err()
					}
				}},
		}
	}
	s, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Now = as.clock.now
	h, err := s.Protect(cfg)
	if err != nil {
		t.Fatal(err)
	}
	as.Server = httptest.NewServer(h)
	t.Cleanup(as.Close)
	return as
}

// req is one request: header pairs ("Accept", "text/html"), cookies, a
// form for a POST.
type req struct {
	method, path string
	header       map[string]string
	cookies      []*http.Cookie
	form         url.Values
}

type resp struct {
	code int
	h    http.Header
	body string
	set  []*http.Cookie
}

func (as *authServer) do(t *testing.T, q req) resp {
	t.Helper()
	var body io.Reader
	if q.form != nil {
		body = strings.NewReader(q.form.Encode())
	}
	if q.method == "" {
		q.method = http.MethodGet
	}
	r, err := http.NewRequest(q.method, as.URL+q.path, body)
	if err != nil {
		t.Fatal(err)
	}
	if q.form != nil {
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range q.header {
		if k == "Host" {
			r.Host = v
			continue
		}
		r.Header.Set(k, v)
	}
	for _, c := range q.cookies {
		r.AddCookie(c)
	}
	// A client of its own (the server's, for TLS): no redirects followed.
	cl := &http.Client{Transport: as.Client().Transport,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := cl.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return resp{code: res.StatusCode, h: res.Header, body: string(b), set: res.Cookies()}
}

var csrfRe = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func csrfOf(t *testing.T, body string) string {
	t.Helper()
	m := csrfRe.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no csrf field in:\n%s", body)
	}
	return m[1]
}

func cookieNamed(cs []*http.Cookie, name string) *http.Cookie {
	for _, c := range cs {
		if c.Name == name {
			return c
		}
	}
	return nil
}

var bearer = map[string]string{"Authorization": "Bearer " + testToken}

// TestEveryPageNeedsAuth: without a token or a session every route
// but /healthz, /static/ and /login answers 401 (a browser gets the
// login form), and none of them shows the token.
func TestEveryPageNeedsAuth(t *testing.T) {
	as := newAuthServer(t, AuthConfig{Token: testToken, PasswordHash: testHash}, true)
	for _, p := range []string{"/", "/runs/20261128-020000-abcdef", "/trends", "/backups", "/now", "/now/events", "/metrics", "/actions", "/nonexistent"} {
		r := as.do(t, req{path: p})
		if r.code != http.StatusUnauthorized || r.h.Get("WWW-Authenticate") != `Bearer realm="fossamaint"` {
			t.Errorf("GET %s: %d %q, want 401 with WWW-Authenticate: Bearer", p, r.code, r.h.Get("WWW-Authenticate"))
		}
		html := as.do(t, req{path: p, header: map[string]string{"Accept": "text/html,application/xhtml+xml"}})
		if html.code != http.StatusUnauthorized || !strings.Contains(html.body, `<form id="login"`) ||
			!strings.Contains(html.body, `name="next" value="`+p+`"`) {
			t.Errorf("GET %s as a browser: %d, want 401 with the login form going back to %s:\n%s", p, html.code, p, html.body)
		}
		if html.h.Get("Content-Security-Policy") == "" {
			t.Errorf("GET %s: the 401 lacks the security headers", p)
		}
		for _, b := range []string{r.body, html.body} {
			if strings.Contains(b, testToken) || strings.Contains(b, testHash) {
				t.Fatalf("GET %s shows a secret", p)
			}
		}
	}
	for _, p := range []string{"/healthz", "/static/style.css", "/login"} {
		if r := as.do(t, req{path: p}); r.code != http.StatusOK {
			t.Errorf("GET %s: %d, want 200 without authentication", p, r.code)
		}
	}
	// With the bearer token: the pages answer.
	for _, p := range []string{"/metrics", "/actions"} {
		r := as.do(t, req{path: p, header: bearer})
		if r.code != http.StatusOK {
			t.Errorf("GET %s with the bearer token: %d, want 200", p, r.code)
		}
		if strings.Contains(r.body, testToken) {
			t.Errorf("GET %s shows the token", p)
		}
	}
	if r := as.do(t, req{path: "/actions", header: map[string]string{"Authorization": "Bearer wrong-token-wrong-token"}}); r.code != http.StatusUnauthorized {
		t.Errorf("a wrong bearer token: %d, want 401", r.code)
	}
}

// login signs in through the form and returns the session cookie.
func (as *authServer) login(t *testing.T, secret string) (resp, *http.Cookie) {
	t.Helper()
	page := as.do(t, req{path: "/login"})
	lc := cookieNamed(page.set, loginCookie)
	if lc == nil {
		t.Fatal("GET /login set no login cookie")
	}
	r := as.do(t, req{method: "POST", path: "/login", cookies: []*http.Cookie{lc},
		form: url.Values{"csrf": {csrfOf(t, page.body)}, "password": {secret}, "next": {"/actions"}}})
	return r, cookieNamed(r.set, sessionCookie)
}

func TestLoginSetsSessionCookie(t *testing.T) {
	for _, secret := range []string{testPassword, testToken} {
		as := newAuthServer(t, AuthConfig{Token: testToken, PasswordHash: testHash, SessionTTL: time.Hour}, true)
		r, c := as.login(t, secret)
		if r.code != http.StatusSeeOther || r.h.Get("Location") != "/actions" || c == nil {
			t.Fatalf("login: %d to %q, cookie %v", r.code, r.h.Get("Location"), c)
		}
		if !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Path != "/" || c.Secure || c.MaxAge != 3600 || len(c.Value) != 43 {
			t.Errorf("session cookie %+v: want HttpOnly, SameSite=Strict, Path=/, not Secure without TLS, Max-Age 3600, 32 random bytes", c)
		}
		page := as.do(t, req{path: "/actions", cookies: []*http.Cookie{c}})
		if page.code != http.StatusOK || !strings.Contains(page.body, `action="/logout"`) || !strings.Contains(page.body, `href="/actions"`) {
			t.Fatalf("with the session: %d\n%s", page.code, page.body)
		}
		// Sign out: the session is gone.
		out := as.do(t, req{method: "POST", path: "/logout", cookies: []*http.Cookie{c}, form: url.Values{"csrf": {csrfOf(t, page.body)}}})
		if out.code != http.StatusSeeOther || cookieNamed(out.set, sessionCookie).MaxAge >= 0 {
			t.Fatalf("logout: %d %v", out.code, out.set)
		}
		if r := as.do(t, req{path: "/actions", cookies: []*http.Cookie{c}}); r.code != http.StatusUnauthorized {
			t.Errorf("after logout: %d, want 401", r.code)
		}
	}
}

func TestSessionExpires(t *testing.T) {
	as := newAuthServer(t, AuthConfig{PasswordHash: testHash, SessionTTL: time.Hour}, false)
	_, c := as.login(t, testPassword)
	if c == nil {
		t.Fatal("no session")
	}
	as.clock.add(59 * time.Minute)
	if r := as.do(t, req{path: "/metrics", cookies: []*http.Cookie{c}}); r.code != http.StatusOK {
		t.Fatalf("before expiry: %d", r.code)
	}
	as.clock.add(time.Minute)
	if r := as.do(t, req{path: "/metrics", cookies: []*http.Cookie{c}}); r.code != http.StatusUnauthorized {
		t.Fatalf("at expiry: %d, want 401", r.code)
	}
}

// TestLoginRateLimit: 5 wrong logins from an address, then 429 with
// Retry-After, even for the right password; 5 minutes later it may try
// again. Wrong bearer tokens count too.
func TestLoginRateLimit(t *testing.T) {
	as := newAuthServer(t, AuthConfig{Token: testToken, PasswordHash: testHash}, false)
	for i := range loginFailures {
		r, c := as.login(t, "wrong password")
		if r.code != http.StatusUnauthorized || c != nil || !strings.Contains(r.body, "Wrong password or token.") {
			t.Fatalf("failure %d: %d %v", i+1, r.code, c)
		}
		as.clock.add(time.Second)
	}
	r, c := as.login(t, testPassword)
	if r.code != http.StatusTooManyRequests || c != nil || r.h.Get("Retry-After") != "295" {
		t.Fatalf("past the limit: %d Retry-After %q cookie %v, want 429 after 295 s", r.code, r.h.Get("Retry-After"), c)
	}
	if r := as.do(t, req{path: "/metrics", header: bearer}); r.code != http.StatusTooManyRequests {
		t.Errorf("the bearer token from a blocked address: %d, want 429", r.code)
	}
	as.clock.add(loginWindow)
	if r, c := as.login(t, testPassword); r.code != http.StatusSeeOther || c == nil {
		t.Fatalf("after the window: %d", r.code)
	}
	wrong := map[string]string{"Authorization": "Bearer not-the-token-not-the-token"}
	for range loginFailures {
		as.do(t, req{path: "/metrics", header: wrong})
	}
	if r := as.do(t, req{path: "/metrics", header: bearer}); r.code != http.StatusTooManyRequests || r.h.Get("Retry-After") == "" {
		t.Errorf("after 5 wrong bearer tokens: %d, want 429", r.code)
	}
}

// TestPostNeedsCSRF: a POST without the token, or with another
// session's, is 403; with the page's token it runs.
func TestPostNeedsCSRF(t *testing.T) {
	as := newAuthServer(t, AuthConfig{Token: testToken, PasswordHash: testHash}, true)
	_, c := as.login(t, testPassword)
	_, other := as.login(t, testPassword)
	page := as.do(t, req{path: "/actions", cookies: []*http.Cookie{c}})
	tok := csrfOf(t, page.body)
	otherTok := csrfOf(t, as.do(t, req{path: "/actions", cookies: []*http.Cookie{other}}).body)
	for _, tc := range []struct {
		name string
		form url.Values
		want int
	}{
		{"no token", url.Values{}, http.StatusForbidden},
		{"wrong token", url.Values{"csrf": {"x"}}, http.StatusForbidden},
		{"another session's token", url.Values{"csrf": {otherTok}}, http.StatusForbidden},
		{"the page's token", url.Values{"csrf": {tok}}, http.StatusOK},
	} {
		r := as.do(t, req{method: "POST", path: "/actions/verify-backup", cookies: []*http.Cookie{c}, form: tc.form})
		if r.code != tc.want {
			t.Errorf("%s: %d, want %d", tc.name, r.code, tc.want)
		}
		if tc.want == http.StatusOK && (!strings.Contains(r.body, `id="action-result"`) || !strings.Contains(r.body, "ok  backups/daily/x.db  verified")) {
			t.Errorf("%s: no result:\n%s", tc.name, r.body)
		}
	}
	// A bearer client: the token of a page it loaded with its bearer token.
	if r := as.do(t, req{method: "POST", path: "/actions/verify-backup", header: bearer, form: url.Values{}}); r.code != http.StatusForbidden {
		t.Errorf("bearer POST without the token: %d, want 403", r.code)
	}
	btok := csrfOf(t, as.do(t, req{path: "/actions", header: bearer}).body)
	h := map[string]string{"Authorization": bearer["Authorization"], CSRFHeader: btok}
	if r := as.do(t, req{method: "POST", path: "/actions/verify-backup", header: h}); r.code != http.StatusOK {
		t.Errorf("bearer POST with its token: %d, want 200", r.code)
	}
	if r := as.do(t, req{method: "POST", path: "/actions/nope", header: h}); r.code != http.StatusNotFound {
		t.Errorf("unknown action: %d, want 404", r.code)
	}
	// Login itself: a POST /login without the login cookie's token is 403.
	if r := as.do(t, req{method: "POST", path: "/login", form: url.Values{"password": {testPassword}}}); r.code != http.StatusForbidden {
		t.Errorf("POST /login without a token: %d, want 403", r.code)
	}
}

// TestOneActionAtATime: a second POST while one runs answers 409.
func TestOneActionAtATime(t *testing.T) {
	as := newAuthServer(t, AuthConfig{Token: testToken}, true)
	tok := csrfOf(t, as.do(t, req{path: "/actions", header: bearer}).body)
	h := map[string]string{"Authorization": bearer["Authorization"], CSRFHeader: tok}
	done := make(chan resp)
	go func() { done <- as.do(t, req{method: "POST", path: "/actions/slow", header: h}) }()
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(as.do(t, req{path: "/actions", header: bearer}).body, `id="action-running"`) {
		if time.Now().After(deadline) {
			t.Fatal("the slow action never started")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if r := as.do(t, req{method: "POST", path: "/actions/verify-backup", header: h}); r.code != http.StatusConflict || !strings.Contains(r.body, "another action (slow) is running") {
		t.Errorf("second action: %d, want 409:\n%s", r.code, r.body)
	}
	close(as.release)
	if r := <-done; r.code != http.StatusOK || !strings.Contains(r.body, "done") {
		t.Errorf("the slow action: %d", r.code)
	}
	if r := as.do(t, req{method: "POST", path: "/actions/verify-backup", header: h}); r.code != http.StatusOK {
		t.Errorf("after it: %d, want 200", r.code)
	}
}

// TestWithoutAuth: pages open, no login, no actions (Protect refuses
// them), and still no POST without the CSRF token.
func TestWithoutAuth(t *testing.T) {
	s, err := New(Options{Actions: []Action{{Name: "dry-run"}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Protect(AuthConfig{}); err == nil || !strings.Contains(err.Error(), "need authentication") {
		t.Fatalf("actions without auth: %v", err)
	}
	as := newAuthServer(t, AuthConfig{}, false)
	if r := as.do(t, req{path: "/metrics"}); r.code != http.StatusOK {
		t.Errorf("/metrics without auth: %d", r.code)
	}
	for _, p := range []string{"/login", "/actions"} {
		if r := as.do(t, req{path: p}); r.code != http.StatusNotFound {
			t.Errorf("GET %s without auth: %d, want 404", p, r.code)
		}
	}
	if r := as.do(t, req{method: "POST", path: "/actions/dry-run", form: url.Values{}}); r.code != http.StatusForbidden {
		t.Errorf("POST without a token: %d, want 403", r.code)
	}
}

func TestSafeNext(t *testing.T) {
	for in, want := range map[string]string{"/trends": "/trends", "/runs/x?y=1": "/runs/x?y=1", "": "/", "//evil.test/": "/",
		"https://evil.test/": "/", "/\\evil.test": "/", "/login?next=/x": "/", "trends": "/",
		// Browsers drop tabs and newlines from a URL: "//evil.test".
		"/\t/evil.test": "/", "/\n/evil.test": "/", "/\r/evil.test": "/", "javascript:alert(1)": "/"} {
		if got := safeNext(in); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestLimiterBounded: the limiter remembers at most its capacity of
// addresses, dropping the stalest.
func TestLimiterBounded(t *testing.T) {
	l := newLimiter(2, time.Minute, 3)
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i, ip := range []string{"a", "b", "c", "d"} {
		l.attempt(ip, now.Add(time.Duration(i)*time.Second))
	}
	if len(l.fails) != 3 || l.fails["a"] != nil {
		t.Fatalf("after 4 addresses: %v, want b c d", l.fails)
	}
	l.attempt("d", now.Add(5*time.Second))
	if wait, blocked := l.attempt("d", now.Add(6*time.Second)); !blocked || wait != 57*time.Second {
		t.Fatalf("d: %v %v, want blocked 57s", wait, blocked)
	}
	if _, blocked := l.attempt("d", now.Add(64*time.Second)); blocked {
		t.Fatal("d still blocked after the window")
	}
	// A right secret takes its attempt back: the 5 s failure stays.
	l.forgive("d", now.Add(64*time.Second))
	if got := l.fails["d"]; len(got) != 1 || !got[0].Equal(now.Add(5*time.Second)) {
		t.Errorf("after forgive: d's attempts %v, want the 5 s one only", got)
	}
}

// TestTLSCookiesSecure: behind TLS (a self-signed certificate made
// here) the session cookie is Secure as well.
func TestTLSCookiesSecure(t *testing.T) {
	cert, pool := testkit.SelfSigned(t)
	s, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	clock := &fakeClock{t: time.Now()}
	h, err := s.Protect(AuthConfig{PasswordHash: testHash, Secure: true, Now: clock.now})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(h)
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	srv.StartTLS()
	defer srv.Close()
	as := &authServer{Server: srv, clock: clock}
	// The client trusts only the generated certificate.
	srv.Client().Transport.(*http.Transport).TLSClientConfig = &tls.Config{RootCAs: pool}
	r, c := as.login(t, testPassword)
	if r.code != http.StatusSeeOther || c == nil || !c.Secure || !c.HttpOnly || c.SameSite != http.SameSiteStrictMode {
		t.Fatalf("login over TLS: %d cookie %+v, want Secure, HttpOnly, SameSite=Strict", r.code, c)
	}
}
