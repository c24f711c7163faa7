package sandbox

import (
	"bytes"
	"context"
	"crypto/x509"
	"database/sql"
	"encoding/json"
	"encoding/pem"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fossawork/fossamaint/internal/config"
)

// testNow is a fixed "now" in a zone without DST, so day arithmetic in the
// assertions is exact.
var testNow = time.Date(2026, 11, 28, 3, 30, 0, 0, time.FixedZone("EST", -5*3600))

var (
	smallOnce sync.Once
	smallInst *Installation
	smallErr  error
	smallDir  string
)

// smallInstallation generates one small tree per test binary: it takes
// seconds, and every assertion below only reads it.
func smallInstallation(t *testing.T) *Installation {
	t.Helper()
	smallOnce.Do(func() {
		smallDir, smallErr = os.MkdirTemp("", "sandbox-small-")
		if smallErr != nil {
			return
		}
		smallInst, smallErr = Generate(context.Background(), Options{Dir: filepath.Join(smallDir, "demo"),
			Size: Small, Now: testNow, Seed: 42, Executable: "/usr/local/bin/fossamaint"})
	})
	if smallErr != nil {
		t.Fatalf("Generate: %v", smallErr)
	}
	return smallInst
}

func openRO(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := OpenDB(path, "query_only(1)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func queryInt(t *testing.T, db *sql.DB, q string) int64 {
	t.Helper()
	var n int64
	if err := db.QueryRow(q).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

func TestGenerateDatabase(t *testing.T) {
	inst := smallInstallation(t)
	db := openRO(t, inst.DBPath)
	wo := queryInt(t, db, "SELECT count(*) FROM work_orders")
	disp := queryInt(t, db, "SELECT count(*) FROM dispensers")
	if want := int64(20_000 - 3_000); wo != want || int(wo) != inst.WorkOrders {
		t.Errorf("work orders = %d (installation says %d), want %d", wo, inst.WorkOrders, want)
	}
	if disp < 2*wo || disp > 4*wo || int(disp) != inst.Dispensers {
		t.Errorf("dispensers = %d (installation says %d) for %d work orders", disp, inst.Dispensers, wo)
	}
	for q, want := range map[string]int64{
		"SELECT count(*) FROM users": 50,
		"SELECT count(*) FROM dispensers d LEFT JOIN work_orders w ON w.id = d.work_order_id WHERE w.id IS NULL": 0,
		"SELECT count(*) FROM work_orders WHERE length(id) != 36 OR substr(id, 15, 1) != '4'":                    0,
		"SELECT count(*) FROM work_orders WHERE json_valid(scraped_data) = 0 OR json_valid(service_items) = 0":   0,
		"SELECT count(*) FROM dispensers WHERE json_valid(fuel_grades) = 0 OR json_valid(form_data) = 0":         0,
	} {
		if got := queryInt(t, db, q); got != want {
			t.Errorf("%s = %d, want %d", q, got, want)
		}
	}
	if queryInt(t, db, "SELECT count(*) FROM automation_jobs") == 0 {
		t.Error("no automation jobs")
	}
	ratio := float64(queryInt(t, db, "PRAGMA freelist_count")) / float64(queryInt(t, db, "PRAGMA page_count"))
	if ratio <= 0.10 {
		t.Errorf("freelist ratio %.3f, want > 0.10", ratio)
	}
	var mode string
	if err := db.QueryRow("PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal_mode = %q, %v; want wal", mode, err)
	}
}

func TestGenerateModes(t *testing.T) {
	inst := smallInstallation(t)
	tests := []struct {
		path string
		want os.FileMode
	}{
		{"backend/fossawork_v2.db", 0o600},
		{"backend/.env", 0o644},
		{"backend/data", 0o755},
		{"state", 0o700},
		{"certs/fossawork.key", 0o600},
		{"fossamaint.yaml", 0o600},
		{"demo-backend.json", 0o600},
	}
	for _, tt := range tests {
		fi, err := os.Stat(filepath.Join(inst.Dir, tt.path))
		if err != nil {
			t.Errorf("%s: %v", tt.path, err)
			continue
		}
		if got := fi.Mode().Perm(); got != tt.want {
			t.Errorf("%s mode %04o, want %04o", tt.path, got, tt.want)
		}
	}
	env, err := os.ReadFile(filepath.Join(inst.Dir, "backend/.env"))
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"SECRET_KEY=", "DATABASE_URL=sqlite:///./fossawork_v2.db", "SMTP_PASSWORD=", "PUSHOVER_TOKEN=", "WORKFOSSA_PASSWORD="} {
		if !bytes.Contains(env, []byte(k)) {
			t.Errorf(".env lacks %s", k)
		}
	}
	for _, d := range []string{"logs/sessions", "backups/maintenance"} {
		if entries, err := os.ReadDir(filepath.Join(inst.Dir, d)); err != nil || len(entries) != 0 {
			t.Errorf("%s: want an empty dir, got %d entries, %v", d, len(entries), err)
		}
	}
	// The reports directory holds only last week's benchmark, private.
	lastWeek := filepath.Join(inst.Dir, "logs/reports", "performance-benchmark-"+testNow.AddDate(0, 0, -7).Format("20060102")+".json")
	if entries, err := os.ReadDir(filepath.Join(inst.Dir, "logs/reports")); err != nil || len(entries) != 1 {
		t.Errorf("logs/reports: want last week's benchmark only, got %v, %v", entries, err)
	}
	if fi, err := os.Stat(lastWeek); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("last week's benchmark: %v %v", fi, err)
	}
	leftovers, _ := filepath.Glob(filepath.Join(inst.Dir, "*", "*.generating*"))
	tmps, _ := filepath.Glob(filepath.Join(inst.Dir, "backups", "*", "*", "*.tmp"))
	if len(leftovers)+len(tmps) > 0 {
		t.Errorf("temp files left: %v %v", leftovers, tmps)
	}
}

var pipeLine = regexp.MustCompile(`^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \| [A-Z]+ +\| [\w.]+ +\| \w+ *:\d+ *\| `)

func TestGenerateLogs(t *testing.T) {
	inst := smallInstallation(t)
	var jsonLines, pipeLines, tracebacks, unterminated int
	today := startOfDay(testNow)
	for ago := 0; ago < LogDays; ago++ {
		day := today.AddDate(0, 0, -ago)
		wantMtime := day.AddDate(0, 0, 1).Add(-time.Second)
		if ago == 0 {
			wantMtime = testNow
		}
		for _, s := range streams(1) {
			path := filepath.Join(inst.Dir, "logs", s.dir, s.prefix+"-"+day.Format("2006-01-02")+".jsonl")
			fi, err := os.Stat(path)
			if err != nil {
				t.Fatalf("missing log: %v", err)
			}
			if !fi.ModTime().Equal(wantMtime) {
				t.Errorf("%s mtime %s, want %s", path, fi.ModTime(), wantMtime)
			}
			data, _ := os.ReadFile(path)
			if len(data) > 0 && data[len(data)-1] != '\n' {
				unterminated++
			}
			for _, l := range strings.Split(string(data), "\n") {
				switch {
				case strings.HasPrefix(l, `{"timestamp": "`) && json.Valid([]byte(l)):
					jsonLines++
				case pipeLine.MatchString(l):
					pipeLines++
				case strings.HasPrefix(l, "Traceback (most recent call last):"):
					tracebacks++
				}
			}
		}
	}
	if jsonLines == 0 || pipeLines == 0 || tracebacks == 0 || unterminated == 0 {
		t.Errorf("json %d, pipe %d, tracebacks %d, truncated files %d: want all > 0", jsonLines, pipeLines, tracebacks, unterminated)
	}
	if inst.LogFiles != 4*LogDays || inst.LogBytes > 8<<20 {
		t.Errorf("%d log files, %d bytes: want %d files and a few MB", inst.LogFiles, inst.LogBytes, 4*LogDays)
	}
}

// TestGenerateLastWeek checks the planted warnings: errors and failed
// logins in the last 7 days above the seed's thresholds.
func TestGenerateLastWeek(t *testing.T) {
	inst := smallInstallation(t)
	errorLevel := regexp.MustCompile(`"level": "(ERROR|CRITICAL)"|^[\d-]+ [\d:]+ \| (ERROR|CRITICAL) `)
	var errs, failed, attacker int
	today := startOfDay(testNow)
	for ago := 0; ago < 7; ago++ {
		d := today.AddDate(0, 0, -ago).Format("2006-01-02")
		data, _ := os.ReadFile(filepath.Join(inst.Dir, "logs/errors/backend-errors-"+d+".jsonl"))
		for _, l := range strings.Split(string(data), "\n") {
			if errorLevel.MatchString(l) {
				errs++
			}
		}
		api, _ := os.ReadFile(filepath.Join(inst.Dir, "logs/backend/backend-api-"+d+".jsonl"))
		failed += bytes.Count(api, []byte("Authentication failed: invalid credentials for user"))
		attacker += bytes.Count(api, []byte("203.0.113.7"))
	}
	cfg := config.Default()
	if errs <= cfg.Thresholds.ErrorsPerWeek || failed <= cfg.Thresholds.FailedLoginsPerWeek || attacker == 0 {
		t.Errorf("last week: %d errors, %d failed logins (%d lines from the attacker): want above %d and %d",
			errs, failed, attacker, cfg.Thresholds.ErrorsPerWeek, cfg.Thresholds.FailedLoginsPerWeek)
	}
}

func TestGenerateMetrics(t *testing.T) {
	inst := smallInstallation(t)
	data, err := os.ReadFile(filepath.Join(inst.Dir, "logs/performance/performance-metrics.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	if len(lines) != MetricsHours+metricsMalformed {
		t.Fatalf("%d lines, want %d", len(lines), MetricsHours+metricsMalformed)
	}
	var good, spikes int
	for _, l := range lines {
		var s struct {
			Timestamp string `json:"timestamp"`
			System    struct {
				CPU float64 `json:"cpu_percent"`
				Mem float64 `json:"memory_percent"`
			} `json:"system"`
			Process struct {
				Threads int `json:"num_threads"`
			} `json:"process"`
		}
		if json.Unmarshal([]byte(l), &s) != nil {
			continue
		}
		good++
		if s.System.CPU > 80 {
			spikes++
		}
		if s.System.Mem < 30 || s.System.Mem > 80 || s.Process.Threads == 0 {
			t.Errorf("implausible sample %s", l)
		}
	}
	if good != MetricsHours || spikes == 0 {
		t.Errorf("%d valid samples, %d CPU spikes: want %d and > 0", good, spikes, MetricsHours)
	}
}

func TestGenerateBackups(t *testing.T) {
	inst := smallInstallation(t)
	daily, _ := filepath.Glob(filepath.Join(inst.Dir, "backups/daily/*/fossawork_v2.db"))
	weekly, _ := filepath.Glob(filepath.Join(inst.Dir, "backups/weekly/fossawork_v2_full_*_*.db"))
	if len(daily) != DailyBackups || len(weekly) != WeeklyBackups {
		t.Fatalf("%d daily, %d weekly backups; want %d, %d", len(daily), len(weekly), DailyBackups, WeeklyBackups)
	}
	if _, err := os.Stat(filepath.Join(inst.Dir, "backups/daily", testNow.Format("20060102"))); !os.IsNotExist(err) {
		t.Errorf("today's daily backup exists (%v): it must be missing", err)
	}
	var stale int
	for _, p := range append(daily, weekly...) {
		fi, err := os.Stat(p)
		if err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: %v mode %v", p, err, fi.Mode())
			continue
		}
		if testNow.Sub(fi.ModTime()) > 30*24*time.Hour {
			stale++
		}
		var res string
		if err := openRO(t, p).QueryRow("PRAGMA quick_check").Scan(&res); err != nil || res != "ok" {
			t.Errorf("%s quick_check = %q, %v", p, res, err)
		}
	}
	if stale == 0 {
		t.Error("no backup older than 30 days: the retention finding is missing")
	}
	for _, p := range daily {
		var m Manifest
		data, err := os.ReadFile(filepath.Join(filepath.Dir(p), "manifest.json"))
		if err != nil || json.Unmarshal(data, &m) != nil {
			t.Fatalf("manifest for %s: %v", p, err)
		}
		sum, size, err := sha256File(p)
		if err != nil || m.SHA256 != sum || m.Size != size || m.Tables["work_orders"] == 0 {
			t.Errorf("manifest for %s does not match: %+v (sha %s size %d)", p, m, sum, size)
		}
	}
}

func TestGenerateCertAndConfig(t *testing.T) {
	inst := smallInstallation(t)
	data, err := os.ReadFile(filepath.Join(inst.Dir, "certs/fossawork.crt"))
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(data)
	if block == nil {
		t.Fatal("certificate is not PEM")
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	if want := testNow.Add(20 * 24 * time.Hour).Truncate(time.Second); !cert.NotAfter.Equal(want) || !inst.CertNotAfter.Equal(want) {
		t.Errorf("NotAfter %s (installation %s), want %s", cert.NotAfter, inst.CertNotAfter, want)
	}
	cfg, err := config.Load(inst.ConfigPath)
	if err != nil {
		t.Fatalf("config does not load: %v", err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	if cfg.Root != inst.Dir || cfg.Services.Manager != "exec" || len(cfg.Services.Units) != 1 {
		t.Fatalf("config: root %q manager %q units %d", cfg.Root, cfg.Services.Manager, len(cfg.Services.Units))
	}
	u := cfg.Services.Units[0]
	wantStart := []string{"/usr/local/bin/fossamaint", "demo-backend", "start", "--dir", inst.Dir}
	if strings.Join(u.Start, " ") != strings.Join(wantStart, " ") || u.HealthURL != inst.BaseURL+"/api/health" {
		t.Errorf("unit %+v", u)
	}
	if len(cfg.Health.Endpoints) != 5 {
		t.Errorf("%d endpoints, want 5", len(cfg.Health.Endpoints))
	}
	for _, ep := range cfg.Health.Endpoints {
		if !strings.HasPrefix(ep.URL, inst.BaseURL+"/") {
			t.Errorf("endpoint %s = %s, not on %s", ep.Name, ep.URL, inst.BaseURL)
		}
	}
	if _, err := os.Stat(cfg.Path(cfg.Security.TLSCerts[0])); err != nil {
		t.Errorf("tls cert in config: %v", err)
	}
	s, err := LoadSettings(inst.Dir)
	if err != nil || s.Addr != inst.Addr || s.DB != inst.DBPath || len(s.AttackAddrs) != 2 {
		t.Errorf("settings %+v, %v", s, err)
	}
}

func TestGenerateRejects(t *testing.T) {
	nonEmpty := t.TempDir()
	if err := os.WriteFile(filepath.Join(nonEmpty, "x"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		opts Options
		want string
	}{
		{"non-empty dir", Options{Dir: nonEmpty, Size: Small, Now: testNow, Executable: "x"}, "not empty"},
		{"bad size", Options{Dir: t.TempDir(), Size: "huge", Now: testNow, Executable: "x"}, "small, medium or large"},
		{"no now", Options{Dir: t.TempDir(), Size: Small, Executable: "x"}, "must be set"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Generate(context.Background(), tt.opts)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestGenerateCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	dir := filepath.Join(t.TempDir(), "demo")
	if _, err := Generate(ctx, Options{Dir: dir, Size: Small, Now: testNow, Executable: "x"}); err == nil {
		t.Fatal("cancelled Generate succeeded")
	}
	if _, err := os.Stat(filepath.Join(dir, "backend", "fossawork_v2.db")); !os.IsNotExist(err) {
		t.Errorf("a database exists under its final name after cancellation: %v", err)
	}
}

// TestDeterministic: the same seed and now give the same rows and logs.
func TestDeterministic(t *testing.T) {
	ids := func(seed int64) string {
		path := filepath.Join(t.TempDir(), "x.db")
		if _, err := createDB(context.Background(), path, dbSpec{WorkOrders: 200, Users: 5, History: 90 * 24 * time.Hour, Purge: 0.15},
			newFaker(seed, 1), testNow, nil); err != nil {
			t.Fatal(err)
		}
		var out string
		if err := openRO(t, path).QueryRow("SELECT group_concat(id || site_name || status, ',') FROM work_orders").Scan(&out); err != nil {
			t.Fatal(err)
		}
		return out
	}
	if a, b := ids(7), ids(7); a != b {
		t.Error("same seed, different work orders")
	}
	if a, b := ids(7), ids(8); a == b {
		t.Error("different seeds, same work orders")
	}
	logs := func(seed int64) []byte {
		dir := t.TempDir()
		if _, err := writeLogs(context.Background(), dir, testNow, 1, newFaker(seed, 2)); err != nil {
			t.Fatal(err)
		}
		data, err := os.ReadFile(filepath.Join(dir, "errors", "backend-errors-2026-11-20.jsonl"))
		if err != nil {
			t.Fatal(err)
		}
		return data
	}
	if !bytes.Equal(logs(3), logs(3)) {
		t.Error("same seed, different logs")
	}
}

func BenchmarkGenerateSmall(b *testing.B) {
	for b.Loop() {
		dir := filepath.Join(b.TempDir(), "demo")
		if _, err := Generate(context.Background(), Options{Dir: dir, Size: Small, Now: testNow, Seed: 1, Executable: "fossamaint"}); err != nil {
			b.Fatal(err)
		}
	}
}
