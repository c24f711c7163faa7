package web

import (
	"context"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"time"

	"github.com/fossawork/fossamaint/internal/history"
	"github.com/fossawork/fossamaint/internal/install"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Options are what the dashboard shows and how.
type Options struct {
	// History is the run history, opened for reading; nil when there is
	// none yet (the pages say so).
	History *history.Store
	// Installation is the resolved config: the window, the zone, the
	// backup directories.
	Installation *install.Installation
	// Metrics serves /metrics (promhttp over the last run's registry);
	// nil answers 404.
	Metrics http.Handler
	// Now is the clock (tests inject it); nil means time.Now.
	Now func() time.Time
	// Version is fossamaint's version, shown in the footer.
	Version string
	// Actions are offered at /actions when authentication is on (see Protect).
	Actions []Action
	// Fleet reads the fleet database (history.url); nil: no /fleet page.
	Fleet FleetReader
}

// Server is the dashboard.
type Server struct {
	o     Options
	pages map[string]*template.Template
	// hist is the history opened once it exists (hist.go), when
	// Options.History is nil.
	hist  lazyHistory
	guard *guard // set by Protect; nil: no login, no actions
}

// New parses the templates; an error is a bug in them.
func New(o Options) (*Server, error) {
	if o.Now == nil {
		o.Now = time.Now
	}
	s := &Server{o: o, pages: map[string]*template.Template{}}
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, fmt.Errorf("listing the dashboard templates: %w", err)
	}
	for _, n := range names {
		if n == "templates/layout.html" {
			continue
		}
		t, err := template.New("layout.html").Funcs(s.funcs()).ParseFS(templateFS, "templates/layout.html", n)
		if err != nil {
			return nil, fmt.Errorf("parsing the dashboard template %s: %w", n, err)
		}
		s.pages[n[len("templates/"):]] = t
	}
	return s, nil
}

// Handler is the dashboard's routes wrapped in its security headers.
// Authentication, when configured, wraps this handler (see the serve
// command).
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	s.routes(mux)
	return securityHeaders(mux)
}

// page is what every template gets: the layout reads Title, Nav and CSRF;
// the page's own "content" block reads Data.
type page struct {
	Title string
	// Nav is the navigation entry to mark current ("runs", "trends", ...).
	Nav string
	// CSRF is the token a form must post back (set by Protect's guard,
	// with or without authentication); empty without Protect.
	CSRF    string
	Version string
	Now     time.Time
	Data    any

	// Actions shows the Actions entry; SignedIn the sign-out button;
	// Fleet the Fleet entry.
	Actions, SignedIn, Fleet bool
}

// render writes the page template name (e.g. "runs.html") with data.
func (s *Server) render(w http.ResponseWriter, r *http.Request, name, title, nav string, data any) {
	t, ok := s.pages[name]
	if !ok {
		http.Error(w, "no template "+name, http.StatusInternalServerError)
		return
	}
	p := page{Title: title, Nav: nav, CSRF: CSRFToken(r.Context()), Version: s.o.Version, Now: s.o.Now().In(s.zone()), Data: data,
		Actions: s.guard != nil && s.guard.cfg.Enabled() && len(s.o.Actions) > 0, SignedIn: signedIn(r.Context()), Fleet: s.o.Fleet != nil}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := t.ExecuteTemplate(w, "layout.html", p); err != nil {
		// Headers are gone; the truncated page shows the failure.
		fmt.Fprintf(w, "\n<p class=error>rendering %s: %s</p>", template.HTMLEscapeString(name), template.HTMLEscapeString(err.Error()))
	}
}

func (s *Server) funcs() template.FuncMap {
	return template.FuncMap{}
}

type csrfKey struct{}

// WithCSRFToken returns ctx carrying the request's CSRF token: the
// authentication layer sets it, render puts it in every page's forms.
func WithCSRFToken(ctx context.Context, token string) context.Context {
	return context.WithValue(ctx, csrfKey{}, token)
}

// CSRFToken is the token WithCSRFToken put in ctx, or "".
func CSRFToken(ctx context.Context) string {
	t, _ := ctx.Value(csrfKey{}).(string)
	return t
}

// securityHeaders: no inline script, no framing, no sniffing, no referrer
// leaking run ids.
func securityHeaders(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("Referrer-Policy", "no-referrer")
		h.ServeHTTP(w, r)
	})
}

func (s *Server) healthz(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	fmt.Fprintln(w, "ok")
}
