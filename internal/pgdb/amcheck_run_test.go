package pgdb

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// pg_amcheck has no --dbname: runTool gives it the URL as its DBNAME
// operand, still without the password (PGPASSWORD carries it).
func TestRunToolAmcheckOperand(t *testing.T) {
	dir := t.TempDir()
	script := "#!/bin/sh\nfor a in \"$@\"; do echo \"arg $a\"; done\necho \"pw $PGPASSWORD\"\n"
	if err := os.WriteFile(filepath.Join(dir, "pg_amcheck"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	out, err := runTool(context.Background(), Tools{Dir: dir}, "pg_amcheck",
		"postgres://app:s3cret@/fossawork?host=/run/postgresql", "--heapallindexed")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
	if len(lines) != 3 || lines[0] != "arg --heapallindexed" ||
		!strings.HasPrefix(lines[1], "arg postgres://app@/fossawork?host=") || lines[2] != "pw s3cret" {
		t.Fatalf("pg_amcheck saw:\n%s", out)
	}
}
