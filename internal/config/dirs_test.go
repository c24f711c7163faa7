package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestLoadDirectoryKeyIsAFile: a directory key pointing at a file is a
// config error at the key's position, not a failure later in a command.
func TestLoadDirectoryKeyIsAFile(t *testing.T) {
	tests := []struct {
		name  string
		yaml  string // with ROOT for the installation dir
		file  string // created as a regular file under ROOT
		want  string // "" means Load succeeds
		plain bool   // the error has no position (a default, not in the file)
	}{
		{"state_dir", "root: ROOT\nstate_dir: state\n", "state", "cfg.yaml:2:1: state_dir: ROOT/state is a file, not a directory", false},
		{"reports_dir", "root: ROOT\nstate_dir: s\nreports_dir: out\n", "out", "cfg.yaml:3:1: reports_dir: ROOT/out is a file", false},
		{"nested key", "root: ROOT\nstate_dir: s\nbackups:\n  keep_daily: 3\n  daily_dir: d\n", "d", "cfg.yaml:5:3: backups.daily_dir: ROOT/d is a file", false},
		{"parent is a file", "root: ROOT\nstate_dir: f/state\n", "f", "cfg.yaml:2:1: state_dir: ROOT/f/state cannot be created: ROOT/f is a file", false},
		{"default path", "root: ROOT\nstate_dir: s\n", "logs", "cfg.yaml: logs.dir: ROOT/logs is a file, not a directory (the default logs; set logs.dir", true},
		{"root", "root: ROOT/inst\nstate_dir: s\n", "inst", "cfg.yaml:1:1: root: ROOT/inst is a file, not a directory: point root: at", false},
		{"root missing", "root: ROOT/gone\nstate_dir: s\n", "", "cfg.yaml:1:1: root: ROOT/gone not found: point root: at the FossaWork installation directory", false},
		{"missing is fine", "root: ROOT\nstate_dir: not/yet/there\n", "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			root := filepath.Join(dir, "root")
			if err := os.MkdirAll(root, 0o700); err != nil {
				t.Fatal(err)
			}
			if tt.file != "" {
				if err := os.WriteFile(filepath.Join(root, tt.file), []byte("x"), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			cfgPath := filepath.Join(dir, "cfg.yaml")
			if err := os.WriteFile(cfgPath, []byte(strings.ReplaceAll(tt.yaml, "ROOT", root)), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := Load(cfgPath)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("Load: %v", err)
				}
				return
			}
			want := strings.ReplaceAll(strings.Replace(tt.want, "cfg.yaml", cfgPath, 1), "ROOT", root)
			var ce *Error
			if err == nil || !strings.Contains(err.Error(), want) || !errors.As(err, &ce) {
				t.Fatalf("err = %v (%T)\nwant a *config.Error containing %q", err, err, want)
			}
			if (ce.Line == 0) != tt.plain {
				t.Errorf("position %d:%d, want one: %v", ce.Line, ce.Column, !tt.plain)
			}
		})
	}
}
