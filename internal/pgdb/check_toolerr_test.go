package pgdb_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/fossawork/fossamaint/internal/pgdb"
	"github.com/fossawork/fossamaint/internal/testkit"
)

// binDirWith is a bin_dir of symbolic links to the real client programs
// of tools, with pg_amcheck replaced by a shell script printing stderr
// and exiting with code.
func binDirWith(t *testing.T, tools pgdb.Tools, code, stderr string) string {
	t.Helper()
	dir := t.TempDir()
	for _, p := range []string{"pg_dump", "pg_restore"} {
		if err := os.Symlink(tools.Path(p), filepath.Join(dir, p)); err != nil {
			t.Fatal(err)
		}
	}
	script := "#!/bin/sh\necho '" + stderr + "' >&2\nexit " + code + "\n"
	if err := os.WriteFile(filepath.Join(dir, "pg_amcheck"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// A pg_amcheck that exits 1 (it could not connect, or its listing query
// failed) or 2 without a finding did not check: ErrCouldNotCheck, never
// a result calling the database corrupt.
func TestCheckToolFailureIsCouldNotCheck(t *testing.T) {
	c := testkit.Postgres(t)
	ctx := testCtx(t)
	db, real := openDB(t, testkit.PostgresDB(t, c, "app"))
	exec(t, db, "CREATE EXTENSION amcheck")
	for _, tc := range []struct{ name, code, stderr string }{
		{"exit 1, no connection", "1", "pg_amcheck: error: connection to server failed: FATAL: too many connections"},
		{"exit 1, listing query", "1", "pg_amcheck: error: query failed: ERROR: permission denied for table pg_class"},
		{"exit 2, nothing read", "2", "pg_amcheck: something unexpected"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tools, err := pgdb.FindTools(ctx, binDirWith(t, real, tc.code, tc.stderr), db.Major)
			if err != nil {
				t.Fatal(err)
			}
			res, err := pgdb.Check(ctx, tools, db, pgdb.CheckOptions{})
			if !errors.Is(err, pgdb.ErrCouldNotCheck) {
				t.Fatalf("err = %v, want ErrCouldNotCheck", err)
			}
			if len(res.Findings) > 0 || res.OK {
				t.Errorf("result %+v: a check that did not run has no verdict", res)
			}
		})
	}
}
