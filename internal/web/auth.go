package web

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// AuthConfig is serve.auth as the dashboard takes it.
type AuthConfig struct {
	// Token is the bearer token (Authorization: Bearer TOKEN, or typed
	// into the login form); "" for none.
	Token string
	// PasswordHash is a bcrypt hash of the login form's password; ""
	// for none.
	PasswordHash string
	// SessionTTL is how long a login lasts; 0 means 12h.
	SessionTTL time.Duration
	// Secure marks the cookies Secure: the dashboard is served over TLS.
	Secure bool
	// Now is the clock of the sessions and of the login rate limit; nil
	// means the server's Options.Now.
	Now func() time.Time
}

// Enabled is true when a token or a password hash is configured.
func (c AuthConfig) Enabled() bool { return c.Token != "" || c.PasswordHash != "" }

const (
	// sessionCookie holds a session id from POST /login.
	sessionCookie = "fossamaint_session"
	// loginCookie binds the login form's CSRF token to the browser that
	// loaded it, before there is a session.
	loginCookie = "fossamaint_login"
	// maxSessions bounds the session map: past it, the session nearest
	// its expiry makes room.
	maxSessions = 1000
	// maxFormBytes bounds a POST body: the dashboard's forms are tiny.
	maxFormBytes = 64 << 10
)

// postReadTimeout bounds reading a POST's body (a variable: the test of a
// trickling client shortens it).
var postReadTimeout = 30 * time.Second

// bcryptSlots bounds the bcrypt checks running at once: each costs tens of
// milliseconds of CPU, and attempts from many addresses must not take the
// machine the weekly run needs.
var bcryptSlots = make(chan struct{}, 2)

// guard is the authentication and CSRF layer in front of the routes.
type guard struct {
	cfg      AuthConfig
	csrf     csrfKey32
	sessions *sessions
	limit    *limiter
	// actions is the action that is running, one at a time.
	actions actionState
}

// Protect returns the dashboard's handler behind its guard: with cfg
// Enabled, every route but /healthz, /static/ and /login needs a bearer
// token or a session from POST /login, and the login routes exist;
// without it, the pages are open and there are no actions. Either way,
// every POST needs the CSRF token of the page it came from (403
// otherwise). The serve command calls it once, instead of Handler.
func (s *Server) Protect(cfg AuthConfig) (http.Handler, error) {
	if !cfg.Enabled() && len(s.o.Actions) > 0 {
		return nil, errors.New("the dashboard's actions need authentication: set serve.auth.token or serve.auth.password_hash, or serve.actions: false")
	}
	if cfg.PasswordHash != "" {
		if _, err := bcrypt.Cost([]byte(cfg.PasswordHash)); err != nil {
			return nil, fmt.Errorf("serve.auth.password_hash is not a bcrypt hash: %w", err)
		}
	}
	if cfg.SessionTTL <= 0 {
		cfg.SessionTTL = 12 * time.Hour
	}
	if cfg.Now == nil {
		cfg.Now = s.o.Now
	}
	key, err := newCSRFKey()
	if err != nil {
		return nil, err
	}
	g := &guard{cfg: cfg, csrf: key, sessions: newSessions(cfg.SessionTTL), limit: newLimiter(loginFailures, loginWindow, maxLimited)}
	s.guard = g
	h := s.guarded(s.Handler())
	if !cfg.Enabled() {
		h = loopbackHost(h)
	}
	return securityHeaders(h), nil
}

// loopbackHost answers 421 to a request whose Host is not localhost or a
// loopback address. Without authentication the dashboard is only for the
// machine's own browser; a web page on a name that resolves to 127.0.0.1
// (DNS rebinding) would otherwise read it from the operator's browser.
func loopbackHost(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host := r.Host
		if hh, _, err := net.SplitHostPort(host); err == nil {
			host = hh
		}
		host = strings.TrimSuffix(strings.Trim(host, "[]"), ".")
		ip := net.ParseIP(host)
		if !strings.EqualFold(host, "localhost") && (ip == nil || !ip.IsLoopback()) {
			http.Error(w, "misdirected request: without serve.auth the dashboard answers only to localhost and loopback addresses", http.StatusMisdirectedRequest)
			return
		}
		h.ServeHTTP(w, r)
	})
}

type identityKey struct{}

// identity is who a request is, as its CSRF token is bound: "s:"+session
// id, "bearer", "c:"+login cookie, or "anon" (no authentication).
func identity(ctx context.Context) string {
	id, _ := ctx.Value(identityKey{}).(string)
	return id
}

// signedIn is true for a request with a session (the layout offers to
// sign out).
func signedIn(ctx context.Context) bool { return strings.HasPrefix(identity(ctx), "s:") }

// guarded authenticates each request, checks the CSRF token of each
// POST, and puts the request's token in its context for the forms.
func (s *Server) guarded(next http.Handler) http.Handler {
	g := s.guard
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, ok := s.authenticate(w, r)
		if !ok {
			return
		}
		if !safeMethod(r.Method) {
			// serve has no ReadTimeout (it would end the live page's
			// stream): a form body is read within postReadTimeout, so
			// a client trickling one (anyone, at POST /login) cannot
			// hold the connection.
			_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(postReadTimeout))
			r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
			if !g.csrf.valid(id, submittedCSRF(r)) {
				w.Header().Set("Cache-Control", "no-store")
				http.Error(w, "forbidden: missing or wrong CSRF token (reload the page and submit its form again)", http.StatusForbidden)
				return
			}
		}
		ctx := context.WithValue(WithCSRFToken(r.Context(), g.csrf.token(id)), identityKey{}, id)
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

// public are the paths open without authentication.
func public(path string) bool {
	return path == "/healthz" || path == "/login" || strings.HasPrefix(path, "/static/")
}

// authenticate says who r is; false when it has answered (401 or 429).
func (s *Server) authenticate(w http.ResponseWriter, r *http.Request) (string, bool) {
	g := s.guard
	if !g.cfg.Enabled() {
		return "anon", true
	}
	now := g.cfg.Now()
	if auth := r.Header.Get("Authorization"); auth != "" {
		ip := clientIP(r)
		if wait, blocked := g.limit.attempt(ip, now); blocked {
			tooMany(w, wait)
			return "", false
		}
		tok, ok := strings.CutPrefix(auth, "Bearer ")
		if ok && g.cfg.Token != "" && subtle.ConstantTimeCompare([]byte(strings.TrimSpace(tok)), []byte(g.cfg.Token)) == 1 {
			g.limit.forgive(ip, now)
			return "bearer", true
		}
		s.unauthorized(w, r, "wrong bearer token")
		return "", false
	}
	if c, err := r.Cookie(sessionCookie); err == nil && g.sessions.valid(c.Value, now) {
		return "s:" + c.Value, true
	}
	if public(r.URL.Path) {
		return "c:" + g.loginCookie(w, r), true
	}
	s.unauthorized(w, r, "")
	return "", false
}

// unauthorized answers 401: a browser (Accept: text/html) gets the login
// form, anything else a line of text; both the WWW-Authenticate header.
func (s *Server) unauthorized(w http.ResponseWriter, r *http.Request, why string) {
	w.Header().Set("WWW-Authenticate", `Bearer realm="fossamaint"`)
	w.Header().Set("Cache-Control", "no-store")
	if !strings.Contains(r.Header.Get("Accept"), "text/html") {
		msg := "unauthorized: send Authorization: Bearer TOKEN (serve.auth.token), or sign in at /login"
		if why != "" {
			msg = "unauthorized: " + why
		}
		http.Error(w, msg, http.StatusUnauthorized)
		return
	}
	next := ""
	if r.Method == http.MethodGet {
		next = r.URL.RequestURI()
	}
	id := "c:" + s.guard.loginCookie(w, r)
	ctx := WithCSRFToken(r.Context(), s.guard.csrf.token(id))
	s.renderLogin(w, r.WithContext(ctx), http.StatusUnauthorized, next, why)
}

func tooMany(w http.ResponseWriter, wait time.Duration) {
	secs := int((wait + time.Second - 1) / time.Second)
	w.Header().Set("Retry-After", strconv.Itoa(max(secs, 1)))
	http.Error(w, fmt.Sprintf("too many failed logins from this address: try again in %d s", max(secs, 1)), http.StatusTooManyRequests)
}

// loginCookie is the browser's login cookie, set when it has none.
func (g *guard) loginCookie(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(loginCookie); err == nil && len(c.Value) == 43 {
		return c.Value
	}
	v := randomID()
	http.SetCookie(w, &http.Cookie{Name: loginCookie, Value: v, Path: "/", HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: g.cfg.Secure})
	return v
}

// loginData is what login.html shows.
type loginData struct {
	Next, Message, Label string
}

func (s *Server) renderLogin(w http.ResponseWriter, r *http.Request, status int, next, msg string) {
	label := "Password"
	switch c := s.guard.cfg; {
	case c.Token != "" && c.PasswordHash != "":
		label = "Password or access token"
	case c.Token != "":
		label = "Access token"
	}
	w.Header().Set("Cache-Control", "no-store")
	s.renderStatus(w, r, status, "login.html", "Sign in", "", loginData{Next: safeNext(next), Message: msg, Label: label})
}

// renderStatus is render with a status other than 200.
func (s *Server) renderStatus(w http.ResponseWriter, r *http.Request, status int, name, title, nav string, data any) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	s.render(w, r, name, title, nav, data)
}

// safeNext is a local path to go to after login: never another host
// ("//evil", "https://...", "/\t/evil": browsers drop tabs and newlines
// from a URL, and "/\\evil" is "//evil" to them).
func safeNext(p string) string {
	u, err := url.Parse(p)
	if err != nil || u.Scheme != "" || u.Host != "" || strings.ContainsAny(p, "\t\r\n\\") ||
		!strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.HasPrefix(p, "/login") {
		return "/"
	}
	return p
}

func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) {
	s.renderLogin(w, r, http.StatusOK, r.URL.Query().Get("next"), "")
}

// login checks the password or token of the login form: a session
// cookie and a redirect when right; a failure counted against the
// client's address when wrong (429 past the limit).
func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	g := s.guard
	now, ip := g.cfg.Now(), clientIP(r)
	if wait, blocked := g.limit.attempt(ip, now); blocked {
		tooMany(w, wait)
		return
	}
	secret := r.PostFormValue("password")
	if secret == "" {
		secret = r.PostFormValue("token")
	}
	if !g.check(secret) {
		s.renderLogin(w, r, http.StatusUnauthorized, r.PostFormValue("next"), "Wrong password or token.")
		return
	}
	g.limit.reset(ip)
	id := g.sessions.create(now)
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: id, Path: "/", HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: g.cfg.Secure, MaxAge: int(g.cfg.SessionTTL / time.Second)})
	http.Redirect(w, r, safeNext(r.PostFormValue("next")), http.StatusSeeOther)
}

// check is the login form's secret against the token (constant time)
// and the bcrypt hash.
func (g *guard) check(secret string) bool {
	if secret == "" {
		return false
	}
	if g.cfg.Token != "" && subtle.ConstantTimeCompare([]byte(secret), []byte(g.cfg.Token)) == 1 {
		return true
	}
	if g.cfg.PasswordHash == "" {
		return false
	}
	bcryptSlots <- struct{}{}
	defer func() { <-bcryptSlots }()
	return bcrypt.CompareHashAndPassword([]byte(g.cfg.PasswordHash), []byte(secret)) == nil
}

// logout ends the session and goes to the login page.
func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	if id, ok := strings.CutPrefix(identity(r.Context()), "s:"); ok {
		s.guard.sessions.remove(id)
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: s.guard.cfg.Secure, MaxAge: -1})
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// clientIP is the address the request came from. X-Forwarded-For is not
// read: any client could set it to escape the login rate limit.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// randomID is 32 random bytes, base64url without padding (43 bytes).
func randomID() string {
	b := make([]byte, 32)
	// crypto/rand.Read never fails (Go 1.24+: it crashes the program
	// instead of returning a predictable id).
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// sessions are the logins: id to expiry, in memory (a restart signs
// everyone out).
type sessions struct {
	mu  sync.Mutex
	ttl time.Duration
	m   map[string]time.Time
}

func newSessions(ttl time.Duration) *sessions {
	return &sessions{ttl: ttl, m: map[string]time.Time{}}
}

func (s *sessions) create(now time.Time) string {
	id := randomID()
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.m) >= maxSessions {
		s.evict(now)
	}
	s.m[id] = now.Add(s.ttl)
	return id
}

// evict drops the expired sessions, or else the one nearest its expiry.
func (s *sessions) evict(now time.Time) {
	var soonest string
	for id, exp := range s.m {
		if !now.Before(exp) {
			delete(s.m, id)
		} else if soonest == "" || exp.Before(s.m[soonest]) {
			soonest = id
		}
	}
	if len(s.m) >= maxSessions {
		delete(s.m, soonest)
	}
}

func (s *sessions) valid(id string, now time.Time) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	exp, ok := s.m[id]
	if ok && !now.Before(exp) {
		delete(s.m, id)
		return false
	}
	return ok
}

func (s *sessions) remove(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, id)
}
