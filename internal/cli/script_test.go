package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
	_ "modernc.org/sqlite"

	"github.com/fossawork/fossamaint/internal/pgdb"
	"github.com/fossawork/fossamaint/internal/runbook"
	"github.com/fossawork/fossamaint/internal/security"
	"github.com/fossawork/fossamaint/internal/testkit"
	"github.com/fossawork/fossamaint/internal/weekly"
)

// TestMain lets the test binary act as the fossamaint command inside
// scripts (and as the demo backend the exec manager starts).
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"fossamaint": func() { scriptClock(); os.Exit(Run(os.Args[1:], os.Stdout, os.Stderr)) },
	})
}

func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script",
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"checkreport":  checkReport,
			"demoscope":    checkDemoScope,
			"nosecrets":    noSecrets,
			"mkdb":         mkdb,
			"corruptdb":    corruptDB,
			"flipbit":      flipBit,
			"mtime":        setMtime,
			"jsonvalid":    jsonValid,
			"exits":        exits,
			"webhook":      webhook,
			"freeport":     freePort,
			"httpget":      httpGet,
			"mkvenv":       mkvenv,
			"mkwheel":      mkwheel,
			"httpsave":     httpSave, // demo_serve_test.go
			"pgcluster":    pgCluster,
			"pgcorrupt":    pgCorrupt,
			"pgsql":        pgSQL,
			"s3server":     s3Server, // offsite_script_test.go
			"s3flip":       s3Flip,
			"agekey":       ageKey,
			"versitygwbin": versitygwOnGOBIN, // demo_offsite_script_test.go
			"pathwithout":  pathWithout,
			"killatend":    killAtEnd,
		},
		Condition: func(cond string) (bool, error) {
			if cond == "postgres" {
				return postgresInstalled()
			}
			if cond == "versitygw" {
				return versitygwInstalled(), nil
			}
			return scriptCondition(cond)
		},
		Setup: func(env *testscript.Env) error {
			env.Setenv("FOSSAMAINT_CONFIG", "")
			env.Setenv("TZ", "UTC")
			return nil
		},
	})
}

// checkReport asserts on a weekly JSON report: checkreport FILE
// [phases=N] [status=S] [metric=NAME]... [phase=NAME:STATUS]...
func checkReport(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 1 {
		ts.Fatalf("usage: checkreport FILE [phases=N] [status=S] [metric=NAME] [phase=NAME:STATUS]")
	}
	var run runbook.Run
	if err := json.Unmarshal([]byte(ts.ReadFile(args[0])), &run); err != nil {
		ts.Fatalf("%s is not a JSON report: %v", args[0], err)
	}
	phases := map[string]runbook.Status{}
	for _, p := range run.Phases {
		phases[p.Name] = p.Status
	}
	for _, a := range args[1:] {
		k, v, _ := strings.Cut(a, "=")
		switch k {
		case "phases":
			if fmt.Sprint(len(run.Phases)) != v {
				ts.Fatalf("%d phases, want %s", len(run.Phases), v)
			}
		case "allphases":
			for _, n := range weekly.PhaseNames {
				if _, ok := phases[n]; !ok {
					ts.Fatalf("phase %s missing", n)
				}
			}
		case "status":
			if string(run.Status) != v {
				ts.Fatalf("status %s, want %s", run.Status, v)
			}
		case "metric":
			if _, ok := run.Metrics[v]; !ok {
				ts.Fatalf("run metric %s missing (have %v)", v, run.Metrics)
			}
		case "positive":
			if run.Metrics[v] <= 0 {
				ts.Fatalf("run metric %s = %v, want > 0", v, run.Metrics[v])
			}
		case "phase":
			name, st, _ := strings.Cut(v, ":")
			if string(phases[name]) != st {
				ts.Fatalf("phase %s is %s, want %s", name, phases[name], st)
			}
		default:
			ts.Fatalf("unknown assertion %q", a)
		}
	}
}

// exits runs a command as exec does (its output is then checked with
// stdout and stderr) and asserts its exact exit code: exits CODE CMD [ARG...].
// `! exec` only says "non-zero", and the exit code is the contract cron
// jobs and wrapper scripts read: 3 must not become 2, nor 64 become 1.
func exits(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: exits CODE CMD [ARG...]")
	}
	want, err := strconv.Atoi(args[0])
	if err != nil {
		ts.Fatalf("usage: exits CODE CMD [ARG...]: %v", err)
	}
	got := 0
	var exitErr *exec.ExitError
	switch err := ts.Exec(args[1], args[2:]...); {
	case errors.As(err, &exitErr):
		got = exitErr.ExitCode()
	case err != nil:
		ts.Fatalf("%s did not run: %v", args[1], err)
	}
	if got != want {
		ts.Fatalf("%s exited %d, want %d", args[1], got, want)
	}
}

// noSecrets asserts that no secret value of a dotenv file appears in any
// file of a directory: nosecrets ENVFILE DIR
func noSecrets(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: nosecrets ENVFILE DIR")
	}
	secrets, err := security.EnvSecrets(ts.MkAbs(args[0]))
	if err != nil || len(secrets) == 0 {
		ts.Fatalf("no secrets read from %s: %v", args[0], err)
	}
	entries, err := os.ReadDir(ts.MkAbs(args[1]))
	ts.Check(err)
	for _, e := range entries {
		body := ts.ReadFile(filepath.Join(args[1], e.Name()))
		for _, s := range secrets {
			if strings.Contains(body, s) {
				ts.Fatalf("%s contains a secret from %s", e.Name(), args[0])
			}
		}
	}
}

// jsonValid checks that each file holds one valid JSON document: what
// --json prints passes through the redaction layer, which must not break it.
func jsonValid(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) == 0 {
		ts.Fatalf("usage: jsonvalid FILE...")
	}
	for _, a := range args {
		if ok := json.Valid([]byte(ts.ReadFile(a))); ok == neg {
			ts.Fatalf("%s: json.Valid = %v", a, ok)
		}
	}
}

// mkdb creates the shared FossaWork-shaped database (testkit.MakeDB),
// in WAL mode if asked: mkdb PATH ROWS [wal]
func mkdb(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: mkdb PATH ROWS [wal]")
	}
	rows, err := strconv.Atoi(args[1])
	ts.Check(err)
	path := testkit.MakeDB(ts, ts.MkAbs(args[0]), rows)
	if len(args) > 2 && args[2] == "wal" {
		testkit.Exec(ts, path, "PRAGMA journal_mode=WAL")
	}
}

// corruptDB overwrites the first table's root page with garbage.
func corruptDB(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: corruptdb PATH")
	}
	f, err := os.OpenFile(ts.MkAbs(args[0]), os.O_RDWR, 0)
	ts.Check(err)
	defer f.Close()
	_, err = f.WriteAt([]byte(strings.Repeat("\xde\xad\xbe\xef", 1024)), 4096)
	ts.Check(err)
}

// flipBit flips one bit in the middle of a file: flipbit PATH
func flipBit(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: flipbit PATH")
	}
	path := ts.MkAbs(args[0])
	b, err := os.ReadFile(path)
	ts.Check(err)
	b[len(b)/2] ^= 0x10
	ts.Check(os.WriteFile(path, b, 0o600))
}

// setMtime sets a file's modification time: mtime FILE RFC3339
func setMtime(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: mtime FILE RFC3339")
	}
	t, err := time.Parse(time.RFC3339, args[1])
	ts.Check(err)
	ts.Check(os.Chtimes(ts.MkAbs(args[0]), t, t))
}

// postgresInstalled is the [postgres] condition: the server programs are
// installed. In CI they must be (.ci/run installs them): an error then.
func postgresInstalled() (bool, error) {
	if _, err := pgdb.ServerBin(); err != nil {
		if os.Getenv("CI") != "" {
			return false, fmt.Errorf("CI is set but PostgreSQL is missing (apt-get install -y postgresql): %w", err)
		}
		return false, nil
	}
	return true, nil
}

// scriptClusters are the servers pgcluster started, by script.
var scriptClusters sync.Map // *testscript.TestScript -> *pgdb.Cluster

// pgCluster starts a private PostgreSQL server for the script (socket
// only, fsync off, as the postgres user when root), makes database
// fossawork with a small FossaWork-shaped schema (work_orders with ROWS
// rows and an index on status, dispensers, users), sets $PGURL to it and
// stops the server when the script ends: pgcluster [ROWS]. Guard the
// script with [!postgres] skip.
func pgCluster(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) > 1 {
		ts.Fatalf("usage: pgcluster [ROWS]")
	}
	rows := 300
	if len(args) == 1 {
		var err error
		rows, err = strconv.Atoi(args[0])
		ts.Check(err)
	}
	// Not under $WORK: its 0700 parent would keep the server's user out.
	dir, err := os.MkdirTemp("", "fossamaint-pgscript-")
	ts.Check(err)
	ts.Check(os.Chmod(dir, 0o711))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c, err := pgdb.StartCluster(ctx, pgdb.ClusterOptions{Dir: filepath.Join(dir, "cluster"),
		Settings: []string{"fsync = off", "synchronous_commit = off", "full_page_writes = off"}})
	if err != nil {
		os.RemoveAll(dir)
		ts.Fatalf("starting PostgreSQL: %v", err)
	}
	ts.Defer(func() {
		scriptClusters.Delete(ts)
		_ = c.Close()
		_ = os.RemoveAll(dir)
	})
	scriptClusters.Store(ts, c)
	ts.Check(c.CreateDatabase(ctx, "fossawork"))
	db, err := pgdb.Open(ctx, c.URL("fossawork"))
	ts.Check(err)
	defer db.Close()
	_, err = db.Conn().Exec(ctx, fmt.Sprintf(`
CREATE TABLE users (id serial PRIMARY KEY, email text NOT NULL UNIQUE);
CREATE TABLE work_orders (id serial PRIMARY KEY, user_id int NOT NULL REFERENCES users(id),
  status text NOT NULL, created_at timestamptz NOT NULL DEFAULT now());
CREATE INDEX ix_work_orders_status ON work_orders (status);
CREATE TABLE dispensers (id serial PRIMARY KEY, work_order_id int NOT NULL REFERENCES work_orders(id), label text);
INSERT INTO users (email) SELECT 'user' || g || '@example.com' FROM generate_series(1, 10) g;
INSERT INTO work_orders (user_id, status) SELECT 1 + g %% 10, (ARRAY['open','done','cancelled'])[1 + g %% 3] FROM generate_series(1, %d) g;
INSERT INTO dispensers (work_order_id, label) SELECT id, 'D' || id FROM work_orders;
ANALYZE;`, rows))
	ts.Check(err)
	ts.Setenv("PGURL", c.URL("fossawork"))
}

// scriptCluster is the server pgcluster started for ts.
func scriptCluster(ts *testscript.TestScript) *pgdb.Cluster {
	c, ok := scriptClusters.Load(ts)
	if !ok {
		ts.Fatalf("no PostgreSQL server: run pgcluster first")
	}
	return c.(*pgdb.Cluster)
}

// pgCorrupt damages an index of database fossawork as a disk would:
// with the server stopped, its first leaf page's entries are overwritten
// with a pattern, then the server is started again: pgcorrupt INDEX
func pgCorrupt(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: pgcorrupt INDEX")
	}
	c := scriptCluster(ts)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	path, err := c.RelationFile(ctx, "fossawork", args[0])
	ts.Check(err)
	ts.Check(c.Stop(ctx))
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	ts.Check(err)
	// Block 1 is the root leaf of a small B-tree (block 0 is its
	// metapage); its tuples sit at the end of the page.
	const page = 8192
	_, err = f.WriteAt([]byte(strings.Repeat("\xde\xad\xbe\xef", 256)), 2*page-1024-16)
	ts.Check(err)
	ts.Check(f.Close())
	ts.Check(c.Start(ctx))
}

// pgSQL runs a statement on $PGURL's database; with WANT, a query whose
// single value must be WANT: pgsql SQL [WANT]
func pgSQL(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 1 || len(args) > 2 || (neg && len(args) == 1) {
		ts.Fatalf("usage: pgsql SQL [WANT]")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	db, err := pgdb.Open(ctx, ts.Getenv("PGURL"))
	ts.Check(err)
	defer db.Close()
	if len(args) == 1 {
		_, err := db.Conn().Exec(ctx, args[0])
		ts.Check(err)
		return
	}
	var got any
	ts.Check(db.Conn().QueryRow(ctx, args[0]).Scan(&got))
	if (fmt.Sprint(got) == args[1]) == neg {
		ts.Fatalf("%s: got %v, want %s%s", args[0], got, map[bool]string{true: "not ", false: ""}[neg], args[1])
	}
}
