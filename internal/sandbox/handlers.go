package sandbox

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

const (
	defaultPage = 50
	maxPage     = 500
)

func (b *backend) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/health", b.health)
	mux.HandleFunc("GET /api/work-orders", b.listTable(b.sql.listWorkOrders))
	mux.HandleFunc("GET /api/dispensers", b.listTable(b.sql.listDispensers))
	mux.HandleFunc("POST /api/work-orders", b.createWorkOrder)
	mux.HandleFunc("POST /api/auth/login", b.login)
	mux.HandleFunc("GET /api/auth/validate", b.validate)
	mux.HandleFunc("GET /{$}", index)
	// The npm registry of the demo frontend is no part of the
	// application: its requests stay out of the application's log.
	top := http.NewServeMux()
	top.Handle(npmPrefix, b.npm)
	top.Handle("/", b.accessLog(mux))
	return top
}

// statusRecorder remembers the status a handler wrote, for the access log.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

// accessLog writes one JSON line per request to backend-api-<day>.jsonl.
func (b *backend) accessLog(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := b.now()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r)
		ms := float64(b.now().Sub(start).Microseconds()) / 1000
		level := "INFO"
		if rec.status >= 500 {
			level = "ERROR"
		} else if rec.status >= 400 {
			level = "WARNING"
		}
		_ = b.api.entry(requestEntry(start, level, r.Method, r.URL.RequestURI(), rec.status, ms, clientIP(r), r.UserAgent()))
	})
}

func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (b *backend) health(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	var one int
	if err := b.db.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
		writeJSON(w, http.StatusServiceUnavailable, map[string]any{"status": "unhealthy", "database": "error", "error": err.Error()})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"status": "healthy", "database": "connected",
		"version": "2.0.0-demo", "timestamp": b.now().Format("2006-01-02T15:04:05")})
}

// page parses ?limit= and ?offset=.
func page(r *http.Request) (limit, offset int, err error) {
	limit, offset = defaultPage, 0
	if v := r.URL.Query().Get("limit"); v != "" {
		if limit, err = strconv.Atoi(v); err != nil || limit < 1 || limit > maxPage {
			return 0, 0, fmt.Errorf("limit must be 1..%d", maxPage)
		}
	}
	if v := r.URL.Query().Get("offset"); v != "" {
		if offset, err = strconv.Atoi(v); err != nil || offset < 0 {
			return 0, 0, fmt.Errorf("offset must be a non-negative integer")
		}
	}
	return limit, offset, nil
}

// createWorkOrder inserts a work order (with its two dispensers) under
// the id the client gives (?id=), and answers 201 only once the
// transaction committed: an acknowledged write, what the crash campaign
// counts to prove that no committed write is ever lost.
func (b *backend) createWorkOrder(w http.ResponseWriter, r *http.Request) {
	id := r.URL.Query().Get("id")
	if id == "" || len(id) > 64 {
		writeJSON(w, http.StatusBadRequest, map[string]string{"detail": "id (at most 64 characters) is required"})
		return
	}
	ctx := r.Context()
	var user string
	if err := b.db.QueryRowContext(ctx, b.sql.firstUser).Scan(&user); err != nil {
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"detail": err.Error()})
		return
	}
	f := newFaker(int64(len(id))+b.now().UnixNano(), 11)
	now := b.now()
	tx, err := b.db.BeginTx(ctx, nil)
	if err == nil {
		_, err = tx.ExecContext(ctx, b.sql.insertWorkOrder, f.workOrderRow(id, user, now, now)...)
		for n := 0; err == nil && n < 2; n++ {
			_, err = tx.ExecContext(ctx, b.sql.insertDispenser, f.dispenserRow(f.uuid4(), id, n, now, false)...)
		}
		if err == nil {
			err = tx.Commit()
		} else {
			_ = tx.Rollback()
		}
	}
	if err != nil {
		status := http.StatusServiceUnavailable
		if b.sql.conflict(err) {
			status = http.StatusConflict
		}
		writeJSON(w, status, map[string]string{"detail": err.Error()})
		return
	}
	writeJSON(w, http.StatusCreated, map[string]string{"id": id})
}

// listTable serves one page of a query whose last two parameters are
// LIMIT and OFFSET, as JSON objects keyed by column name.
func (b *backend) listTable(query string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		limit, offset, err := page(r)
		if err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"detail": err.Error()})
			return
		}
		items, err := b.queryMaps(r.Context(), query, limit, offset)
		if err != nil {
			b.logf("ERROR", "Query failed on %s: %v", r.URL.Path, err)
			writeJSON(w, http.StatusInternalServerError, map[string]string{"detail": "database error"})
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"items": items, "limit": limit, "offset": offset, "count": len(items)})
	}
}

func (b *backend) queryMaps(ctx context.Context, query string, args ...any) ([]map[string]any, error) {
	rows, err := b.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	out := []map[string]any{}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		m := make(map[string]any, len(cols))
		for i, c := range cols {
			m[c] = vals[i]
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

func (b *backend) login(w http.ResponseWriter, r *http.Request) {
	var req Credential
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10)).Decode(&req); err != nil {
		writeJSON(w, http.StatusUnprocessableEntity, map[string]string{"detail": "body must be JSON {username, password}"})
		return
	}
	if !b.validCredential(req) {
		_ = b.api.entry(authFailure(b.now(), req.Username, clientIP(r), r.UserAgent()))
		writeJSON(w, http.StatusUnauthorized, map[string]string{"detail": "Incorrect username or password"})
		return
	}
	var raw [32]byte
	if _, err := rand.Read(raw[:]); err != nil {
		writeJSON(w, http.StatusInternalServerError, map[string]string{"detail": "token generation failed"})
		return
	}
	token := hex.EncodeToString(raw[:])
	b.mu.Lock()
	b.tokens[token] = req.Username
	b.mu.Unlock()
	b.logf("INFO", "User %s logged in from %s", req.Username, clientIP(r))
	writeJSON(w, http.StatusOK, map[string]any{"access_token": token, "token_type": "bearer",
		"user": map[string]string{"username": req.Username}})
}

func (b *backend) validCredential(c Credential) bool {
	ok := false
	for _, u := range b.s.Users {
		// Compare both fields every time: no early exit to time.
		uo := subtle.ConstantTimeCompare([]byte(u.Username), []byte(c.Username))
		po := subtle.ConstantTimeCompare([]byte(u.Password), []byte(c.Password))
		if uo&po == 1 && u.Password != "" {
			ok = true
		}
	}
	return ok
}

func (b *backend) validate(w http.ResponseWriter, r *http.Request) {
	token, found := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	b.mu.Lock()
	user, ok := b.tokens[token]
	b.mu.Unlock()
	if !found || !ok {
		w.Header().Set("WWW-Authenticate", "Bearer")
		writeJSON(w, http.StatusUnauthorized, map[string]string{"detail": "Not authenticated"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"valid": true, "username": user})
}

func index(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = w.Write([]byte(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>FossaWork V2 (demo)</title></head>
<body><div id="root"><h1>FossaWork V2</h1><p>Demo frontend served by fossamaint demo-backend.</p></div></body></html>
`))
}
