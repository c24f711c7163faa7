package patterns

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files")

func TestPerLineGolden(t *testing.T) {
	for _, f := range []Format{FormatAuto, FormatPlain} {
		t.Run(f.String(), func(t *testing.T) {
			in := filepath.Join("testdata", "mixed.log")
			m := New(Options{})
			n, err := AddFiles(context.Background(), m, []string{in}, f)
			if err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			ts, err := WritePerLine(context.Background(), &out, m, []string{in}, f)
			if err != nil {
				t.Fatal(err)
			}
			if lines := bytes.Count(out.Bytes(), []byte("\n")); lines != n || n != 16 {
				t.Errorf("%d objects for %d lines (the fixture has 16)", lines, n)
			}
			total := 0
			for _, tpl := range ts {
				total += tpl.Count
			}
			if total != n {
				t.Errorf("per-line templates count %d lines, want %d", total, n)
			}
			golden := filepath.Join("testdata", "mixed."+f.String()+".golden.jsonl")
			if *update {
				if err := os.WriteFile(golden, out.Bytes(), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if !bytes.Equal(out.Bytes(), want) {
				t.Errorf("per-line output differs from %s:\n%s", golden, out.String())
			}
		})
	}
}

func TestAddFilesErrors(t *testing.T) {
	m := New(Options{})
	if _, err := AddFiles(context.Background(), m, []string{filepath.Join(t.TempDir(), "missing.log")}, FormatAuto); err == nil {
		t.Error("no error for a missing file")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	big := filepath.Join(t.TempDir(), "big.log")
	if err := os.WriteFile(big, bytes.Repeat([]byte("line 1\n"), 10000), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := AddFiles(ctx, m, []string{big}, FormatPlain); err == nil {
		t.Error("a cancelled context did not stop reading")
	}
}

func TestLongLineIsCut(t *testing.T) {
	path := filepath.Join(t.TempDir(), "long.log")
	long := append(bytes.Repeat([]byte("x"), 20<<20), "\nshort 1\n"...)
	if err := os.WriteFile(path, long, 0o600); err != nil {
		t.Fatal(err)
	}
	m := New(Options{})
	n, err := AddFiles(context.Background(), m, []string{path}, FormatAuto)
	if err != nil || n != 2 {
		t.Fatalf("AddFiles = %d, %v; want 2 lines", n, err)
	}
}

func TestParseFormat(t *testing.T) {
	for _, s := range []string{"", "auto", "json", "pipe", "plain"} {
		if _, err := ParseFormat(s); err != nil {
			t.Errorf("ParseFormat(%q): %v", s, err)
		}
	}
	if _, err := ParseFormat("xml"); err == nil {
		t.Error("ParseFormat accepted xml")
	}
}
