package web

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestHealthzAndHeaders(t *testing.T) {
	s, err := New(Options{Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	tests := []struct {
		path, want string
		code       int
	}{
		{"/healthz", "ok\n", http.StatusOK},
		{"/static/style.css", ":root", http.StatusOK},
		{"/metrics", "", http.StatusNotFound},
	}
	for _, tt := range tests {
		res, err := http.Get(srv.URL + tt.path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != tt.code || !strings.HasPrefix(string(body), tt.want) {
			t.Errorf("%s: %d %q, want %d %q", tt.path, res.StatusCode, body, tt.code, tt.want)
		}
		csp := res.Header.Get("Content-Security-Policy")
		if !strings.Contains(csp, "script-src 'self'") || !strings.Contains(csp, "frame-ancestors 'none'") {
			t.Errorf("%s: CSP %q", tt.path, csp)
		}
		if res.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: no nosniff", tt.path)
		}
	}
}
