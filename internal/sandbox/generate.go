package sandbox

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/fossawork/fossamaint/internal/durable"
)

// Size is how big a demo installation is.
type Size string

// Sizes: about 20k, 200k and 2M work orders.
const (
	Small  Size = "small"
	Medium Size = "medium"
	Large  Size = "large"
)

type sizeSpec struct {
	workOrders, users, logScale int
}

var sizes = map[Size]sizeSpec{
	Small:  {20_000, 50, 1},
	Medium: {200_000, 200, 4},
	Large:  {2_000_000, 500, 20},
}

// purgeFraction of the oldest work orders is deleted after the load.
const purgeFraction = 0.15

// Options says where and how big to build, and when "now" is.
type Options struct {
	// Dir must not exist or be empty.
	Dir  string
	Size Size
	// Now anchors every date in the tree (logs, backups, certificate).
	Now  time.Time
	Seed int64
	// Executable is the fossamaint binary the service commands run.
	Executable string
	// Progress receives one line per stage; nil for silence.
	Progress io.Writer
	// DatabaseURL, when set, is an empty PostgreSQL database (a libpq
	// URL) that gets the application's schema and rows instead of the
	// SQLite file; backend/.env's DATABASE_URL names it, as the
	// application reads it, and the backend serves from it.
	DatabaseURL string
	// QuietBackend turns off the backend's own writer (a work order every
	// 200 ms by default, like an installation whose automation runs at
	// night), for measuring what maintenance costs when nothing writes.
	QuietBackend bool
	// Offsite, when set, is an S3 server (started before Generate, its
	// files in OffsiteDir) that the config's backups.offsite copies the
	// backups to, encrypted with an age identity Generate makes;
	// installation.id is then OffsiteInstallationID.
	Offsite *Offsite
}

// Installation describes a generated demo tree; counts are counted.
type Installation struct {
	Dir          string
	ConfigPath   string
	SettingsPath string
	// DBPath is the SQLite database; DatabaseURL the PostgreSQL one
	// (Options.DatabaseURL), and then DBPath is empty.
	DBPath      string
	DatabaseURL string
	// DBBytes is the PostgreSQL database's size (pg_database_size).
	DBBytes int64
	// Addr is the backend's loopback host:port; BaseURL is http://Addr.
	Addr    string
	BaseURL string

	WorkOrders     int
	Dispensers     int
	Users          int
	AutomationJobs int
	// FreelistRatio is free pages over all pages of the database.
	FreelistRatio float64
	LogFiles      int
	LogBytes      int64
	Backups       int
	CertNotAfter  time.Time
	// Login is a demo credential the backend accepts.
	Login Credential
	// Venv is the virtualenv with PyPackages installed; "" when this
	// machine has no usable Python, and NoVenv says why.
	Venv   string
	NoVenv string
	// Offsite is what was made for Options.Offsite; nil without.
	Offsite *OffsiteSetup
}

// Generate builds a FossaWork-like installation under opts.Dir. The same
// Seed and Now give the same tree (certificate key material aside).
func Generate(ctx context.Context, opts Options) (*Installation, error) {
	spec, ok := sizes[opts.Size]
	if !ok {
		return nil, fmt.Errorf("demo size %q: want small, medium or large", opts.Size)
	}
	if opts.Now.IsZero() || opts.Executable == "" || opts.Dir == "" {
		return nil, errors.New("demo: Dir, Now and Executable must be set")
	}
	dir, err := prepareDir(opts.Dir, opts.DatabaseURL != "", opts.Offsite != nil)
	if err != nil {
		return nil, err
	}
	addr, err := freeLoopbackAddr()
	if err != nil {
		return nil, err
	}
	progress := &syncWriter{w: opts.Progress}
	inst := &Installation{Dir: dir, Addr: addr, BaseURL: "http://" + addr,
		DBPath: filepath.Join(dir, "backend", "fossawork_v2.db"), DatabaseURL: opts.DatabaseURL}
	if opts.DatabaseURL != "" {
		inst.DBPath = ""
	}
	if err := generateTree(ctx, inst, spec, opts, progress); err != nil {
		return nil, err
	}
	settings := defaultSettings(addr, newFaker(opts.Seed, 7))
	if opts.QuietBackend {
		settings.MaxWrites = 0
	}
	if err := writeSettings(dir, settings); err != nil {
		return nil, err
	}
	inst.SettingsPath = filepath.Join(dir, SettingsFile)
	inst.Login = settings.Users[0]
	progress.printf("writing %s\n", ConfigFile)
	cfg := demoConfig(dir, opts.Executable, addr, opts.DatabaseURL != "")
	if opts.Offsite != nil {
		if inst.Offsite, err = writeOffsite(dir, opts.Offsite, opts.Now, &cfg); err != nil {
			return nil, err
		}
	}
	if inst.ConfigPath, err = writeConfig(dir, cfg); err != nil {
		return nil, err
	}
	if err := writeLastWeekBenchmark(filepath.Join(dir, "logs", "reports"), opts.Now); err != nil {
		return nil, fmt.Errorf("planting last week's benchmark: %w", err)
	}
	return inst, nil
}

// PGClusterDir is where, inside the installation, `demo --db postgres`
// keeps its private PostgreSQL cluster (started before Generate, which
// accepts it as the directory's only entry).
const PGClusterDir = "postgres"

// prepareDir makes dir absolute and checks it is new or empty (but for
// PGClusterDir when withCluster, OffsiteDir when withOffsite: the servers
// the CLI started before Generate).
func prepareDir(dir string, withCluster, withOffsite bool) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("demo dir %s: %w", dir, err)
	}
	entries, err := os.ReadDir(abs)
	switch {
	case errors.Is(err, os.ErrNotExist):
	case err != nil:
		return "", fmt.Errorf("reading demo dir %s: %w", abs, err)
	case slices.ContainsFunc(entries, func(e os.DirEntry) bool {
		return !(withCluster && e.Name() == PGClusterDir || withOffsite && e.Name() == OffsiteDir)
	}):
		return "", fmt.Errorf("demo dir %s is not empty: choose a new directory", abs)
	}
	if err := os.MkdirAll(abs, 0o755); err != nil {
		return "", fmt.Errorf("creating demo dir %s: %w", abs, err)
	}
	for _, d := range []struct {
		path string
		mode os.FileMode
	}{{"backend", 0o755}, {"backend/data", 0o755}, {"state", 0o700}} {
		p := filepath.Join(abs, d.path)
		if err := os.MkdirAll(p, d.mode); err != nil {
			return "", fmt.Errorf("creating %s: %w", p, err)
		}
		// Explicit: backend/data at 0755 is a planted finding, whatever the umask.
		if err := os.Chmod(p, d.mode); err != nil {
			return "", fmt.Errorf("chmod %s: %w", p, err)
		}
	}
	return abs, nil
}

// generateTree builds the database on one goroutine, the virtualenv on
// another (python3 -m venv takes seconds of its own) and everything else
// on a third: SQLite inserts are single-threaded, the rest is independent.
func generateTree(ctx context.Context, inst *Installation, spec sizeSpec, opts Options, progress *syncWriter) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg    sync.WaitGroup
		once  sync.Once
		first error
	)
	fail := func(err error) {
		if err != nil {
			once.Do(func() { first = err })
			cancel()
		}
	}
	wg.Go(func() { fail(generateDB(ctx, inst, spec, opts, progress)) })
	wg.Go(func() { fail(generateFiles(ctx, inst, spec, opts, progress)) })
	wg.Go(func() {
		venv, err := generatePython(ctx, inst.Dir, progress)
		if errors.Is(err, errNoPython) {
			inst.NoVenv, err = err.Error(), nil
		}
		inst.Venv = venv
		fail(err)
	})
	wg.Wait()
	return first
}

func generateDB(ctx context.Context, inst *Installation, spec sizeSpec, opts Options, progress *syncWriter) error {
	if opts.DatabaseURL != "" {
		return generatePG(ctx, inst, spec, opts, progress)
	}
	progress.printf("generating database: %d work orders\n", spec.workOrders)
	tmp := inst.DBPath + ".generating"
	removeDBFiles(tmp)
	st, err := createDB(ctx, tmp, dbSpec{WorkOrders: spec.workOrders, Users: spec.users,
		History: 730 * 24 * time.Hour, Purge: purgeFraction}, newFaker(opts.Seed, 1), opts.Now, progress)
	if err == nil {
		err = os.Chmod(tmp, 0o600)
	}
	if err == nil {
		// Loaded with synchronous=OFF: Commit fsyncs it before the rename.
		err = durable.Commit(tmp, inst.DBPath)
	}
	if err != nil {
		removeDBFiles(tmp)
		return fmt.Errorf("generating %s: %w", inst.DBPath, err)
	}
	inst.WorkOrders, inst.Dispensers, inst.Users, inst.AutomationJobs = st.WorkOrders, st.Dispensers, st.Users, st.Jobs
	inst.FreelistRatio = st.FreelistRatio()
	progress.printf("database: %d work orders, %d dispensers, %.0f%% free pages\n",
		st.WorkOrders, st.Dispensers, 100*inst.FreelistRatio)
	return nil
}

func generateFiles(ctx context.Context, inst *Installation, spec sizeSpec, opts Options, progress *syncWriter) error {
	progress.printf("generating %d days of logs\n", LogDays)
	ls, err := writeLogs(ctx, filepath.Join(inst.Dir, "logs"), opts.Now, spec.logScale, newFaker(opts.Seed, 2))
	if err != nil {
		return err
	}
	inst.LogFiles, inst.LogBytes = ls.Files, ls.Bytes
	if err := writeMetrics(ctx, filepath.Join(inst.Dir, "logs"), opts.Now, newFaker(opts.Seed, 3)); err != nil {
		return err
	}
	progress.printf("generating backups\n")
	if opts.DatabaseURL != "" {
		inst.Backups, err = writePGBackups(ctx, inst.Dir, opts.DatabaseURL, opts.Now, newFaker(opts.Seed, 4))
	} else {
		inst.Backups, err = writeBackups(ctx, inst.Dir, opts.Now, newFaker(opts.Seed, 4))
	}
	if err != nil {
		return err
	}
	if inst.CertNotAfter, err = writeCert(inst.Dir, opts.Now, newFaker(opts.Seed, 5)); err != nil {
		return err
	}
	if err := writeEnv(inst.Dir, envDatabaseURL(opts.DatabaseURL), opts.Now, newFaker(opts.Seed, 6)); err != nil {
		return err
	}
	if err := writeHostState(inst.Dir, opts.Now); err != nil {
		return err
	}
	return writeFrontend(inst.Dir, inst.Addr, opts.Now)
}

// syncWriter serialises progress lines from the two generator goroutines.
type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	if s.w == nil {
		return len(p), nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

func (s *syncWriter) printf(format string, a ...any) { fmt.Fprintf(s, format, a...) }
