package authlog

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

// goldenRef is the fixtures' "now": March, so December lines are last year.
var goldenRef = time.Date(2025, 3, 10, 0, 0, 0, 0, time.UTC)

type goldenLine struct {
	Line   int    `json:"line"`
	Host   string `json:"host"`
	User   string `json:"user"`
	Time   string `json:"time"`
	Source string `json:"source"`
	Reason string `json:"reason"`
}

func renderFailures(t *testing.T, path string, src Source) []byte {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	opts := Options{Source: src, Ref: goldenRef, Location: time.UTC}
	_, err := ScanFile(context.Background(), path, opts, func(f Failure) error {
		g := goldenLine{Line: f.Line, Host: f.Host, User: f.User, Source: f.Source, Reason: f.Reason}
		if f.HasTime {
			g.Time = f.Time.Format(time.RFC3339Nano)
		}
		return enc.Encode(g)
	})
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestGolden renders every fixture's failures (auto-detected) and compares
// them with testdata/<name>.golden; naming the source explicitly must find
// the same failures.
func TestGolden(t *testing.T) {
	fixtures := map[string]Source{
		"sshd": SourceSSHD, "sshd-journal": SourceSSHD, "nginx": SourceNginx,
		"apache": SourceApache, "pam": SourcePAM,
	}
	for name, src := range fixtures {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join("testdata", name+".log")
			got := renderFailures(t, path, SourceAuto)
			golden := filepath.Join("testdata", name+".golden")
			if *update {
				if err := os.WriteFile(golden, got, 0o600); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s differs from %s:\n%s", path, golden, got)
			}
			if explicit := renderFailures(t, path, src); !bytes.Equal(explicit, got) {
				t.Errorf("--source %s finds other failures than auto:\n%s", src, explicit)
			}
		})
	}
}
