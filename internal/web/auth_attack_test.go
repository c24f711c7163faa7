package web

import (
	"bufio"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestLoginLimitHoldsUnderParallelGuesses: guesses sent at once cannot
// all pass the limit before any failure is counted; at most
// loginFailures secrets are checked, the rest get 429.
func TestLoginLimitHoldsUnderParallelGuesses(t *testing.T) {
	as := newAuthServer(t, AuthConfig{PasswordHash: testHash}, false)
	page := as.do(t, req{path: "/login"})
	lc, tok := cookieNamed(page.set, loginCookie), csrfOf(t, page.body)
	var checked, limited atomic.Int32
	var wg sync.WaitGroup
	for range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := as.do(t, req{method: http.MethodPost, path: "/login", cookies: []*http.Cookie{lc},
				form: url.Values{"csrf": {tok}, "password": {"wrong"}}})
			switch r.code {
			case http.StatusUnauthorized:
				checked.Add(1)
			case http.StatusTooManyRequests:
				limited.Add(1)
			}
		}()
	}
	wg.Wait()
	if checked.Load() > loginFailures || checked.Load()+limited.Load() != 40 {
		t.Errorf("%d guesses checked, %d limited; want at most %d checked, the rest 429", checked.Load(), limited.Load(), loginFailures)
	}
	// The bearer token the same way, from a fresh limiter's view: a right
	// token takes its attempt back, so a scraper is never limited.
	as2 := newAuthServer(t, AuthConfig{Token: testToken}, false)
	for i := range 3 * loginFailures {
		if r := as2.do(t, req{path: "/metrics", header: map[string]string{"Authorization": "Bearer " + testToken}}); r.code != http.StatusOK {
			t.Fatalf("scrape %d with the right token: %d", i, r.code)
		}
	}
}

// TestNoAuthAnswersOnlyLoopbackHosts: without authentication, a request
// for another host name (a DNS-rebinding page in the operator's browser)
// gets 421; localhost and loopback addresses are served.
func TestNoAuthAnswersOnlyLoopbackHosts(t *testing.T) {
	as := newAuthServer(t, AuthConfig{}, false)
	for _, tt := range []struct {
		host string
		code int
	}{
		{"127.0.0.1:8090", http.StatusOK},
		{"localhost:8090", http.StatusOK},
		{"LOCALHOST", http.StatusOK},
		{"[::1]:8090", http.StatusOK},
		{"127.1.2.3", http.StatusOK},
		{"attacker.example:8090", http.StatusMisdirectedRequest},
		{"localhost.attacker.example", http.StatusMisdirectedRequest},
		{"10.0.0.5:8090", http.StatusMisdirectedRequest},
	} {
		if r := as.do(t, req{path: "/healthz", header: map[string]string{"Host": tt.host}}); r.code != tt.code {
			t.Errorf("Host %s: %d, want %d", tt.host, r.code, tt.code)
		}
	}
	// With authentication the Host is not checked: the token is.
	authed := newAuthServer(t, AuthConfig{Token: testToken}, false)
	if r := authed.do(t, req{path: "/healthz", header: map[string]string{"Host": "dashboard.example"}}); r.code != http.StatusOK {
		t.Errorf("with auth, Host dashboard.example: %d", r.code)
	}
}

// TestTricklingPostIsCutOff: a client that sends a POST's headers and
// never its whole body (anyone can, at /login) loses the connection after
// postReadTimeout instead of holding it for ever.
func TestTricklingPostIsCutOff(t *testing.T) {
	old := postReadTimeout
	postReadTimeout = 200 * time.Millisecond
	defer func() { postReadTimeout = old }()
	as := newAuthServer(t, AuthConfig{Token: testToken}, false)
	u, _ := url.Parse(as.URL)
	c, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	head := "POST /login HTTP/1.1\r\nHost: " + u.Host + "\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\ncsrf="
	if _, err := c.Write([]byte(head)); err != nil {
		t.Fatal(err)
	}
	// Generous: the deadline is 200 ms; the test fails only when the
	// server keeps waiting for the body.
	if err := c.SetReadDeadline(time.Now().Add(20 * time.Second)); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil && !strings.Contains(err.Error(), "EOF") && !strings.Contains(err.Error(), "reset") {
		t.Fatalf("the server still held the connection: %v", err)
	}
	if line != "" && !strings.Contains(line, "403") && !strings.Contains(line, "400") && !strings.Contains(line, "408") {
		t.Errorf("answer to a trickled body: %q", line)
	}
}
