package logs

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

const day = 24 * time.Hour

var rotNow = time.Date(2026, 11, 20, 3, 0, 0, 0, time.UTC)

func ago(d time.Duration) time.Time { return rotNow.Add(-d) }

// rotDirs returns a logs dir and an archive dir side by side, as upstream.
func rotDirs(t *testing.T) (logsDir, archiveDir string) {
	root := t.TempDir()
	return filepath.Join(root, "logs"), filepath.Join(root, "archives", "logs")
}

func rotOpts(logsDir, archiveDir string) RotateOptions {
	return RotateOptions{LogsDir: logsDir, ArchiveDir: archiveDir, Now: rotNow, Workers: 2,
		CompressAfter: 7 * day, ArchiveAfter: 30 * day, DeleteAfter: 90 * day}
}

// putFile writes content at path with the given mtime, creating parents.
func putFile(t testing.TB, path string, content []byte, mtime time.Time) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, content, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(path, mtime, mtime); err != nil {
		t.Fatal(err)
	}
}

func putGz(t *testing.T, path string, content []byte, mtime time.Time) {
	t.Helper()
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	zw.Write(content)
	zw.Close()
	putFile(t, path, b.Bytes(), mtime)
}

// logLines generates n JSON lines in the upstream shape.
func logLines(n int) []byte {
	var b bytes.Buffer
	r := rand.New(rand.NewPCG(1, 2))
	for i := range n {
		fmt.Fprintf(&b, `{"timestamp":"2026-11-01T%02d:%02d:%02d.%06d","level":"INFO","logger":"fossawork.api","message":"GET /api/work-orders/%d 200 %dms","module":"api","function":"handle","line":%d}`+"\n",
			i/3600%24, i/60%60, i%60, r.IntN(1e6), r.IntN(1e5), r.IntN(900), r.IntN(500))
	}
	return b.Bytes()
}

func gunzipFile(t *testing.T, path string) []byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f) // the standard library: what zcat reads, we must write
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return b
}

// tree describes every file under dirs: path → size, mtime, sha256.
func tree(t *testing.T, dirs ...string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, dir := range dirs {
		filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return nil
			}
			info, _ := d.Info()
			b, _ := os.ReadFile(p)
			out[p] = fmt.Sprintf("%d %s %x", info.Size(), info.ModTime().UTC(), sha256.Sum256(b))
			return nil
		})
	}
	return out
}

func exists(path string) bool { _, err := os.Lstat(path); return err == nil }

func noTemps(t *testing.T, dirs ...string) {
	t.Helper()
	for p := range tree(t, dirs...) {
		if strings.HasSuffix(p, ".tmp") {
			t.Errorf("temp file left behind: %s", p)
		}
	}
}

func skipReasons(res RotateResult) string {
	var b strings.Builder
	for _, s := range res.Skipped {
		fmt.Fprintf(&b, "%s: %s\n", s.Path, s.Reason)
	}
	return b.String()
}

func TestRotateCompressRoundTrip(t *testing.T) {
	logsDir, archiveDir := rotDirs(t)
	path := filepath.Join(logsDir, "backend", "backend-general-2026-11-01.jsonl")
	content := logLines(5000)
	mtime := ago(19 * day).Add(123456789) // sub-second part must survive too
	putFile(t, path, content, mtime)
	if err := os.Chmod(path, 0o640); err != nil {
		t.Fatal(err)
	}
	res, err := Rotate(context.Background(), rotOpts(logsDir, archiveDir))
	if err != nil {
		t.Fatal(err)
	}
	gz := path + ".gz"
	if exists(path) {
		t.Error("original still there")
	}
	if got := gunzipFile(t, gz); !bytes.Equal(got, content) {
		t.Fatalf("round trip: %d bytes back, want %d", len(got), len(content))
	}
	info, err := os.Stat(gz)
	if err != nil {
		t.Fatal(err)
	}
	if !info.ModTime().Equal(mtime) || info.Mode().Perm() != 0o640 {
		t.Errorf(".gz mtime %s mode %v, want %s 0640", info.ModTime(), info.Mode().Perm(), mtime)
	}
	if res.Compressed != 1 || res.BytesBefore != int64(len(content)) || res.BytesAfter != info.Size() || len(res.Actions) != 1 {
		t.Errorf("result %+v", res)
	}
	if res.LogsBytes != info.Size() || res.ArchiveBytes != 0 { // the archive dir does not exist yet
		t.Errorf("usage after: logs %d archive %d, want %d 0", res.LogsBytes, res.ArchiveBytes, info.Size())
	}
	if gzipBin, err := exec.LookPath("gzip"); err == nil {
		out, err := exec.Command(gzipBin, "-dc", gz).Output()
		if err != nil || !bytes.Equal(out, content) {
			t.Errorf("gzip -dc: %v (%d bytes)", err, len(out))
		}
	}
	noTemps(t, logsDir)
}

func TestRotateAges(t *testing.T) {
	logsDir, archiveDir := rotDirs(t)
	month := func(d time.Duration) string { return ago(d).Format("200601") }
	type file struct {
		name string // under logsDir, or under archiveDir with an "A/" prefix
		age  time.Duration
		want string // where it ends, same convention; "" = deleted
	}
	files := []file{
		{"backend/a-2026-11-18.jsonl", 2 * day, "backend/a-2026-11-18.jsonl"},
		{"backend/b.jsonl", 7 * day, "backend/b.jsonl"}, // not older than 7d
		{"backend/c.jsonl", 8 * day, "backend/c.jsonl.gz"},
		// Only .jsonl is FossaWork's to compress: other .log files are
		// left to whatever rotates them.
		{"errors/d.log", 10 * day, "errors/d.log"},
		{"backend/e.jsonl.gz", 20 * day, "backend/e.jsonl.gz"},
		{"backend/f.jsonl.gz", 40 * day, "A/" + month(40*day) + "/f.jsonl.gz"},
		{"automation/g.jsonl", 45 * day, "A/" + month(45*day) + "/g.jsonl.gz"},
		// Archived now, deleted next time: one run never takes a log from
		// the tree to oblivion.
		{"backend/h.jsonl", 120 * day, "A/" + month(120*day) + "/h.jsonl.gz"},
		{"backend/notes.txt", 100 * day, "backend/notes.txt"},
		{"A/202605/i.jsonl.gz", 100 * day, ""},
		{"A/202609/j.log.gz", 91 * day, ""},
		{"A/202609/k.jsonl.gz", 60 * day, "A/202609/k.jsonl.gz"},
		// Not in rotation's layout: not its to expire.
		{"A/db-backup.sql.gz", 200 * day, "A/db-backup.sql.gz"},
		{"A/202604/dump.sql.gz", 200 * day, "A/202604/dump.sql.gz"},
	}
	abs := func(name string) string {
		if rest, ok := strings.CutPrefix(name, "A/"); ok {
			return filepath.Join(archiveDir, rest)
		}
		return filepath.Join(logsDir, name)
	}
	for _, f := range files {
		content := []byte(f.name + "\n")
		if strings.HasSuffix(f.name, ".gz") {
			putGz(t, abs(f.name), content, ago(f.age))
		} else {
			putFile(t, abs(f.name), content, ago(f.age))
		}
	}
	res, err := Rotate(context.Background(), rotOpts(logsDir, archiveDir))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if f.want != f.name && exists(abs(f.name)) {
			t.Errorf("%s: still in place", f.name)
		}
		if f.want == "" {
			continue
		}
		info, err := os.Stat(abs(f.want))
		if err != nil {
			t.Errorf("%s: %v", f.name, err)
			continue
		}
		if !info.ModTime().Equal(ago(f.age)) {
			t.Errorf("%s: mtime %s, want %s", f.want, info.ModTime(), ago(f.age))
		}
	}
	if res.Compressed != 3 || res.Archived != 3 || res.Deleted != 2 || len(res.Skipped) != 0 {
		t.Errorf("compressed %d archived %d deleted %d, want 3 3 2; skipped:\n%s", res.Compressed, res.Archived, res.Deleted, skipReasons(res))
	}
	if len(res.Actions) != 3+3+2 {
		t.Errorf("actions:\n%s", strings.Join(res.Actions, "\n"))
	}
	if exists(filepath.Join(archiveDir, "202605")) {
		t.Error("emptied month directory 202605 left behind")
	}
}

func TestRotateArchivesIntoOwnMonth(t *testing.T) {
	mtime := time.Date(2026, 9, 30, 23, 30, 0, 0, time.UTC)
	for _, tc := range []struct {
		loc  *time.Location
		want string
	}{
		{time.UTC, "202609"},
		{time.FixedZone("UTC-5", -5*3600), "202609"},
		{time.FixedZone("UTC+9", 9*3600), "202610"}, // already October there
	} {
		t.Run(tc.loc.String(), func(t *testing.T) {
			logsDir, archiveDir := rotDirs(t)
			putGz(t, filepath.Join(logsDir, "x-2026-09-30.jsonl.gz"), []byte("x\n"), mtime)
			o := rotOpts(logsDir, archiveDir)
			o.Now = rotNow.In(tc.loc) // November: the seed would file it under 202611
			if _, err := Rotate(context.Background(), o); err != nil {
				t.Fatal(err)
			}
			dst := filepath.Join(archiveDir, tc.want, "x-2026-09-30.jsonl.gz")
			info, err := os.Stat(dst)
			if err != nil {
				t.Fatal(err)
			}
			if !info.ModTime().Equal(mtime) {
				t.Errorf("mtime %s, want %s", info.ModTime(), mtime)
			}
		})
	}
}

func TestRotateQuietPeriod(t *testing.T) {
	logsDir, archiveDir := rotDirs(t)
	recent := filepath.Join(logsDir, "recent.jsonl")
	settled := filepath.Join(logsDir, "settled.jsonl")
	putFile(t, recent, []byte("r\n"), ago(30*time.Minute))
	putFile(t, settled, []byte("s\n"), ago(2*time.Hour))
	o := rotOpts(logsDir, archiveDir)
	o.CompressAfter = 10 * time.Minute // due by age, but quiet period is 1h
	res, err := Rotate(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if !exists(recent) || exists(recent+".gz") || !exists(settled+".gz") {
		t.Errorf("recent kept: %v, settled compressed: %v", exists(recent), exists(settled+".gz"))
	}
	if len(res.Skipped) != 1 || res.Skipped[0].Path != recent || !strings.Contains(res.Skipped[0].Reason, "quiet period") {
		t.Errorf("skipped:\n%s", skipReasons(res))
	}
}

func TestRotateCollisionsNeverOverwrite(t *testing.T) {
	logsDir, archiveDir := rotDirs(t)
	old := ago(10 * day)
	// An existing .gz beside a due original.
	putFile(t, filepath.Join(logsDir, "a.jsonl"), []byte("new\n"), old)
	putGz(t, filepath.Join(logsDir, "a.jsonl.gz"), []byte("older\n"), ago(20*day))
	// An archived name already taken.
	month := ago(40 * day).Format("200601")
	putGz(t, filepath.Join(logsDir, "b.jsonl.gz"), []byte("b\n"), ago(40*day))
	putGz(t, filepath.Join(archiveDir, month, "b.jsonl.gz"), []byte("b archived\n"), ago(40*day))
	// Two files bound for one archive name in this run.
	putGz(t, filepath.Join(logsDir, "backend", "c.jsonl.gz"), []byte("c1\n"), ago(40*day))
	putGz(t, filepath.Join(logsDir, "errors", "c.jsonl.gz"), []byte("c2\n"), ago(40*day))
	// Due for both: compressed in place, not archived.
	putFile(t, filepath.Join(logsDir, "d.jsonl"), []byte("d\n"), ago(40*day))
	putGz(t, filepath.Join(archiveDir, month, "d.jsonl.gz"), []byte("d archived\n"), ago(40*day))

	for _, dry := range []bool{true, false} {
		before := tree(t, logsDir, archiveDir)
		o := rotOpts(logsDir, archiveDir)
		o.DryRun = dry
		res, err := Rotate(context.Background(), o)
		if err != nil {
			t.Fatal(err)
		}
		after := tree(t, logsDir, archiveDir)
		for p, was := range before {
			if strings.HasSuffix(p, ".gz") && after[p] != "" && after[p] != was {
				t.Errorf("dry=%v: %s overwritten", dry, p)
			}
		}
		reasons := skipReasons(res)
		for _, want := range []string{"a.jsonl: not compressed: ", "b.jsonl.gz: not archived: ", "errors/c.jsonl.gz: not archived", "d.jsonl: compressed but not archived"} {
			if !strings.Contains(reasons, want) {
				t.Errorf("dry=%v: no skip %q in:\n%s", dry, want, reasons)
			}
		}
		if res.Compressed != 1 || res.Archived != 1 || len(res.Skipped) != 4 {
			t.Errorf("dry=%v: compressed %d archived %d, want 1 1; skipped:\n%s", dry, res.Compressed, res.Archived, reasons)
		}
	}
	if got := gunzipFile(t, filepath.Join(logsDir, "a.jsonl.gz")); string(got) != "older\n" {
		t.Errorf("a.jsonl.gz now holds %q", got)
	}
	if got := gunzipFile(t, filepath.Join(archiveDir, month, "c.jsonl.gz")); string(got) != "c1\n" {
		t.Errorf("archived c.jsonl.gz holds %q", got)
	}
	if !exists(filepath.Join(logsDir, "errors", "c.jsonl.gz")) || !exists(filepath.Join(logsDir, "d.jsonl.gz")) {
		t.Error("the second c.jsonl.gz must stay, d.jsonl must be compressed in place")
	}
}

func TestRotateFileWrittenDuringRotation(t *testing.T) {
	appendLine := func(t *testing.T, path string) {
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
		if err != nil {
			t.Fatal(err)
		}
		f.WriteString(`{"late":true}` + "\n")
		f.Close()
	}
	for _, tc := range []struct {
		name, event string
		act         func(t *testing.T, original, temp string)
		reason      string
		wantErr     bool
	}{
		{"appended after it was found", "start", func(t *testing.T, o, _ string) { appendLine(t, o) }, "modified during rotation", false},
		{"appended after it was read", "written", func(t *testing.T, o, _ string) { appendLine(t, o) }, "modified during rotation", false},
		{"replaced after it was read", "written", func(t *testing.T, o, _ string) {
			os.Remove(o)
			putFile(t, o, logLines(100), ago(10*day))
		}, "replaced during rotation", false},
		{"compressed copy corrupted", "written", func(t *testing.T, _, tmp string) {
			b, _ := os.ReadFile(tmp)
			b[len(b)/2] ^= 0xff
			os.WriteFile(tmp, b, 0o600)
		}, "verifying", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			logsDir, archiveDir := rotDirs(t)
			path := filepath.Join(logsDir, "api-2026-11-01.jsonl")
			putFile(t, path, logLines(5000), ago(10*day))
			o := rotOpts(logsDir, archiveDir)
			var want []byte // the original as the writer left it
			o.hook = func(event, original, temp string) {
				if event == tc.event && original == path {
					tc.act(t, original, temp)
					want, _ = os.ReadFile(original)
				}
			}
			res, err := Rotate(context.Background(), o)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v", err)
			}
			got, rerr := os.ReadFile(path)
			if rerr != nil || !bytes.Equal(got, want) || exists(path+".gz") {
				t.Errorf("original kept: %v, .gz present: %v", rerr == nil && bytes.Equal(got, want), exists(path+".gz"))
			}
			if res.Compressed != 0 || len(res.Skipped) != 1 || !strings.Contains(res.Skipped[0].Reason, tc.reason) {
				t.Errorf("compressed %d, skipped:\n%s", res.Compressed, skipReasons(res))
			}
			noTemps(t, logsDir)
		})
	}
}

func TestRotateDryRunChangesNothing(t *testing.T) {
	logsDir, archiveDir := rotDirs(t)
	putFile(t, filepath.Join(logsDir, "a.jsonl"), logLines(100), ago(8*day))
	putFile(t, filepath.Join(logsDir, "b.jsonl"), logLines(100), ago(45*day))
	putGz(t, filepath.Join(logsDir, "c.jsonl.gz"), []byte("c\n"), ago(40*day))
	putGz(t, filepath.Join(archiveDir, "202607", "d.jsonl.gz"), []byte("d\n"), ago(100*day))
	before := tree(t, logsDir, archiveDir)
	o := rotOpts(logsDir, archiveDir)
	o.DryRun = true
	dry, err := Rotate(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if after := tree(t, logsDir, archiveDir); !maps.Equal(before, after) {
		t.Fatalf("dry run changed the tree:\n%v\n%v", before, after)
	}
	if !dry.DryRun || dry.BytesAfter != 0 {
		t.Errorf("dry result %+v", dry)
	}
	for _, a := range dry.Actions {
		if !strings.HasPrefix(a, "would ") {
			t.Errorf("action %q does not say would", a)
		}
	}
	o.DryRun = false
	real, err := Rotate(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if dry.Compressed != real.Compressed || dry.Archived != real.Archived || dry.Deleted != real.Deleted ||
		dry.BytesBefore != real.BytesBefore || len(dry.Actions) != len(real.Actions) {
		t.Errorf("dry run said %d/%d/%d, the run did %d/%d/%d", dry.Compressed, dry.Archived, dry.Deleted, real.Compressed, real.Archived, real.Deleted)
	}
	if real.Compressed != 2 || real.Archived != 2 || real.Deleted != 1 {
		t.Errorf("run %+v", real)
	}
}

func TestRotateCancel(t *testing.T) {
	t.Run("before", func(t *testing.T) {
		logsDir, archiveDir := rotDirs(t)
		putFile(t, filepath.Join(logsDir, "a.jsonl"), logLines(10), ago(8*day))
		before := tree(t, logsDir)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, err := Rotate(ctx, rotOpts(logsDir, archiveDir)); !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v", err)
		}
		if !maps.Equal(before, tree(t, logsDir)) {
			t.Error("tree changed")
		}
	})
	t.Run("inside a file", func(t *testing.T) {
		logsDir, archiveDir := rotDirs(t)
		path := filepath.Join(logsDir, "big.jsonl")
		putFile(t, path, bytes.Repeat(logLines(1000), 100), ago(8*day)) // ~17 MB
		before := tree(t, logsDir)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		o := rotOpts(logsDir, archiveDir)
		var calls int
		o.Progress = func(done, total int64) {
			calls++
			if done > 1<<20 {
				cancel()
			}
		}
		res, err := Rotate(ctx, o)
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v", err)
		}
		if !maps.Equal(before, tree(t, logsDir)) || exists(path+".gz") || res.Compressed != 0 {
			t.Error("a cancelled compression changed the tree")
		}
		if calls == 0 || res.LogsBytes != -1 {
			t.Errorf("progress calls %d, usage %d (want -1: not measured)", calls, res.LogsBytes)
		}
	})
}

func TestRotateOptionsAndJSON(t *testing.T) {
	if _, err := Rotate(context.Background(), RotateOptions{LogsDir: t.TempDir()}); err == nil {
		t.Error("no Now: want an error")
	}
	if _, err := Rotate(context.Background(), RotateOptions{Now: rotNow}); err == nil {
		t.Error("no LogsDir: want an error")
	}
	res, err := Rotate(context.Background(), rotOpts(filepath.Join(t.TempDir(), "missing"), ""))
	if err == nil {
		t.Error("missing logs dir: want an error")
	}
	b, _ := json.Marshal(res)
	var m map[string]any
	json.Unmarshal(b, &m)
	for _, k := range []string{"compressed", "archived", "deleted", "bytes_before", "bytes_after", "skipped", "actions", "logs_bytes", "archive_bytes", "dry_run"} {
		if _, ok := m[k]; !ok {
			t.Errorf("JSON lacks %q: %s", k, b)
		}
	}
	if !slices.Equal([]Skip{}, res.Skipped) {
		t.Errorf("skipped = %v, want [] (a JSON list, never null)", res.Skipped)
	}
}

// BenchmarkRotateCompress compresses 100 MB of generated JSON lines in 8
// daily files with 1 and 2 workers:
//
//	go test -run=^$ -bench=RotateCompress -benchtime=3x ./internal/logs/
func BenchmarkRotateCompress(b *testing.B) {
	const files, total = 8, 100 << 20
	chunk := logLines(total / files / 180) // lines of ~180 bytes
	for _, workers := range []int{1, 2} {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
			b.SetBytes(int64(len(chunk)) * files)
			for b.Loop() {
				b.StopTimer()
				logsDir := filepath.Join(b.TempDir(), "logs")
				for i := range files {
					putFile(b, filepath.Join(logsDir, fmt.Sprintf("backend-general-2026-10-%02d.jsonl", i+1)), chunk, ago(20*day))
				}
				b.StartTimer()
				o := rotOpts(logsDir, "")
				o.Workers = workers
				res, err := Rotate(context.Background(), o)
				if err != nil || res.Compressed != files {
					b.Fatalf("%v %+v", err, res)
				}
				b.ReportMetric(float64(res.BytesBefore)/float64(res.BytesAfter), "ratio")
			}
		})
	}
}

// A rotation killed after its copy was in place and before the original
// went leaves both; the next rotation removes the original only when the
// copy holds exactly its content (it used to skip it every week).
func TestRotateFinishesAnInterruptedRotation(t *testing.T) {
	logsDir, archiveDir := rotDirs(t)
	content := logLines(50)
	// Killed between publishing the .gz and removing the original.
	putFile(t, filepath.Join(logsDir, "a.jsonl"), content, ago(10*day))
	putGz(t, filepath.Join(logsDir, "a.jsonl.gz"), content, ago(10*day))
	// Killed between linking into the archive and removing the source.
	month := ago(40 * day).Format("200601")
	putGz(t, filepath.Join(logsDir, "b.jsonl.gz"), content, ago(40*day))
	if err := os.MkdirAll(filepath.Join(archiveDir, month), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Link(filepath.Join(logsDir, "b.jsonl.gz"), filepath.Join(archiveDir, month, "b.jsonl.gz")); err != nil {
		t.Fatal(err)
	}
	for _, dry := range []bool{true, false} {
		o := rotOpts(logsDir, archiveDir)
		o.DryRun = dry
		res, err := Rotate(context.Background(), o)
		if err != nil {
			t.Fatal(err)
		}
		if res.Finished != 2 || len(res.Skipped) != 0 || res.Compressed != 0 || res.Archived != 0 {
			t.Fatalf("dry=%v: %+v\n%s", dry, res, skipReasons(res))
		}
		if dry != exists(filepath.Join(logsDir, "a.jsonl")) || dry != exists(filepath.Join(logsDir, "b.jsonl.gz")) {
			t.Fatalf("dry=%v: originals left as %v %v", dry, exists(filepath.Join(logsDir, "a.jsonl")), exists(filepath.Join(logsDir, "b.jsonl.gz")))
		}
	}
	if got := gunzipFile(t, filepath.Join(logsDir, "a.jsonl.gz")); string(got) != string(content) {
		t.Error("a.jsonl.gz lost content")
	}
	if got := gunzipFile(t, filepath.Join(archiveDir, month, "b.jsonl.gz")); string(got) != string(content) {
		t.Error("the archived b.jsonl.gz lost content")
	}
}
