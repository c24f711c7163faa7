package cli

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"

	"github.com/rogpeppe/go-internal/testscript"
)

// webhook starts a loopback webhook for the script: each POST it receives
// is written to $WORK/webhook/N.txt (N from 1: the title query parameter,
// if any, on the first line, then the body), and $WEBHOOK is its
// shoutrrr URL (generic+http://127.0.0.1:PORT). It stops with the
// script: webhook
func webhook(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 0 {
		ts.Fatalf("usage: webhook")
	}
	dir := ts.MkAbs("webhook")
	ts.Check(os.MkdirAll(dir, 0o755))
	var mu sync.Mutex
	n := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		n++
		name := filepath.Join(dir, fmt.Sprintf("%d.txt", n))
		mu.Unlock()
		text := fmt.Sprintf("%s %s\n%s", r.Method, r.URL.Path, body)
		if err := os.WriteFile(name, []byte(text), 0o644); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
		}
	}))
	ts.Defer(srv.Close)
	ts.Setenv("WEBHOOK", "generic+"+srv.URL)
}
