package cli

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fossawork/fossamaint/internal/history"
	"github.com/fossawork/fossamaint/internal/testkit"
)

// hygieneInstallation is a small installation on which every --json
// command of the database, backup, logs, report and recovery commands has
// something to say: a database, a week of logs with errors, backups.
func hygieneInstallation(t *testing.T) (dir, cfg string) {
	t.Helper()
	dir = t.TempDir()
	cfg = filepath.Join(dir, "c.yaml")
	body := `root: .
state_dir: state
window:
  timezone: UTC
services:
  manager: none
updates:
  apt: {enabled: false}
  pip: {enabled: false}
  npm: {enabled: false}
health:
  endpoints: []
database:
  vacuum: always
thresholds:
  errors_per_week: 1
`
	testkit.WriteFile(t, cfg, []byte(body), 0o600)
	testkit.MakeDB(t, filepath.Join(dir, "backend", "fossawork_v2.db"), 200)
	testkit.WriteFile(t, filepath.Join(dir, "logs", "errors", "backend-errors-2026-11-27.jsonl"), []byte(
		`{"timestamp": "2026-11-27T01:00:00", "level": "ERROR", "logger": "fossawork.api", "message": "Database locked while updating work order 1001"}
{"timestamp": "2026-11-27T02:00:00", "level": "ERROR", "logger": "fossawork.api", "message": "Database locked while updating work order 1002"}
`), 0o600)
	testkit.WriteFile(t, filepath.Join(dir, "logs", "performance", "performance-metrics.jsonl"), []byte(
		`{"timestamp": "2026-11-28T01:00:00", "system": {"cpu_percent": 12.0, "memory_percent": 40.0, "memory_available_mb": 9120.4, "disk_percent": 60.0, "disk_free_gb": 100.0}, "process": {"memory_rss_mb": 310.2, "cpu_percent": 3.1}}
{"timestamp": "2026-11-28T02:00:00", "system": {"cpu_percent": 95.0, "memory_percent": 41.0, "memory_available_mb": 9020.1, "disk_percent": 60.0, "disk_free_gb": 100.0}, "process": {"memory_rss_mb": 311.0, "cpu_percent": 3.3}}
`), 0o600)
	testkit.WriteFile(t, filepath.Join(dir, "snaps.json"), []byte(
		`[{"time": "2026-11-21T02:00:00Z", "kind": "weekly", "path": "a.db"}, {"time": "2026-11-28T02:00:00Z", "kind": "weekly", "path": "b.db"}]`), 0o600)
	return dir, cfg
}

// Every --json of these commands is free of what scripts trip on: a
// null where a list belongs ("actions": null), an empty status, and
// durations in nanoseconds (*_ns keys). The commands run in order on one
// installation, so later ones see backups and runs the earlier made.
func TestJSONHygiene(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the procedure's phases")
	}
	dir, cfg := hygieneInstallation(t)
	now := "--now=2026-11-28T03:00:00Z"
	cmds := [][]string{
		{"db", "check"}, {"db", "check", "--full"}, {"db", "stats"},
		{"db", "backup", "--out", filepath.Join(dir, "copy.db")},
		{"db", "optimize", "--dry-run"}, {"db", "optimize", "--force-window", "--now=2026-11-25T12:00:00Z"},
		{"backup", "create", "--kind", "weekly", "--now=2026-11-28T03:30:00Z"}, {"backup", "create", "--kind", "daily"},
		{"backup", "list"}, {"backup", "verify", "--all"}, {"backup", "prune", "--dry-run"}, {"backup", "prune"},
		{"backup", "retention", "--snapshots", filepath.Join(dir, "snaps.json"), "--keep-last", "1"},
		{"backup", "check", "--dry-run"},
		{"logs", "analyze"}, {"logs", "errors"}, {"logs", "rotate", "--dry-run"}, {"logs", "rotate"},
		{"logs", "tidy", "--dry-run"},
		{"perf", "check", "--window", "6h"},
		{"preflight", "--dry-run"},
		{"report", "--list"}, {"report", "--list", "--all"},
		{"recover", "--dry-run"}, {"recover"},
		{"rollback", "--dry-run"}, {"rollback"}, {"rollback"}, {"report"},
		{"notice", "--dry-run"}, {"notice"},
	}
	// A weekly run to report on; it recorded a rollback point (the
	// online optimize of this installation makes none, so it is added).
	if code, _, stderr := run(context.Background(), "weekly", "--config", cfg, now, "--force-window", "--only", "database"); code > ExitWarn {
		t.Fatalf("weekly: exit %d\n%s", code, stderr)
	}
	addRollbackPoint(t, dir, filepath.Join(dir, "copy.db"))
	for _, c := range cmds {
		args := append(append([]string{}, c...), "--config", cfg, "--json")
		if !slices.ContainsFunc(c, func(a string) bool { return strings.HasPrefix(a, "--now") }) {
			args = append(args, now)
		}
		code, stdout, stderr := run(context.Background(), args...)
		name := strings.Join(c, " ")
		if code > ExitWarn {
			t.Errorf("%s: exit %d\n%s", name, code, stderr)
			continue
		}
		var v any
		if err := json.Unmarshal([]byte(stdout), &v); err != nil {
			t.Errorf("%s: not JSON: %v\n%s", name, err, stdout)
			continue
		}
		for _, p := range jsonFaults(v, "") {
			t.Errorf("%s --json: %s", name, p)
		}
	}
	_ = os.RemoveAll(dir)
}

// addRollbackPoint records point as the rollback point of the latest run.
func addRollbackPoint(t *testing.T, dir, point string) {
	t.Helper()
	ctx := context.Background()
	store, err := history.Open(ctx, filepath.Join(dir, "state"), time.Now)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	id, err := store.LatestID(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := store.RollbackPoint(ctx, id, point); err != nil {
		t.Fatal(err)
	}
}

// jsonFaults walks a decoded JSON document and names each null, empty
// status and *_ns key by its path.
func jsonFaults(v any, path string) []string {
	var out []string
	switch x := v.(type) {
	case nil:
		out = append(out, path+" is null")
	case map[string]any:
		for k, e := range x {
			p := path + "." + k
			if strings.HasSuffix(k, "_ns") {
				out = append(out, p+": a duration in nanoseconds (want *_seconds)")
			}
			if k == "status" && e == "" {
				out = append(out, p+` is ""`)
			}
			out = append(out, jsonFaults(e, p)...)
		}
	case []any:
		for i, e := range x {
			out = append(out, jsonFaults(e, path+"["+strconv.Itoa(i)+"]")...)
		}
	}
	return out
}
