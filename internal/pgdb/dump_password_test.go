package pgdb_test

import (
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fossawork/fossamaint/internal/pgdb"
	"github.com/fossawork/fossamaint/internal/testkit"
)

// testPasswordNotInArgv: the password of the database URL reaches pg_dump only in PGPASSWORD:
// a pg_dump that records its argv and environment (and prints the
// password on stderr, as a careless tool might) shows it nowhere but
// there, and the error carries it redacted. The real programs then
// dump and verify through the same URL (the test server trusts the
// socket, so the password is carried, not checked).
func testPasswordNotInArgv(t *testing.T, c *pgdb.Cluster) {
	const secret = "s3cret-Pw_42"
	plain := testkit.PostgresDB(t, c, "password")
	seed(t, plain, 10)
	u, err := url.Parse(plain)
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.UserPassword(u.User.Username(), secret)
	withPW := u.String()
	db := openPG(t, withPW)

	stub := t.TempDir()
	record := filepath.Join(stub, "record")
	script := "#!/bin/sh\nprintf '%s\\n' \"$@\" > " + record + "\necho \"PGPASSWORD=$PGPASSWORD\" >> " + record +
		"\necho \"pg_dump: error: connection to $1 with password $PGPASSWORD failed\" >&2\nexit 1\n"
	testkit.WriteFile(t, filepath.Join(stub, "pg_dump"), []byte(script), 0o755)
	dir := t.TempDir()
	_, err = pgdb.Dump(testCtx(t), pgdb.Tools{Dir: stub, Major: 99, Version: "99.0"}, db, filepath.Join(dir, "x.dump"))
	var te *pgdb.ToolError
	if !errors.As(err, &te) {
		t.Fatalf("dump with a failing pg_dump: %v, want a *ToolError", err)
	}
	if strings.Contains(err.Error(), secret) || !strings.Contains(te.Stderr, "[REDACTED]") {
		t.Errorf("the error shows the password: %v", err)
	}
	rec, err := os.ReadFile(record)
	if err != nil {
		t.Fatal(err)
	}
	argv, env, _ := strings.Cut(string(rec), "PGPASSWORD=")
	if strings.Contains(argv, secret) || !strings.Contains(argv, "--dbname=postgres://postgres@") || !strings.Contains(argv, "--snapshot=") {
		t.Errorf("pg_dump's argv:\n%s", argv)
	}
	if strings.TrimSpace(env) != secret {
		t.Errorf("PGPASSWORD=%q, want the URL's password", strings.TrimSpace(env))
	}
	noTemp(t, dir)

	tools := findTools(t, db)
	res, err := pgdb.Dump(testCtx(t), tools, db, filepath.Join(dir, "real.dump"))
	if err != nil {
		t.Fatal(err)
	}
	if v, err := pgdb.VerifyDump(testCtx(t), tools, db, res.Path, pgdb.VerifyOptions{Tables: res.Tables}); err != nil || !v.OK {
		t.Fatalf("verify through a URL with a password: %v %v", err, v.Problems)
	}
	noScratch(t, plain)
}
