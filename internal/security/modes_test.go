package security

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func TestAuditModes(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("Unix permission bits")
	}
	dir := t.TempDir()
	mk := func(name string, mode os.FileMode, isDir bool) string {
		p := filepath.Join(dir, name)
		var err error
		if isDir {
			err = os.Mkdir(p, 0o700)
		} else {
			err = os.WriteFile(p, []byte("x"), 0o600)
		}
		if err != nil {
			t.Fatal(err)
		}
		// Chmod after creating: the umask must not decide the fixture.
		if err := os.Chmod(p, mode); err != nil {
			t.Fatal(err)
		}
		return p
	}
	cases := []struct {
		name     string
		path     string
		max      os.FileMode
		wantMode os.FileMode
		excess   os.FileMode
		missing  bool
		wantMsg  string
	}{
		{"exact", mk("db", 0o600, false), 0o600, 0o600, 0, false, "is mode 0600 (allowed at most 0600)"},
		{"stricter", mk("ro.env", 0o400, false), 0o600, 0o400, 0, false, "is mode 0400"},
		{"world readable env", mk(".env", 0o644, false), 0o600, 0o644, 0o044, false, "is mode 0644; allowed at most 0600 (run: chmod 600 "},
		{"group writable, keeps stricter bits", mk("g", 0o460, false), 0o600, 0o460, 0o060, false, "(run: chmod 400 "},
		{"directory", mk("data", 0o755, true), 0o700, 0o755, 0o055, false, "(run: chmod 700 "},
		{"setuid", mk("tool", 0o755|os.ModeSetuid, false), 0o755, 0o755 | os.ModeSetuid, os.ModeSetuid, false, "is mode 4755; allowed at most 0755 (run: chmod 755 "},
		{"path needing quotes", mk("it's here", 0o666, false), 0o600, 0o666, 0o066, false, `chmod 600 '` + dir + `/it'\''s here'`},
		{"missing", filepath.Join(dir, "nope"), 0o600, 0, 0, true, "does not exist"},
	}
	checks := make([]ModeCheck, len(cases))
	for i, tc := range cases {
		checks[i] = ModeCheck{Path: tc.path, Max: tc.max}
	}
	got := AuditModes(context.Background(), checks)
	if len(got) != len(cases) {
		t.Fatalf("%d findings for %d checks", len(got), len(cases))
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := got[i]
			if f.Path != tc.path || f.Mode != tc.wantMode || f.Excess != tc.excess ||
				f.TooPermissive != (tc.excess != 0) || f.Missing != tc.missing || f.Err != "" {
				t.Errorf("finding %+v; want mode %v excess %v missing %v", f, tc.wantMode, tc.excess, tc.missing)
			}
			if !strings.Contains(f.Message, tc.wantMsg) {
				t.Errorf("message %q lacks %q", f.Message, tc.wantMsg)
			}
			if !tc.missing && f.UID != os.Getuid() {
				t.Errorf("UID %d, want %d", f.UID, os.Getuid())
			}
			if !tc.missing {
				fi, err := os.Stat(tc.path)
				if err != nil || fi.Mode()&modeBits != tc.wantMode {
					t.Errorf("AuditModes changed the mode to %v (%v)", fi.Mode(), err)
				}
			}
		})
	}
}

func TestAuditModesCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	got := AuditModes(ctx, []ModeCheck{{Path: t.TempDir(), Max: 0o700}})
	if len(got) != 1 || got[0].Err == "" {
		t.Fatalf("findings %+v: want one with the cancellation error", got)
	}
}

func TestShellQuote(t *testing.T) {
	cases := map[string]string{
		"backend/.env":     "backend/.env",
		"/a b":             "'/a b'",
		"$(rm -rf /)":      "'$(rm -rf /)'",
		"":                 "''",
		"it's":             `'it'\''s'`,
		"/srv/app@1.2/x=y": "/srv/app@1.2/x=y",
	}
	for in, want := range cases {
		if got := shellQuote(in); got != want {
			t.Errorf("shellQuote(%q) = %q, want %q", in, got, want)
		}
	}
}
