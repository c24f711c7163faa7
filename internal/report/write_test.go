package report

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"testing"

	"github.com/fossawork/fossamaint/internal/runbook"
)

func TestWrite(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "reports", "weekly")
	run := sampleRun(t)
	paths, err := Write(t.Context(), dir, run, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := Paths{
		Markdown: filepath.Join(dir, "maintenance-20261205-020000.md"),
		JSON:     filepath.Join(dir, "maintenance-20261205-020000.json"),
		HTML:     filepath.Join(dir, "maintenance-20261205-020000.html"),
	}
	if paths != want {
		t.Fatalf("paths = %+v, want %+v", paths, want)
	}
	checkDir(t, dir, []string{"maintenance-20261205-020000.html", "maintenance-20261205-020000.json", "maintenance-20261205-020000.md"})
	for format, path := range map[string]string{FormatMarkdown: paths.Markdown, FormatJSON: paths.JSON, FormatHTML: paths.HTML} {
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != renderString(t, format, run, Options{}) {
			t.Errorf("%s differs from Render(%s)", path, format)
		}
		if runtime.GOOS != "windows" {
			if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
				t.Errorf("%s mode = %v, want 0600", path, fi.Mode().Perm())
			}
		}
	}
	if fi, _ := os.Stat(dir); runtime.GOOS != "windows" && fi.Mode().Perm() != 0o750 {
		t.Errorf("dir mode = %v, want 0750", fi.Mode().Perm())
	}

	// Re-rendering the same run replaces its reports and leaves nothing else.
	run.Recommendations = []string{"second rendering"}
	if _, err := Write(t.Context(), dir, run, Options{}); err != nil {
		t.Fatal(err)
	}
	checkDir(t, dir, []string{"maintenance-20261205-020000.html", "maintenance-20261205-020000.json", "maintenance-20261205-020000.md"})
	b, _ := os.ReadFile(paths.JSON)
	var back runbook.Run
	if err := json.Unmarshal(b, &back); err != nil || !slices.Equal(back.Recommendations, run.Recommendations) {
		t.Errorf("second Write did not replace the JSON report: %v %v", err, back.Recommendations)
	}
}

func checkDir(t *testing.T, dir string, want []string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	if !slices.Equal(got, want) {
		t.Errorf("dir holds %v, want %v (no temp files)", got, want)
	}
}

func TestWriteFailures(t *testing.T) {
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	blocker := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(blocker, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		ctx  context.Context
		dir  string
		run  *runbook.Run
		want string
	}{
		{"nil run", t.Context(), "", nil, "no run"},
		{"no start time", t.Context(), "", &runbook.Run{RunID: "x"}, "no start time"},
		{"cancelled", cancelled, "", sampleRun(t), "context canceled"},
		{"dir is a file", t.Context(), filepath.Join(blocker, "reports"), sampleRun(t), "creating report dir"},
		{"bad format data", t.Context(), "", yearTenThousand(t), "encoding json report"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := tt.dir
			if dir == "" {
				dir = filepath.Join(t.TempDir(), "reports")
			}
			_, err := Write(tt.ctx, dir, tt.run, Options{})
			if err == nil || !bytes.Contains([]byte(err.Error()), []byte(tt.want)) {
				t.Fatalf("err = %v, want it to mention %q", err, tt.want)
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 0 {
				t.Errorf("failed Write left %d files", len(entries))
			}
		})
	}
}

// yearTenThousand cannot be encoded as JSON (RFC 3339 has four-digit years).
func yearTenThousand(t *testing.T) *runbook.Run {
	run := sampleRun(t)
	run.NextMaintenance = run.NextMaintenance.AddDate(8000, 0, 0)
	return run
}

func TestWriteAtomicLeavesNoTempOnFailure(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "sub-is-missing", "x.md")
	if err := writeAtomic(target, []byte("x")); err == nil {
		t.Fatal("writing into a missing dir succeeded")
	}
	// The rename fails when the target is a non-empty directory.
	target = filepath.Join(dir, "x.md")
	if err := os.MkdirAll(filepath.Join(target, "inner"), 0o750); err != nil {
		t.Fatal(err)
	}
	if err := writeAtomic(target, []byte("x")); err == nil {
		t.Fatal("renaming over a directory succeeded")
	}
	checkDir(t, dir, []string{"x.md"})
}

func BenchmarkRender2000Findings(b *testing.B) {
	run := sampleRun(b)
	for i := range 2000 {
		p := &run.Phases[i%len(run.Phases)]
		s := &p.Steps[i%len(p.Steps)]
		sev := []runbook.Severity{runbook.Info, runbook.Warning, runbook.Critical}[i%3]
		s.Finding(sev, fmt.Sprintf("line %d: password=hunter%d <tag> `code`", i, i), "finding %d from %s", i, s.Name)
		s.Metric(fmt.Sprintf("m%04d", i), float64(i)/7, "ms")
	}
	opts := Options{Secrets: testSecrets}
	for _, format := range Formats {
		b.Run(format, func(b *testing.B) {
			var n int
			for b.Loop() {
				out, err := render(format, run, newRedactor(opts.Secrets))
				if err != nil {
					b.Fatal(err)
				}
				n = len(out)
			}
			b.SetBytes(int64(n))
		})
	}
}
