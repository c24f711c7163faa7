package backup

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fossawork/fossamaint/internal/pgdb"
	"github.com/fossawork/fossamaint/internal/testkit"
)

// loggingBinDir is a database.postgres.bin_dir whose programs are the
// real ones (of tools) behind a shell script that appends its arguments
// to the returned log, so a test sees which programs were run.
func loggingBinDir(t *testing.T, tools pgdb.Tools) (dir, log string) {
	t.Helper()
	dir = t.TempDir()
	log = filepath.Join(t.TempDir(), "calls.log")
	for _, p := range []string{"pg_dump", "pg_restore", "pg_amcheck"} {
		script := "#!/bin/sh\necho \"" + p + " $*\" >> '" + log + "'\nexec '" + tools.Path(p) + "' \"$@\"\n"
		if err := os.WriteFile(filepath.Join(dir, p), []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return dir, log
}

// Every read of a dump uses database.postgres.bin_dir when it is set:
// verify (quick and full), and the verification before a restore. The
// programs of PATH and /usr/lib/postgresql are not those.
func TestDumpReadsUseBinDir(t *testing.T) {
	c := testkit.Postgres(t)
	ctx := context.Background()
	in := newPgInstall(t, c, "fw_bindir")
	real, err := pgdb.FindTools(ctx, "", 0)
	if err != nil {
		t.Fatal(err)
	}
	dir, log := loggingBinDir(t, real)
	in.src.BinDir = dir
	t.Setenv("PATH", "")
	now := time.Date(2026, 11, 28, 3, 0, 0, 0, time.UTC)
	created, err := Create(ctx, in.opts(KindWeekly, now))
	if err != nil {
		t.Fatal(err)
	}
	list, err := List(ctx, in.layout, now)
	if err != nil || len(list) != 1 {
		t.Fatalf("list %+v (%v)", list, err)
	}
	cases := []struct {
		name string
		run  func() error
	}{
		{"verify", func() error { _, err := VerifyDeep(ctx, list[0], VerifyOptions{Postgres: &in.src}); return err }},
		{"verify --full", func() error {
			_, err := VerifyDeep(ctx, list[0], VerifyOptions{Full: true, Postgres: &in.src})
			return err
		}},
		{"restore --dry-run", func() error {
			_, err := Restore(ctx, RestoreOptions{BackupPath: created.Path, Now: now.Add(time.Hour), DryRun: true, Postgres: &in.src})
			return err
		}},
	}
	for _, tc := range cases {
		if err := os.Remove(log); err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		if err := tc.run(); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		b, _ := os.ReadFile(log)
		if !strings.Contains(string(b), "pg_restore --list "+created.Path) {
			t.Errorf("%s: the dump's table of contents was not read with bin_dir's pg_restore; bin_dir ran:\n%s", tc.name, b)
		}
	}
}
