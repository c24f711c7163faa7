package cli

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/spf13/cobra"

	"github.com/fossawork/fossamaint/internal/backup"
	"github.com/fossawork/fossamaint/internal/fleet"
	"github.com/fossawork/fossamaint/internal/history"
	"github.com/fossawork/fossamaint/internal/install"
	"github.com/fossawork/fossamaint/internal/redact"
	"github.com/fossawork/fossamaint/internal/report"
	"github.com/fossawork/fossamaint/internal/runbook"
	"github.com/fossawork/fossamaint/internal/web"
)

// shutdownTimeout bounds the graceful stop: requests in flight finish,
// the live pages' event streams and a running action are cancelled.
const shutdownTimeout = 10 * time.Second

func (a *app) serveCmd() *cobra.Command {
	var addr string
	c := &cobra.Command{
		Use:   "serve",
		Short: "Serve the dashboard: runs, reports, trends, backups, live progress, /metrics",
		Long: `Serves the dashboard over HTTP (HTTPS with serve.tls.cert and key): the
runs, each run's report, the trends over the weeks, the backups, the next
window and a running run's progress, /metrics (the Prometheus metrics of
the latest finished weekly run) and /healthz. It reads the history and
never writes it.

It listens on serve.addr (127.0.0.1:8090), or --addr. Any address but a
loopback one needs serve.auth: serve.auth.token (sent by scripts and
Prometheus in an Authorization header, or typed into the login form),
serve.auth.password_hash (bcrypt, for the login form), or both. Without
it serve refuses to start (exit 64). With it every page but /healthz needs
the token or a login, and the Actions page (serve.actions) can verify the
newest backup or run a weekly dry run; nothing destructive. Every POST
needs the CSRF token of its page.

It prints the URL, and stops gracefully on Ctrl-C or SIGTERM (exit 0).`,
		Example: `  fossamaint serve                          # http://127.0.0.1:8090/
  fossamaint serve --addr 127.0.0.1:0       # a free port; the URL is printed
  fossamaint serve --addr 0.0.0.0:8090      # every interface: needs serve.auth
  fossamaint serve --config /etc/fossamaint/fossamaint.yaml`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			in, err := a.installation()
			if err != nil {
				return err
			}
			if !cmd.Flags().Changed("addr") {
				addr = in.Config.Serve.Addr
			}
			return a.serve(cmd.Context(), in, addr)
		},
	}
	c.Flags().StringVar(&addr, "addr", "", "host:port to listen on (default serve.addr, 127.0.0.1:8090); port 0 picks a free one")
	return c
}

// serve runs the dashboard on addr until ctx is cancelled.
func (a *app) serve(ctx context.Context, in *install.Installation, addr string) error {
	sc := in.Config.Serve
	if err := checkServeAddr(addr, sc.Auth.Enabled()); err != nil {
		return err
	}
	tlsConf, err := serveTLS(in)
	if err != nil {
		return err
	}
	var actions []web.Action
	if sc.Actions && sc.Auth.Enabled() {
		actions = a.serveActions(in)
	}
	// The dashboard opens the history itself (read-only, following the
	// weekly run's writes, picked up once it exists); /metrics reads the
	// same store.
	var srv *web.Server
	metrics := a.metricsHandler(in, func(ctx context.Context) (*history.Store, error) { return srv.History(ctx) })
	fleetReader, closeFleet, err := a.fleetReader(in)
	if err != nil {
		return err
	}
	defer closeFleet()
	srv, err = web.New(web.Options{Installation: in, Metrics: metrics, Now: a.now, Version: Version, Actions: actions, Fleet: fleetReader})
	if err != nil {
		return err
	}
	defer srv.Close()
	h, err := srv.Protect(web.AuthConfig{Token: sc.Auth.Token, PasswordHash: sc.Auth.PasswordHash,
		SessionTTL: sc.Auth.SessionTTL.D(), Secure: tlsConf != nil})
	if err != nil {
		return withCode(ExitUsage, err)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return withCode(ExitUsage, fmt.Errorf("listening on %s: %w (another process holds the port? choose another with --addr)", addr, err))
	}
	scheme := "http"
	if tlsConf != nil {
		scheme, ln = "https", tls.NewListener(ln, tlsConf)
	} else if !isLoopback(addr) {
		fmt.Fprintln(a.stderr, "warning: no serve.tls: logins and tokens cross the network in clear; set serve.tls.cert and serve.tls.key, or put a TLS proxy in front")
	}
	fmt.Fprintf(a.stdout, "serving the dashboard on %s://%s/ (Ctrl-C stops)\n", scheme, ln.Addr())
	return a.runServer(ctx, h, ln)
}

// runServer serves ln until ctx ends, then shuts down gracefully.
func (a *app) runServer(ctx context.Context, h http.Handler, ln net.Listener) error {
	base, cancel := context.WithCancel(context.WithoutCancel(ctx))
	defer cancel()
	hs := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          log.New(a.stderr, "serve: ", 0),
		BaseContext:       func(net.Listener) context.Context { return base },
	}
	// Streams and actions watch their request's context: end them when
	// the shutdown starts, so that it does not wait for them.
	hs.RegisterOnShutdown(cancel)
	done := make(chan error, 1)
	go func() { done <- hs.Serve(ln) }()
	select {
	case err := <-done:
		return fmt.Errorf("serving the dashboard: %w", err)
	case <-ctx.Done():
	}
	sctx, stop := context.WithTimeout(context.Background(), shutdownTimeout)
	defer stop()
	err := hs.Shutdown(sctx)
	if serr := <-done; !errors.Is(serr, http.ErrServerClosed) && err == nil {
		err = serr
	}
	if err != nil {
		return fmt.Errorf("stopping the dashboard: %w", err)
	}
	fmt.Fprintln(a.stdout, "dashboard stopped")
	return nil
}

// checkServeAddr refuses a non-loopback address without authentication
// (exit 64, with the reason).
func checkServeAddr(addr string, auth bool) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return usageErr("--addr %q is not host:port (e.g. 127.0.0.1:8090)", addr)
	}
	if auth || isLoopback(addr) {
		return nil
	}
	where := host
	if host == "" || net.ParseIP(host).IsUnspecified() {
		where = "every interface"
	}
	return usageErr("refusing to serve on %s (%s) without authentication: anyone who reaches it would see the runs and the backups; set serve.auth.token (e.g. ${FOSSAMAINT_SERVE_TOKEN}) or serve.auth.password_hash, or serve on 127.0.0.1", addr, where)
}

// isLoopback: addr's host is localhost or a loopback address.
func isLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	ip := net.ParseIP(host)
	return host == "localhost" || (ip != nil && ip.IsLoopback())
}

// serveTLS loads serve.tls.cert and key: nil without them, exit 64 when
// they cannot be read or do not match.
func serveTLS(in *install.Installation) (*tls.Config, error) {
	t := in.Config.Serve.TLS
	if t.Cert == "" && t.Key == "" {
		return nil, nil
	}
	cert, key := in.Config.Path(t.Cert), in.Config.Path(t.Key)
	pair, err := tls.LoadX509KeyPair(cert, key)
	if err != nil {
		return nil, withCode(ExitUsage, fmt.Errorf("serve.tls: loading %s and %s: %w (check that both are readable PEM files of one certificate and its key)", cert, key, err))
	}
	return &tls.Config{Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS12}, nil
}

// metricsHandler serves the Prometheus registry of the latest finished
// weekly run, built per scrape (the textfile's metrics, backups as they
// are now); a comment alone while there is none.
func (a *app) metricsHandler(in *install.Installation, open func(context.Context) (*history.Store, error)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		store, err := open(r.Context())
		var run *runbook.Run
		if err == nil {
			run, err = latestFinished(r.Context(), store)
		}
		if err == nil && run != nil {
			reg, rerr := a.metricsRegistry(r.Context(), in, run)
			if rerr == nil {
				promhttp.HandlerFor(reg, promhttp.HandlerOpts{}).ServeHTTP(w, r)
				return
			}
			err = rerr
		}
		if err != nil {
			http.Error(w, redact.New(a.secrets(in.Config)).String(err.Error()), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
		io.WriteString(w, "# no finished weekly run in the history yet (a run of some phases only does not count, as for the textfile)\n")
	})
}

// latestFinished is the newest whole weekly run that has ended, or nil.
func latestFinished(ctx context.Context, store *history.Store) (*runbook.Run, error) {
	if store == nil {
		return nil, nil
	}
	// The run the textfile holds (afterRun): a whole weekly run that
	// ended; one of some phases only leaves the last whole run's gauges.
	rows, err := store.Runs(ctx, history.RunFilter{})
	if err != nil {
		return nil, err
	}
	for _, r := range rows {
		if !r.Future && !r.Partial && !r.DryRun && r.Status != string(runbook.RunRunning) {
			return store.Get(ctx, r.ID)
		}
	}
	return nil, nil
}

// fleetReader is the /fleet page's reader of history.url (nil without
// it), its errors redacted, and what closes its connections.
func (a *app) fleetReader(in *install.Installation) (web.FleetReader, func(), error) {
	if in.Config.History.URL == "" {
		return nil, func() {}, nil
	}
	db, err := fleet.Open(in.Config.History.URL)
	if err != nil {
		return nil, nil, withCode(ExitUsage, err)
	}
	red := redact.New(a.secrets(in.Config))
	return func(ctx context.Context, now time.Time, weeks int) (*fleet.View, error) {
		v, err := db.View(ctx, now, weeks)
		if err != nil {
			// Redacted, its chain kept: the page tells a timeout by it.
			return nil, redact.WithText(err, red.String(err.Error()))
		}
		return v, nil
	}, db.Close, nil
}

// serveActions are the dashboard's actions: what `backup verify` and
// `weekly --dry-run` run, their output redacted.
func (a *app) serveActions(in *install.Installation) []web.Action {
	red := redact.New(a.secrets(in.Config))
	redacted := func(run func(context.Context) (string, error)) func(context.Context) (string, error) {
		return func(ctx context.Context) (string, error) {
			out, err := run(ctx)
			if err != nil {
				err = errors.New(red.String(err.Error()))
			}
			return red.String(out), err
		}
	}
	return []web.Action{
		{Name: "verify-backup", Title: "Verify the newest backup",
			Description: "What fossamaint backup verify does: its sha256 against the manifest, an integrity check and a restore test in a private temp dir. Reads the backup, changes nothing.",
			Run:         redacted(a.verifyNewestBackup(in)), Timeout: 10 * time.Minute},
		{Name: "dry-run", Title: "Weekly dry run",
			Description: "What fossamaint weekly --dry-run does: every step says what it would do; nothing is changed or recorded. Refused close to the maintenance window, which it must not hold up.",
			Run:         redacted(a.dryRunAction(in, dryRunTimeout)), Timeout: dryRunTimeout},
	}
}

// dryRunTimeout bounds a dry run from the dashboard; none starts when
// the window opens sooner.
const dryRunTimeout = 15 * time.Minute

// verifyNewestBackup is `backup verify` without an ID.
func (a *app) verifyNewestBackup(in *install.Installation) func(context.Context) (string, error) {
	return func(ctx context.Context) (string, error) {
		list, err := backup.List(ctx, in.Backups.Layout, a.now())
		if err != nil {
			return "", err
		}
		targets, err := verifyTargets(list, nil, false)
		if err != nil {
			return "", err
		}
		b := targets[0]
		res, err := backup.VerifyDeep(ctx, b, backup.VerifyOptions{Full: in.Database.Verify == "full"})
		if err != nil {
			return "", err
		}
		var out bytes.Buffer
		printVerify(&out, in.Root, b, res)
		if res.Verdict() == backup.VerdictFailed {
			return out.String(), errors.New("the newest backup failed its verification: see above, and `fossamaint backup list` for an older one")
		}
		return out.String(), nil
	}
}

// dryRunAction is `weekly --dry-run`, refused inside the window or when
// it opens within limit: a dry run holds the state lock's shared side,
// which would keep the weekly run from starting.
func (a *app) dryRunAction(in *install.Installation, limit time.Duration) func(context.Context) (string, error) {
	return func(ctx context.Context) (string, error) {
		now := a.now()
		if _, inside := in.Window.Current(now); inside {
			return "", errors.New("the maintenance window is open: no dry run from the dashboard now (it would share the lock the weekly run takes)")
		}
		// A minute's margin for the cancelled run to release the lock.
		if next := in.Window.Next(now).Start; next.Sub(now) < limit+time.Minute {
			return "", fmt.Errorf("the maintenance window opens at %s, within %s: no dry run from the dashboard now (it could hold up the weekly run)",
				next.In(in.Window.Location).Format("Mon 2006-01-02 15:04 MST"), limit)
		}
		run, err := a.runWeekly(ctx, in, weeklyFlags{dryRun: true, forceWindow: true})
		if run == nil {
			return "", err
		}
		var out bytes.Buffer
		opts := report.Options{Secrets: a.secrets(in.Config)}
		_ = report.Steps(&out, run, opts)
		_ = report.Summary(&out, run, opts)
		return out.String(), err
	}
}
