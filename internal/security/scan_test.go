package security

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fossawork/fossamaint/internal/finding"
	"github.com/fossawork/fossamaint/internal/logs"

	"github.com/fossawork/fossamaint/internal/redact"
)

func init() {
	// Other test files of this package may define -update too.
	if flag.Lookup("update") == nil {
		flag.Bool("update", false, "rewrite golden files")
	}
}

func updateGolden() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

// The fixture plants, in both line shapes: a JSON burst of 7 from
// 203.0.113.50 (one via ::ffff:), a pipe-shaped IPv6 burst of 6 from
// 2001:db8::66, a slow source (5 failures 15 min apart: no burst), a
// distributed attack on "operator" from 6 sources, each signature family
// URL- and double-encoded, sqlmap/nikto/nmap, 401s from /api/auth/validate
// and successful logins (not failures), rate limiting, secrets, a
// truncated and a binary line, entries just outside both window bounds, a
// .gz file, and a file named for a day outside the window.
var (
	fixtureFrom    = time.Date(2026, 1, 12, 0, 0, 0, 0, time.UTC)
	fixtureTo      = time.Date(2026, 1, 14, 0, 0, 0, 0, time.UTC)
	fixtureSecrets = []string{"listedsecretvalue42"}
	// plainSecrets are every secret value the fixture holds.
	plainSecrets = []string{"hunter2hunter2", "S3cretDbPass", "eyJhbGciOiJIUzI1NiJ9", "s3cr3t-from-env",
		"listedsecretvalue42", "wf_live_9f8e7d6c5b4a"}
)

func scanFixture(t *testing.T) ScanReport {
	t.Helper()
	files, err := logs.Discover(context.Background(), filepath.Join("testdata", "scan", "logs"), nil)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Scan(context.Background(), ScanOptions{
		Files: files, From: fixtureFrom, To: fixtureTo, Location: time.UTC, Secrets: fixtureSecrets,
	})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func TestScanGolden(t *testing.T) {
	rep := scanFixture(t)
	got, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	golden := filepath.Join("testdata", "scan", "report.golden.json")
	if updateGolden() {
		if err := os.WriteFile(golden, got, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -run TestScanGolden -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("report differs from %s (rerun with -update and review the diff):\n%s", golden, got)
	}
	for _, s := range plainSecrets {
		if bytes.Contains(got, []byte(s)) {
			t.Errorf("report holds the secret %q", s)
		}
	}
}

// TestScanFixtureFacts states the fixture's planted facts, so the golden
// file is not the only check.
func TestScanFixtureFacts(t *testing.T) {
	r := scanFixture(t)
	check := func(what string, got, want any) {
		t.Helper()
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s = %v, want %v", what, got, want)
		}
	}
	// 1 at From + 7 + 5 slow + 1 unauthorized + 6 IPv6 + 6 distributed + 1
	// without address + 2 in the .gz; not: before From, at To, validate
	// 401s, successes, the truncated line, the old file.
	check("failed_logins", r.FailedLogins, 29)
	check("files", fmt.Sprint(r.FilesRead, " ", r.FilesSkipped), "3 1")
	check("malformed", r.MalformedLines, 2)
	check("top source", fmt.Sprintf("%s %d", r.FailedLoginsByIP[0].IP, r.FailedLoginsByIP[0].Count), "203.0.113.50 7")
	check("bursts", len(r.BruteForce), 2)
	burst := func(b BruteForce) string { return fmt.Sprintf("%s %d in %gs", b.IP, b.Failures, b.SpanSeconds) }
	check("burst 1", burst(r.BruteForce[0]), "203.0.113.50 7 in 150s")
	check("burst 2", burst(r.BruteForce[1]), "2001:db8::66 6 in 450s")
	check("distributed", fmt.Sprintf("%d %s %d", len(r.Distributed), r.Distributed[0].User, r.Distributed[0].Sources), "1 operator 6")
	fams := map[Family]int{}
	for _, s := range r.Signatures {
		fams[s.Family] = s.Count
	}
	check("signatures", fams, map[Family]int{SQLInjection: 4, XSS: 2, PathTraversal: 2, CodeInjection: 3})
	check("scanners", len(r.Scanners), 3)
	check("rate_limited", r.RateLimited, 3)
	check("secret kinds", len(r.SecretsInLogs), 4)
	check("investigate", r.Investigate, false)
	for _, f := range r.Findings {
		if f.Recommendation == "" || f.Message == "" {
			t.Errorf("finding without message or recommendation: %+v", f)
		}
	}
}

// TestScanWindow: the window is [From, To) by each entry's timestamp,
// naive timestamps are read in Location, untimed entries are left out of
// a bounded window.
func TestScanWindow(t *testing.T) {
	dir := t.TempDir()
	lines := []string{
		`{"timestamp": "2026-01-12T09:59:59.999999", "level": "WARNING", "message": "login failed for a from 192.0.2.1"}`,
		`{"timestamp": "2026-01-12T10:00:00", "level": "WARNING", "message": "login failed for b from 192.0.2.2"}`,
		`2026-01-12 10:30:00 | WARNING  | fossawork.auth       | login          :88   | login failed for c from 192.0.2.3`,
		`{"timestamp": "2026-01-12T11:59:59.999999", "level": "WARNING", "message": "login failed for d from 192.0.2.4"}`,
		`{"timestamp": "2026-01-12T12:00:00", "level": "WARNING", "message": "login failed for e from 192.0.2.5"}`,
		`{"timestamp": "2026-01-12T10:00:00Z", "level": "WARNING", "message": "login failed for f from 192.0.2.6"}`,
		`{"level": "WARNING", "message": "login failed for g from 192.0.2.7"}`,
	}
	path := filepath.Join(dir, "backend-api-2026-01-12.jsonl")
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	files, err := logs.Discover(context.Background(), dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	plus2 := time.FixedZone("UTC+2", 2*3600)
	at := func(h, m int) time.Time { return time.Date(2026, 1, 12, h, m, 0, 0, time.UTC) }
	tests := []struct {
		name     string
		from, to time.Time
		loc      *time.Location
		want     string // sources counted, sorted
	}{
		{"unbounded counts untimed", time.Time{}, time.Time{}, time.UTC, "192.0.2.1 192.0.2.2 192.0.2.3 192.0.2.4 192.0.2.5 192.0.2.6 192.0.2.7"},
		{"from inclusive, to exclusive", at(10, 0), at(12, 0), time.UTC, "192.0.2.2 192.0.2.3 192.0.2.4 192.0.2.6"},
		{"open end", at(11, 0), time.Time{}, time.UTC, "192.0.2.4 192.0.2.5"},
		{"open start", time.Time{}, at(10, 0), time.UTC, "192.0.2.1"},
		// Naive 10:00 in UTC+2 is 08:00Z; the zoned 10:00Z stays put.
		{"naive read in location", at(8, 0), at(8, 31), plus2, "192.0.2.2 192.0.2.3"},
		{"empty window", at(10, 0), at(10, 0), time.UTC, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep, err := Scan(context.Background(), ScanOptions{Files: files, From: tt.from, To: tt.to, Location: tt.loc})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, s := range rep.FailedLoginsByIP {
				got = append(got, s.IP)
			}
			slices.Sort(got)
			if strings.Join(got, " ") != tt.want {
				t.Errorf("sources %q, want %q", strings.Join(got, " "), tt.want)
			}
			if rep.FailedLogins != len(got) {
				t.Errorf("failed_logins %d for %d sources", rep.FailedLogins, len(got))
			}
		})
	}
}

// TestScanSharedSample runs over the shared two-day sample and checks the
// generator's truth. truth.json's "lines" counts records (entries plus
// malformed lines); the reader's Lines also counts traceback continuation
// lines, so that is compared with Entries+MalformedLines.
func TestScanSharedSample(t *testing.T) {
	root := "/work/shared/testdata/fossawork-logs"
	data, err := os.ReadFile(filepath.Join(root, "truth.json"))
	if errors.Is(err, os.ErrNotExist) {
		t.Skip("shared sample not present")
	}
	if err != nil {
		t.Fatal(err)
	}
	var truth struct {
		AuthFailures int   `json:"auth_failures"`
		Lines        int   `json:"lines"`
		Malformed    int   `json:"malformed"`
		Bytes        int64 `json:"bytes"`
	}
	if err := json.Unmarshal(data, &truth); err != nil {
		t.Fatal(err)
	}
	files, err := logs.Discover(context.Background(), filepath.Join(root, "logs"), nil)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Scan(context.Background(), ScanOptions{Files: files, Location: time.UTC})
	if err != nil {
		t.Fatal(err)
	}
	if rep.FailedLogins != truth.AuthFailures {
		t.Errorf("failed_logins = %d, truth auth_failures = %d", rep.FailedLogins, truth.AuthFailures)
	}
	if rep.MalformedLines != truth.Malformed || rep.BytesRead != truth.Bytes || rep.Entries+rep.MalformedLines != truth.Lines {
		t.Errorf("malformed %d, bytes %d, records %d; truth %d, %d, %d",
			rep.MalformedLines, rep.BytesRead, rep.Entries+rep.MalformedLines, truth.Malformed, truth.Bytes, truth.Lines)
	}
	// logs.Summarize is the other counter over the same reader; the two
	// must agree (the sample has no "unauthorized access" lines).
	sum, err := logs.Summarize(context.Background(), files, logs.SummaryOptions{Location: time.UTC})
	if err != nil {
		t.Fatal(err)
	}
	if sum.AuthFailures != rep.FailedLogins {
		t.Errorf("logs.Summarize counts %d auth failures, Scan %d", sum.AuthFailures, rep.FailedLogins)
	}
}

// TestScanUnreadable: a missing file and a corrupt .gz are findings, and
// the other files are still read.
func TestScanUnreadable(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "backend-api-2026-01-12.jsonl")
	line := `{"timestamp": "2026-01-12T10:00:00", "level": "WARNING", "message": "login failed for a from 192.0.2.1"}` + "\n"
	if err := os.WriteFile(good, []byte(line), 0o600); err != nil {
		t.Fatal(err)
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	_, _ = zw.Write(bytes.Repeat([]byte(line), 200))
	_ = zw.Close()
	corrupt := filepath.Join(dir, "backend-api-2026-01-11.jsonl.gz")
	if err := os.WriteFile(corrupt, gz.Bytes()[:gz.Len()/2], 0o600); err != nil {
		t.Fatal(err)
	}
	files := []logs.File{{Path: filepath.Join(dir, "missing.jsonl")}, {Path: corrupt}, {Path: good}}
	rep, err := Scan(context.Background(), ScanOptions{Files: files, Location: time.UTC})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.FileErrors) != 2 || rep.FilesRead != 2 {
		t.Fatalf("file errors %+v, files read %d", rep.FileErrors, rep.FilesRead)
	}
	for i, want := range []string{"missing.jsonl", "jsonl.gz"} {
		if !strings.Contains(rep.FileErrors[i].Error, want) {
			t.Errorf("error %q does not name %s", rep.FileErrors[i].Error, want)
		}
	}
	if rep.FailedLogins < 1 {
		t.Errorf("the readable file was not scanned: %d failed logins", rep.FailedLogins)
	}
	last := rep.Findings[len(rep.Findings)-1]
	if last.Severity != finding.Warning || !strings.Contains(last.Message, "could not be read") {
		t.Errorf("no finding for unreadable files: %+v", rep.Findings)
	}
}

func TestScanCancelled(t *testing.T) {
	dir := t.TempDir()
	writeWeek(t, dir, 1<<20)
	files, err := logs.Discover(context.Background(), dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Scan(ctx, ScanOptions{Files: files}); !errors.Is(err, context.Canceled) {
		t.Errorf("Scan on a cancelled context = %v, want context.Canceled", err)
	}
}

// TestScanLabelledSecrets: without ScanOptions.Secrets the listed values
// are not known, but the labelled ones are still redacted from examples.
func TestScanLabelledSecrets(t *testing.T) {
	files, err := logs.Discover(context.Background(), filepath.Join("testdata", "scan", "logs"), nil)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Scan(context.Background(), ScanOptions{Files: files, From: fixtureFrom, To: fixtureTo, Location: time.UTC})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(rep)
	if bytes.Contains(b, []byte("hunter2hunter2")) || bytes.Contains(b, []byte("S3cretDbPass")) {
		t.Errorf("labelled secrets leaked: %s", b)
	}
	if !bytes.Contains(b, []byte(redact.Marker)) {
		t.Errorf("no redaction marker in the report: %s", b)
	}
}

// TestScanHostileLines: lines built to make per-key scanning quadratic
// finish (a quadratic scan of these takes minutes).
func TestScanHostileLines(t *testing.T) {
	dir := t.TempDir()
	var b bytes.Buffer
	for _, unit := range []string{"user=", "from ", "for ", "'", "%25", "/*", "password=x ", "1.1:"} {
		fmt.Fprintf(&b, `{"timestamp": "2026-01-12T10:00:00", "level": "WARNING", "message": "login failed %s"}`+"\n",
			strings.Repeat(unit, (256<<10)/len(unit)))
	}
	path := filepath.Join(dir, "hostile.jsonl")
	if err := os.WriteFile(path, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	rep, err := Scan(context.Background(), ScanOptions{Files: []logs.File{{Path: path}}, Location: time.UTC})
	if err != nil {
		t.Fatal(err)
	}
	if rep.FailedLogins != 8 {
		t.Errorf("failed_logins = %d, want 8", rep.FailedLogins)
	}
	for _, s := range rep.SecretsInLogs {
		for _, e := range s.Examples {
			if len(e.Text) > maxExampleBytes+len("…") {
				t.Errorf("example of %d bytes", len(e.Text))
			}
		}
	}
}

// writeWeek writes about size bytes of FossaWork-shaped logs for the week
// 2026-01-05..11 (both shapes; failed logins, bursts, attacks, secrets at
// realistic rates) and returns the bytes written.
func writeWeek(tb testing.TB, dir string, size int64) int64 {
	tb.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	perDay := size / 7
	var total int64
	for d := range 7 {
		day := time.Date(2026, 1, 5+d, 0, 0, 0, 0, time.UTC)
		var b bytes.Buffer
		for i := 0; int64(b.Len()) < perDay; i++ {
			at := day.Add(time.Duration(int64(i) * int64(24*time.Hour) / (perDay / 230)))
			writeLine(&b, rng, at)
		}
		name := filepath.Join(dir, fmt.Sprintf("backend-api-%s.jsonl", day.Format(time.DateOnly)))
		if err := os.WriteFile(name, b.Bytes(), 0o600); err != nil {
			tb.Fatal(err)
		}
		total += int64(b.Len())
	}
	return total
}

var benchUAs = []string{
	"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36",
	"Mozilla/5.0 (X11; Linux x86_64; rv:127.0) Gecko/20100101 Firefox/127.0",
}

func writeLine(b *bytes.Buffer, rng *rand.Rand, at time.Time) {
	ip := fmt.Sprintf("10.0.%d.%d", rng.IntN(4), 2+rng.IntN(250))
	ts := at.Format("2006-01-02T15:04:05.000000")
	switch k := rng.IntN(1000); {
	case k < 5:
		fmt.Fprintf(b, `{"timestamp": %q, "level": "WARNING", "logger": "fossawork.auth", "message": "Authentication failed: invalid credentials for user tech%03d from %s", "client_ip": %q, "path": "/api/auth/login", "status_code": 401}`+"\n",
			ts, rng.IntN(50), ip, ip)
	case k < 7:
		fmt.Fprintf(b, "%s | WARNING  | fossawork.auth       | login          :88   | Login failed for admin from 203.0.113.%d: bad password\n",
			at.Format(time.DateTime), rng.IntN(4))
	case k < 8:
		fmt.Fprintf(b, `{"timestamp": %q, "level": "WARNING", "logger": "fossawork.api", "message": "GET /api/work-orders?id=1%%27%%20OR%%20%%271%%27%%3D%%271 400 2ms", "client_ip": "198.51.100.9", "user_agent": "sqlmap/1.7.2#stable"}`+"\n", ts)
	case k < 40:
		fmt.Fprintf(b, "%s | WARNING  | fossawork            | sync           :211  | Rate limit exceeded for %s on /api/work-orders\n", at.Format(time.DateTime), ip)
	case k < 400:
		fmt.Fprintf(b, "%s | INFO     | fossawork.scheduler  | run_scheduled  :%-4d | Work order %08x status changed to completed\n", at.Format(time.DateTime), 20+rng.IntN(800), rng.Uint32())
	default:
		fmt.Fprintf(b, `{"timestamp": %q, "level": "INFO", "logger": "fossawork.api", "message": "GET /api/dispensers?work_order_id=%08x-%04x 200 %dms", "module": "main", "function": "log_requests", "line": 57, "method": "GET", "path": "/api/dispensers?work_order_id=%08x-%04x", "status_code": 200, "duration_ms": %d, "client_ip": %q, "user_agent": %q}`+"\n",
			ts, rng.Uint32(), rng.IntN(65536), 4+rng.IntN(180), rng.Uint32(), rng.IntN(65536), 4+rng.IntN(180), ip, benchUAs[rng.IntN(len(benchUAs))])
	}
}

// BenchmarkScan scans a generated 100 MB week; b.SetBytes makes `go test
// -bench` print MB/s. The summarize case is the shared reader with
// logs.Summarize's counting over the same files: the baseline Scan's own
// work adds to.
func BenchmarkScan(b *testing.B) {
	dir := b.TempDir()
	size := writeWeek(b, dir, 100<<20)
	files, err := logs.Discover(context.Background(), dir, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("scan", func(b *testing.B) {
		b.SetBytes(size)
		b.ReportAllocs()
		for b.Loop() {
			rep, err := Scan(context.Background(), ScanOptions{Files: files, Location: time.UTC})
			if err != nil || rep.FailedLogins == 0 || len(rep.Signatures) == 0 {
				b.Fatal(err, rep.FailedLogins)
			}
		}
	})
	b.Run("summarize", func(b *testing.B) {
		b.SetBytes(size)
		for b.Loop() {
			if _, err := logs.Summarize(context.Background(), files, logs.SummaryOptions{Location: time.UTC}); err != nil {
				b.Fatal(err)
			}
		}
	})
}
