package cli

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/fossawork/fossamaint/internal/health"
	"github.com/fossawork/fossamaint/internal/human"
	"github.com/fossawork/fossamaint/internal/install"
	"github.com/fossawork/fossamaint/internal/sandbox"
	"github.com/fossawork/fossamaint/internal/service"
)

type demoFlags struct {
	dir, size string
	db        string
	offsite   string
	keep      bool
	asJSON    bool
	quiet     bool
	notify    []string
	apply     []string
	serve     demoServe // --serve, --addr: cmd_demo_serve.go
}

func (a *app) demoCmd() *cobra.Command {
	var f demoFlags
	c := &cobra.Command{
		Use:   "demo",
		Short: "Generate a FossaWork V2 installation, run the weekly procedure on it, print the report path",
		Long: `Builds a throw-away FossaWork V2 installation (a real SQLite database with
the upstream schema, 100 days of logs in both upstream line shapes, metrics,
backups of various ages, a certificate expiring in 20 days, a .env with a
too-open mode), starts a real backend process on a free loopback port
through the exec service manager, runs the whole weekly procedure against
it, and stops the backend. The installation has planted problems, so the
exit code is normally 1 (finished with warnings).

The installation has its own apt package list, auth log and process tree:
nothing of this machine's packages, logs or other processes is reported.
Only the machine's load, memory and disks are, as "this host".

Its application packages are real and offline. The backend's virtualenv
(backend/venv, made with this machine's python3) has the watched Python
packages installed at old versions from backend/wheelhouse, stand-in wheels
the demo writes, with newer patch, minor and major releases beside them; its
pip.conf points pip there and nowhere else. The frontend's npm registry is
the demo backend itself (/npm/): package.json, package-lock.json and
node_modules name stand-in @fossawork-demo packages, one of them with a
moderate advisory that npm audit reports. Without python3 (and its venv
module) there is no virtualenv and the pip check says so; without npm the
npm check does.

By default updates are reported, not applied (updates.*.apply: none).
--apply MANAGER=POLICY applies them for this run only, as the weekly run
does with that policy (pip and npm take patch, minor or all; the demo's apt
is only reported): the report's Actions Taken lists each upgrade, and the
history records it.

--db postgres puts the application's database on PostgreSQL instead: a
private server (initdb in the installation's postgres/ directory, Unix
socket only, run as the postgres user when fossamaint is root) gets the
same tables and rows, backend/.env's DATABASE_URL names it (as the
application reads it; the config does not), the backend serves from it,
and the weekly run backs it up with pg_dump, restores the dump into a
scratch database to test it, checks and optimises it. It needs Debian's
postgresql package (exit 64 without it). The server is stopped at the end,
unless --keep or --serve keeps it: then the demo prints how to stop it.

Off-site copies (--offsite auto, the default) are shown when the versitygw
S3 server is installed (on PATH, in $GOBIN or $GOPATH/bin; install it with
go install github.com/versity/versitygw/cmd/versitygw@v1.8.0): the demo
starts a private one on a free loopback port, its bucket in the
installation's offsite/ directory, and sets backups.offsite to it, with
its keys named by variables (DEMO_S3_ACCESS_KEY_ID, DEMO_S3_SECRET_ACCESS_KEY,
set for the run and written to offsite/s3.env, never to the config) and age
encryption to an identity generated in offsite/. The weekly run's
backups/offsite step then pushes the verified backups, encrypted. Without
versitygw, or with --offsite off, that step is skipped. The server is
stopped at the end, unless --keep or --serve keeps it.

Without --keep the installation is removed afterwards except its
logs/reports directory, so the printed report path stays valid.`,
		Example: `  fossamaint demo
  fossamaint demo --dir /tmp/fw --size medium --keep
  fossamaint demo --apply pip=minor --apply npm=minor
  fossamaint demo --db postgres
  fossamaint demo --offsite off`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return a.runDemo(cmd.Context(), f) },
	}
	c.Flags().StringVar(&f.dir, "dir", "", "where to build the installation (default: a new temp dir)")
	c.Flags().StringVar(&f.size, "size", "small", "small (~20k work orders), medium (~200k) or large (~2M)")
	c.Flags().StringVar(&f.db, "db", "sqlite", "the application's database: sqlite, or postgres (a private PostgreSQL server in the installation; needs Debian's postgresql package)")
	c.Flags().StringVar(&f.offsite, "offsite", "auto", "off-site copies: auto (to a private versitygw S3 server when versitygw is installed) or off")
	c.Flags().BoolVar(&f.keep, "keep", false, "keep the whole installation afterwards")
	c.Flags().BoolVar(&f.asJSON, "json", false, "print the JSON report on stdout")
	c.Flags().StringArrayVar(&f.notify, "notify", nil, "also send the run's notifications to this shoutrrr URL (repeatable), e.g. generic+http://127.0.0.1:8080/hook")
	c.Flags().StringArrayVar(&f.apply, "apply", nil, "apply MANAGER's updates with POLICY in this run (MANAGER=POLICY, repeatable, e.g. pip=minor; default none: report only)")
	demoServeFlags(c, &f.serve)
	c.Flags().BoolVar(&f.quiet, "quiet-backend", false, "the backend commits nothing on its own (by default it writes a work order every 200 ms)")
	return c
}

func (a *app) runDemo(ctx context.Context, f demoFlags) error {
	size := sandbox.Size(f.size)
	if size != sandbox.Small && size != sandbox.Medium && size != sandbox.Large {
		return usageErr("--size %q: use small, medium or large", f.size)
	}
	policies, err := parsePolicies("--apply", f.apply)
	if err != nil {
		return err
	}
	pgBin, err := demoDB(f.db)
	if err != nil {
		return err
	}
	s3Bin, err := a.demoOffsiteBin(f.offsite)
	if err != nil {
		return err
	}
	f.keep = f.keep || f.serve.on
	dir, ours, err := demoDir(f.dir)
	if err != nil {
		return err
	}
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("finding the fossamaint binary for the demo backend: %w", err)
	}
	var pg *demoPostgres
	if pgBin != "" {
		if pg, err = a.startDemoPostgres(ctx, pgBin, dir, ours); err != nil {
			return err
		}
		// Stopped on every way out, unless the end keeps it.
		defer a.stopDemoPostgres(pg)
	}
	var s3 *demoS3
	if s3Bin != "" {
		if s3, err = a.startDemoS3(ctx, s3Bin, dir, f.keep); err != nil {
			return err
		}
		// Stopped on every way out, unless the end keeps it.
		defer a.stopDemoS3(s3)
	}
	inst, err := a.generateDemo(ctx, f, dir, exe, pg, s3)
	if err != nil {
		return err
	}
	a.configPath = inst.ConfigPath
	in, err := a.installation()
	if err != nil {
		return err
	}
	a.demoPolicies(in, policies)
	if err := a.plantLastWeek(ctx, in, inst); err != nil {
		return err
	}
	in.Config.Notify.URLs = append(in.Config.Notify.URLs, f.notify...)
	stop, err := a.startDemoBackend(ctx, in.Services, inst)
	if err != nil {
		return err
	}
	restore := setEnv(demoRunEnv(inst))
	run, runErr := a.runWeekly(ctx, in, weeklyFlags{forceWindow: true})
	restore()
	stop()
	if !f.keep {
		// The servers first: pruneDemo removes their directories.
		a.stopDemoPostgres(pg)
		a.stopDemoS3(s3)
		defer a.pruneDemo(dir)
	} else {
		bin := a.keptDemo(exe, dir, inst.ConfigPath)
		a.keepDemoPostgres(pg)
		a.keepDemoS3(s3, inst, bin)
	}
	if run == nil {
		return runErr
	}
	return a.serveDemo(ctx, in, run, f.serve, a.finishWeekly(ctx, in, run, f.asJSON, runErr))
}

// demoDir is --dir (given), or else a new private temp dir (ours). A
// given dir must be new or empty, checked here, before the demo's servers
// put their directories in it (Generate checks again, accepting those);
// one that does not exist yet is made 0755, as Generate makes it.
func demoDir(given string) (dir string, ours bool, err error) {
	if given != "" {
		entries, err := os.ReadDir(given)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			if err := os.MkdirAll(given, 0o755); err != nil {
				return "", false, fmt.Errorf("creating demo dir %s: %w", given, err)
			}
		case err != nil:
			return "", false, fmt.Errorf("reading demo dir %s: %w", given, err)
		case len(entries) > 0:
			return "", false, fmt.Errorf("demo dir %s is not empty: choose a new directory", given)
		}
		return given, false, nil
	}
	d, err := os.MkdirTemp("", "fossamaint-demo-")
	if err != nil {
		return "", false, fmt.Errorf("creating a temp dir for the demo: %w", err)
	}
	return d, true, nil
}

// demoRunEnv is what the demo's weekly run needs in its environment: the
// tools' offline sources, and the keys backups.offsite.auth names.
func demoRunEnv(inst *sandbox.Installation) []string {
	env := inst.ToolEnv()
	if inst.Offsite != nil {
		env = append(env, inst.Offsite.Env...)
	}
	return env
}

// demoDB checks --db: "" for sqlite, the PostgreSQL server's bin
// directory for postgres (exit 64 when none is installed).
func demoDB(db string) (string, error) {
	switch db {
	case "sqlite":
		return "", nil
	case "postgres", "postgresql":
		return demoPostgresBin()
	}
	return "", usageErr("--db %q: use sqlite or postgres", db)
}

// generateDemo builds the installation in dir (its database in pg's
// server when pg is set) and says what it built.
func (a *app) generateDemo(ctx context.Context, f demoFlags, dir, exe string, pg *demoPostgres, s3 *demoS3) (*sandbox.Installation, error) {
	size := sandbox.Size(f.size)
	est, _ := sandbox.EstimateOf(size)
	// The generator writes est.WorkOrders, then deletes the oldest as the
	// application's cleanup does (leaving free pages to reclaim): the
	// count after the build is lower, and this line must not contradict it.
	fmt.Fprintf(a.stderr, "demo: generating a %s installation (about %s of logs, a database of about %s: %d work orders generated, then the oldest deleted as the application's cleanup does) in %s...\n",
		size, human.Bytes(est.LogBytes), human.Bytes(est.DBBytes), est.WorkOrders, dir)
	start := time.Now()
	opts := sandbox.Options{Dir: dir, Size: size, Now: a.now(), Seed: 1, Executable: exe, Progress: a.stderr, QuietBackend: f.quiet,
		Offsite: s3.options()}
	if pg != nil {
		opts.DatabaseURL = pg.url
	}
	inst, err := sandbox.Generate(ctx, opts)
	if err != nil {
		return nil, fmt.Errorf("building the demo installation in %s: %w", dir, err)
	}
	fmt.Fprintf(a.stderr, "demo: %d work orders left, %d dispensers, %d log files, %d backups, built in %s\n",
		inst.WorkOrders, inst.Dispensers, inst.LogFiles, inst.Backups, time.Since(start).Round(time.Millisecond))
	if inst.NoVenv != "" {
		fmt.Fprintf(a.stderr, "demo: no virtualenv (%s): updates/pip reports it missing\n", inst.NoVenv)
	}
	return inst, nil
}

// demoPolicies sets the installation's updates.<manager>.apply for this
// run (the config file keeps none) and says so.
func (a *app) demoPolicies(in *install.Installation, policies map[string]string) {
	if len(policies) == 0 {
		return
	}
	var set []string
	for _, m := range slices.Sorted(maps.Keys(policies)) {
		p := policies[m]
		switch m {
		case "apt":
			in.UpdatePolicies.Apt.Apply, in.Config.Updates.Apt.Apply = p, p
		case "pip":
			in.UpdatePolicies.Pip.Apply, in.Config.Updates.Pip.Apply = p, p
		case "npm":
			in.UpdatePolicies.Npm.Apply, in.Config.Updates.Npm.Apply = p, p
		}
		set = append(set, m+"="+p)
	}
	fmt.Fprintf(a.stderr, "demo: applying updates in this run by policy %s (the config's updates.*.apply stay none)\n", strings.Join(set, ", "))
}

// setEnv sets the variables of env ("NAME=value") in this process, for
// the tools it runs, and returns what puts the previous values back.
func setEnv(env []string) (restore func()) {
	type prev struct {
		name, value string
		set         bool
	}
	var olds []prev
	for _, kv := range env {
		name, value, _ := strings.Cut(kv, "=")
		old, set := os.LookupEnv(name)
		olds = append(olds, prev{name, old, set})
		_ = os.Setenv(name, value)
	}
	return func() {
		for _, p := range olds {
			if p.set {
				_ = os.Setenv(p.name, p.value)
			} else {
				_ = os.Unsetenv(p.name)
			}
		}
	}
}

// startDemoBackend starts the backend through the configured (exec)
// service manager and waits until it answers; the returned func stops it.
func (a *app) startDemoBackend(ctx context.Context, svc install.Services, inst *sandbox.Installation) (func(), error) {
	mgr, unit := svc.Manager, svc.Units[0]
	chk := health.Check{Name: unit.Name, URL: unit.HealthURL, Expect: []int{200}, Timeout: 2 * time.Second}
	checker := &health.Checker{}
	probe := func(ctx context.Context) error {
		if r := checker.Probe(ctx, chk); !r.Healthy {
			return fmt.Errorf("%s", r.Err)
		}
		return nil
	}
	ready, err := service.StartAndWait(ctx, mgr, unit.Name, probe, svc.ReadyTimeout)
	stop := func() {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 15*time.Second)
		defer cancel()
		if err := mgr.Stop(sctx, unit.Name); err != nil {
			fmt.Fprintf(a.stderr, "demo: stopping the backend: %v\n", err)
		}
	}
	if err != nil {
		stop()
		return nil, fmt.Errorf("starting the demo backend: %w (its output is in %s)", err, filepath.Join(inst.Dir, "logs", "backend", "demo-backend.out"))
	}
	fmt.Fprintf(a.stderr, "demo: backend %s ready after %s\n", inst.BaseURL, ready.Round(time.Millisecond))
	return stop, nil
}

// pruneDemo removes the installation but its reports.
func (a *app) pruneDemo(dir string) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if e.Name() == "logs" {
			continue
		}
		_ = os.RemoveAll(filepath.Join(dir, e.Name()))
	}
	logEntries, _ := os.ReadDir(filepath.Join(dir, "logs"))
	for _, e := range logEntries {
		if e.Name() != "reports" {
			_ = os.RemoveAll(filepath.Join(dir, "logs", e.Name()))
		}
	}
}

// keptDemo says how to use a kept installation: its backend is stopped, so
// the command that starts it again, and the config to pass. A binary that
// `go run` built is deleted when go run exits, and the kept config's
// service commands point at it: then it says so, and how to keep a demo
// that works afterwards. It returns the fossamaint it names.
func (a *app) keptDemo(exe, dir, config string) string {
	bin := exe
	if goRunBuild(exe, os.TempDir(), os.Getenv("GOTMPDIR")) {
		bin = "fossamaint"
	}
	fmt.Fprintf(a.stderr, "demo: installation kept in %s; its backend is stopped: start it with `%s demo-backend start --dir %s`, then use --config %s (e.g. `%s health --config %s`)\n",
		dir, bin, dir, config, bin, config)
	if bin != exe {
		fmt.Fprintf(a.stderr, "demo: warning: this fossamaint is go run's temporary build (%s), deleted when go run exits, and the kept config's service commands (services.units start/stop/status) point at it: for a kept demo that works afterwards, build a binary: go build -o fossamaint ./cmd/fossamaint && ./fossamaint demo --keep\n", exe)
	}
	return bin
}

// goRunBuild reports whether exe is a binary in go's temporary build
// directory (go run, go test): TMP/go-build.../exe, with TMP os.TempDir()
// or $GOTMPDIR.
func goRunBuild(exe string, tmps ...string) bool {
	for _, tmp := range tmps {
		if tmp == "" {
			continue
		}
		rel, err := filepath.Rel(tmp, exe)
		if err == nil && strings.HasPrefix(rel, "go-build") {
			return true
		}
	}
	return false
}
