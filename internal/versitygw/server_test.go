//go:build unix

package versitygw

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

func TestFind(t *testing.T) {
	bin := t.TempDir()
	exe := filepath.Join(bin, "versitygw")
	if err := os.WriteFile(exe, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	home := t.TempDir()
	tests := []struct {
		name, gobin, gopath string
		want                string
	}{
		{"GOBIN", bin, "", exe},
		{"GOPATH/bin", "", filepath.Dir(bin) + string(filepath.ListSeparator) + "/nonexistent", ""},
		{"nowhere", "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("PATH", t.TempDir())
			t.Setenv("HOME", home)
			t.Setenv("GOBIN", tt.gobin)
			t.Setenv("GOPATH", tt.gopath)
			got, err := Find()
			if tt.want == "" {
				if err == nil {
					t.Fatalf("Find() = %s, want an error", got)
				}
				if !strings.Contains(err.Error(), filepath.Join(home, "go", "bin")) {
					t.Errorf("error %q does not name ~/go/bin", err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("Find() = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

// TestStartStop starts the real server: the bucket is there, the pidfile
// names the process, and Stop leaves no process and no pidfile.
func TestStartStop(t *testing.T) {
	bin, err := Find()
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("CI is set but versitygw is missing (%s): %v", Install, err)
		}
		t.Skipf("versitygw not installed (%s): %v", Install, err)
	}
	s, err := Start(context.Background(), Options{Bin: bin, Dir: t.TempDir(), Bucket: "demo"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Stop)
	ok, err := s.Client.BucketExists(context.Background(), "demo")
	if err != nil || !ok {
		t.Fatalf("bucket demo: exists %v, %v", ok, err)
	}
	data, err := os.ReadFile(s.Pidfile)
	if err != nil || strings.TrimSpace(string(data)) != strconv.Itoa(s.PID) {
		t.Fatalf("pidfile %s holds %q (%v), want %d", s.Pidfile, data, err, s.PID)
	}
	// The keys are not in the server's arguments, which any local user
	// may read.
	if cmdline, err := os.ReadFile("/proc/" + strconv.Itoa(s.PID) + "/cmdline"); err == nil &&
		(strings.Contains(string(cmdline), s.Secret) || strings.Contains(string(cmdline), s.KeyID)) {
		t.Errorf("the keys are in versitygw's command line: %q", cmdline)
	}
	s.Stop()
	s.Stop() // a second Stop does nothing
	if err := syscall.Kill(s.PID, 0); !errors.Is(err, syscall.ESRCH) {
		t.Errorf("pid %d after Stop: kill -0 = %v, want no such process", s.PID, err)
	}
	if _, err := os.Stat(s.Pidfile); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("pidfile after Stop: %v", err)
	}
}
