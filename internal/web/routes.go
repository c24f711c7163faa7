package web

import (
	"io/fs"
	"net/http"
)

// routes is the dashboard's one route table.
func (s *Server) routes(mux *http.ServeMux) {
	static, _ := fs.Sub(staticFS, "static")
	mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)))
	mux.HandleFunc("GET /healthz", s.healthz)
	// pages (webpages)
	mux.HandleFunc("GET /{$}", s.runsPage)
	mux.HandleFunc("GET /runs/{id}", s.runPage)
	mux.HandleFunc("GET /backups", s.backupsPage)
	mux.HandleFunc("GET /now", s.nowPage)
	mux.HandleFunc("GET /now/events", s.events)
	mux.HandleFunc("GET /static/report.css", s.reportCSS)
	mux.HandleFunc("GET /trends", s.trends)
	if s.o.Fleet != nil {
		mux.HandleFunc("GET /fleet", s.fleetPage)
		mux.HandleFunc("GET /api/fleet", s.fleetAPI)
	}
	if s.o.Metrics != nil {
		mux.Handle("GET /metrics", s.o.Metrics)
	}
	// Login and actions (webauth): only behind Protect with authentication.
	if s.guard != nil && s.guard.cfg.Enabled() {
		mux.HandleFunc("GET /login", s.loginPage)
		mux.HandleFunc("POST /login", s.login)
		mux.HandleFunc("POST /logout", s.logout)
		if len(s.o.Actions) > 0 {
			mux.HandleFunc("GET /actions", s.actionsPage)
			mux.HandleFunc("POST /actions/{name}", s.runAction)
		}
	}
}
