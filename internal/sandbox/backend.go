package sandbox

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"sync"
	"time"
)

// shutdownGrace bounds how long in-flight requests get on shutdown.
const shutdownGrace = 5 * time.Second

// backend is the simulated FossaWork API over the demo database.
type backend struct {
	s  Settings
	db *sql.DB
	// sql is the engine's queries (dialect.go).
	sql     dialect
	now     func() time.Time
	api     *dayLog
	general *dayLog
	// npm is the demo frontend's registry, under /npm/.
	npm *npmRegistry

	mu     sync.Mutex
	tokens map[string]string // bearer token -> username
}

// RunBackend serves the demo API described by dir/demo-backend.json until
// ctx is cancelled, then shuts down gracefully. While it runs it also
// writes to the database and plants failed-login bursts in its log.
func RunBackend(ctx context.Context, dir string) error {
	s, err := LoadSettings(dir)
	if err != nil {
		return err
	}
	b, err := newBackend(s, time.Now)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", s.Addr)
	if err != nil {
		return errors.Join(fmt.Errorf("demo backend listening on %s: %w", s.Addr, err), b.close())
	}
	err = b.serve(ctx, ln)
	return errors.Join(err, b.close())
}

func newBackend(s Settings, now func() time.Time) (*backend, error) {
	npm, err := newNpmRegistry()
	if err != nil {
		return nil, err
	}
	db, dia, err := openBackendDB(s)
	if err != nil {
		return nil, err
	}
	// Readers and the writer overlap, as the real app's pool does.
	db.SetMaxOpenConns(4)
	logDir := filepath.Join(s.LogDir, "backend")
	api, err := newDayLog(logDir, "backend-api")
	if err != nil {
		return nil, errors.Join(err, db.Close())
	}
	general, err := newDayLog(logDir, "backend-general")
	if err != nil {
		return nil, errors.Join(err, db.Close())
	}
	return &backend{s: s, db: db, sql: dia, now: now, api: api, general: general, npm: npm, tokens: map[string]string{}}, nil
}

// serve runs the HTTP server and the two simulators on ln until ctx ends.
// Every goroutine it starts has returned when it does.
func (b *backend) serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{Handler: b.handler(), ReadHeaderTimeout: 5 * time.Second}
	b.logf("INFO", "Application startup complete on http://%s", ln.Addr())
	simCtx, stopSim := context.WithCancel(ctx)
	defer stopSim()
	var wg sync.WaitGroup
	wg.Go(func() { b.runWriter(simCtx) })
	wg.Go(func() { b.runAttacks(simCtx) })
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()

	var err error
	select {
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownGrace)
		err = srv.Shutdown(sctx)
		cancel()
		if serr := <-served; !errors.Is(serr, http.ErrServerClosed) {
			err = errors.Join(err, serr)
		}
	case err = <-served:
		err = fmt.Errorf("demo backend on %s: %w", ln.Addr(), err)
	}
	stopSim()
	wg.Wait()
	b.logf("INFO", "Shutting down")
	return err
}

func (b *backend) close() error {
	return errors.Join(b.db.Close(), b.api.close(), b.general.close())
}

// logf writes a record to the general log. A logging failure must not take
// the demo service down, so it is dropped.
func (b *backend) logf(level, format string, a ...any) {
	e := LogRecord{T: b.now(), Level: level, Logger: "fossawork", Func: "demo_backend", Line: 1,
		Msg: fmt.Sprintf(format, a...)}
	_ = b.general.entry(e)
}
