package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/fossawork/fossamaint/internal/durable"
	"github.com/fossawork/fossamaint/internal/pgdb"
	"github.com/fossawork/fossamaint/internal/sandbox"
)

// demoBackendCmd is the demo's simulated FossaWork backend and the
// start/stop/status commands the exec service manager runs for it.
func (a *app) demoBackendCmd() *cobra.Command {
	var dir string
	c := &cobra.Command{
		Use:     "demo-backend",
		Short:   "The demo installation's simulated backend (used by `fossamaint demo`)",
		Hidden:  true,
		Example: "  fossamaint demo-backend serve --dir /tmp/fossamaint-demo-123",
	}
	c.PersistentFlags().StringVar(&dir, "dir", "", "the demo installation directory")
	_ = c.MarkPersistentFlagRequired("dir")
	c.AddCommand(
		&cobra.Command{Use: "serve", Short: "Serve in the foreground until interrupted", Args: cobra.NoArgs,
			RunE: func(cmd *cobra.Command, _ []string) error { return sandbox.RunBackend(cmd.Context(), dir) }},
		&cobra.Command{Use: "start", Short: "Start the backend detached", Args: cobra.NoArgs,
			RunE: func(cmd *cobra.Command, _ []string) error {
				exe, err := os.Executable()
				if err != nil {
					return err
				}
				return sandbox.StartDaemon(cmd.Context(), dir, []string{exe, "demo-backend", "serve", "--dir", dir})
			}},
		&cobra.Command{Use: "stop", Short: "Stop the detached backend", Args: cobra.NoArgs,
			RunE: func(cmd *cobra.Command, _ []string) error {
				return sandbox.StopDaemon(cmd.Context(), dir, 10*time.Second)
			}},
		&cobra.Command{Use: "status", Short: "Exit 0 if the backend runs, 1 if not", Args: cobra.NoArgs,
			RunE: func(cmd *cobra.Command, _ []string) error {
				_, running, err := sandbox.DaemonStatus(dir)
				if err != nil {
					return err
				}
				if !running {
					// Not LSB's 3, which is ExitOutside here: a status
					// check that found something, so a warning. The exec
					// manager reads any non-zero exit as "not active".
					return exitSilently(ExitWarn)
				}
				return nil
			}},
	)
	return c
}

// demoPGDatabase is the demo application's database on its private
// PostgreSQL server.
const demoPGDatabase = "fossawork_v2"

// demoPostgres is `demo --db postgres`'s private server: an initdb
// cluster in the installation's postgres/ directory, socket only.
type demoPostgres struct {
	cluster *pgdb.Cluster
	url     string
	version string
	// kept: the demo ends with the server running (--keep, --serve).
	kept, stopped bool
}

// demoPostgresBin is the PostgreSQL server's bin directory, or a usage
// error (64) saying what to install.
func demoPostgresBin() (string, error) {
	bin, err := pgdb.ServerBin()
	if err != nil {
		return "", usageErr("demo --db postgres runs a private PostgreSQL server, and none is installed (%v): install it with `apt-get install -y postgresql` (Debian, Ubuntu), or run the demo with --db sqlite", err)
	}
	return bin, nil
}

// startDemoPostgres starts the private cluster in dir/postgres and makes
// the application's empty database. When fossamaint is root the server
// runs as the postgres (or nobody) user, which must be able to enter
// dir: the demo's own temp dir (ours) is opened to 0711 for it, and a
// --dir is left as demoDir made it (StartCluster then says which
// directory keeps the server out).
func (a *app) startDemoPostgres(ctx context.Context, bin, dir string, ours bool) (*demoPostgres, error) {
	if ours && os.Geteuid() == 0 {
		if err := os.Chmod(dir, 0o711); err != nil {
			return nil, fmt.Errorf("letting the PostgreSQL server's user into %s: %w", dir, err)
		}
	}
	fmt.Fprintf(a.stderr, "demo: starting a private PostgreSQL server (%s) in %s\n", bin, filepath.Join(dir, sandbox.PGClusterDir))
	c, err := pgdb.StartCluster(ctx, pgdb.ClusterOptions{Dir: filepath.Join(dir, sandbox.PGClusterDir), Bin: bin})
	if err != nil {
		return nil, fmt.Errorf("starting the demo's PostgreSQL server: %w", err)
	}
	pg := &demoPostgres{cluster: c, url: c.URL(demoPGDatabase)}
	if err := c.CreateDatabase(ctx, demoPGDatabase); err != nil {
		return nil, errors.Join(fmt.Errorf("the demo's PostgreSQL server: %w", err), pg.stop())
	}
	db, err := pgdb.Open(ctx, pg.url)
	if err != nil {
		return nil, errors.Join(err, pg.stop())
	}
	pg.version = db.Version
	_ = db.Close()
	fmt.Fprintf(a.stderr, "demo: PostgreSQL %s ready, database %s on socket %s (no TCP)\n", pg.version, demoPGDatabase, c.SocketDir)
	return pg, nil
}

// stop stops the server unless it is kept; nil or stopped: nothing.
func (pg *demoPostgres) stop() error {
	if pg == nil || pg.kept || pg.stopped {
		return nil
	}
	pg.stopped = true
	return pg.cluster.Close()
}

// stopDemoPostgres stops the demo's server and says so when that fails.
func (a *app) stopDemoPostgres(pg *demoPostgres) {
	if err := pg.stop(); err != nil {
		fmt.Fprintf(a.stderr, "demo: stopping the PostgreSQL server: %v\n", err)
	}
}

// keepDemoPostgres leaves the server running with the kept installation
// and says how to stop it (and start it again: it keeps its socket
// directory, so the DATABASE_URL in backend/.env stays right).
func (a *app) keepDemoPostgres(pg *demoPostgres) {
	if pg == nil {
		return
	}
	pg.kept = true
	c := pg.cluster
	ctl := filepath.Join(c.Bin, "pg_ctl")
	as := ""
	if os.Geteuid() == 0 {
		as = "runuser -u " + fileOwner(c.DataDir) + " -- "
	}
	fmt.Fprintf(a.stderr, "demo: its PostgreSQL %s server keeps running (database %s, socket %s): stop it with `%s%s stop -D %s`; start it again with `%s%s start -D %s -l %s`\n",
		pg.version, demoPGDatabase, c.SocketDir, as, ctl, c.DataDir, as, ctl, c.DataDir, filepath.Join(c.Dir, "server.log"))
}

// fileOwner is the name of path's owner ("postgres" when unknown).
func fileOwner(path string) string {
	fi, err := os.Stat(path)
	if err != nil {
		return "postgres"
	}
	uid, _, ok := durable.FileOwner(fi)
	if !ok {
		return "postgres"
	}
	if u, err := user.LookupId(strconv.Itoa(uid)); err == nil {
		return u.Username
	}
	return strconv.Itoa(uid)
}
