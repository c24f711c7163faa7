package sandbox

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoadSettings(t *testing.T) {
	tests := []struct {
		name, data, wantErr string
	}{
		{"ok", `{"addr":"127.0.0.1:1","db":"backend/x.db","log_dir":"logs","pidfile":"state/p","logfile":"logs/o"}`, ""},
		{"missing field", `{"addr":"127.0.0.1:1"}`, "must be set"},
		{"not json", `addr: x`, "decoding"},
		{"unknown field ignored", `{"addr":"a","db":"d","log_dir":"l","pidfile":"p","logfile":"o","extra":1}`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, SettingsFile), []byte(tt.data), 0o600); err != nil {
				t.Fatal(err)
			}
			s, err := LoadSettings(dir)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !filepath.IsAbs(s.DB) || !strings.HasPrefix(s.Pidfile, dir) {
				t.Errorf("paths not resolved against %s: %+v", dir, s)
			}
		})
	}
}

// FuzzLoadSettings: no settings file makes LoadSettings panic, and a
// successful load always has absolute paths.
func FuzzLoadSettings(f *testing.F) {
	f.Add(`{"addr":"127.0.0.1:1","db":"backend/x.db","log_dir":"logs","pidfile":"state/p","logfile":"logs/o"}`)
	f.Add(`{"addr":"a","db":"/abs/x.db","log_dir":"l","pidfile":"p","logfile":"o","users":[{"username":"u"}]}`)
	f.Add(`{}`)
	f.Add(`[`)
	// One open file, rewritten in place: os.WriteFile truncates to zero,
	// and ext4 then writes the file out on close (auto_da_alloc), which
	// made the I/O, not LoadSettings, nearly all of an exec's time.
	dir := f.TempDir()
	file, err := os.OpenFile(filepath.Join(dir, SettingsFile), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { file.Close() })
	f.Fuzz(func(t *testing.T, data string) {
		if len(data) > maxFuzzLen {
			return
		}
		if _, err := file.WriteAt([]byte(data), 0); err != nil {
			t.Fatal(err)
		}
		if err := file.Truncate(int64(len(data))); err != nil {
			t.Fatal(err)
		}
		s, err := LoadSettings(dir)
		if err == nil && (!filepath.IsAbs(s.DB) || !filepath.IsAbs(s.Pidfile) || !filepath.IsAbs(s.Logfile)) {
			t.Fatalf("relative path after load: %+v", s)
		}
	})
}
