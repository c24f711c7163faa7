package health

import (
	"os"
	"path/filepath"
	"testing"
)

func TestCheckMode(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name      string
		mode      os.FileMode // 0 means: do not create
		dir       bool
		allowed   os.FileMode
		exists    bool
		tooPerm   bool
		wantExtra os.FileMode
	}{
		{name: "exact", mode: 0o600, allowed: 0o600, exists: true},
		{name: "stricter", mode: 0o400, allowed: 0o600, exists: true},
		{name: "group readable", mode: 0o640, allowed: 0o600, exists: true, tooPerm: true, wantExtra: 0o040},
		{name: "world readable", mode: 0o644, allowed: 0o600, exists: true, tooPerm: true, wantExtra: 0o044},
		{name: "not a subset though numerically smaller", mode: 0o601, allowed: 0o640, exists: true, tooPerm: true, wantExtra: 0o001},
		{name: "dir ok", mode: 0o700, dir: true, allowed: 0o700, exists: true},
		{name: "dir open", mode: 0o755, dir: true, allowed: 0o700, exists: true, tooPerm: true, wantExtra: 0o055},
		{name: "setgid dir", mode: 0o700 | os.ModeSetgid, dir: true, allowed: 0o700, exists: true, tooPerm: true, wantExtra: 0o2000},
		{name: "setgid allowed", mode: 0o700 | os.ModeSetgid, dir: true, allowed: 0o2700, exists: true},
		{name: "missing", allowed: 0o600},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(dir, filepath.Base(t.Name()))
			if tt.mode != 0 {
				var err error
				if tt.dir {
					err = os.Mkdir(p, 0o700)
				} else {
					err = os.WriteFile(p, []byte("x"), 0o600)
				}
				if err != nil {
					t.Fatal(err)
				}
				if err := os.Chmod(p, tt.mode); err != nil {
					t.Fatal(err)
				}
			}
			res, err := CheckMode(p, tt.allowed)
			if err != nil {
				t.Fatal(err)
			}
			if res.Exists != tt.exists || res.TooPermissive != tt.tooPerm || res.Excess != tt.wantExtra {
				t.Fatalf("got %+v (actual %04o)", res, uint32(res.Actual))
			}
			if tt.exists && res.Actual != unixBits(tt.mode) {
				t.Fatalf("actual %04o, want %04o", uint32(res.Actual), uint32(unixBits(tt.mode)))
			}
		})
	}
}

func TestCheckModeFollowsSymlink(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "env")
	if err := os.WriteFile(target, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link")
	if err := os.Symlink(target, link); err != nil {
		t.Skip("symlinks unavailable:", err)
	}
	res, err := CheckMode(link, 0o600)
	if err != nil || res.TooPermissive || res.Actual != 0o600 {
		t.Fatalf("got %+v, %v", res, err)
	}
}

func TestCheckModeStatError(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "file")
	if err := os.WriteFile(f, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	// a path through a regular file is ENOTDIR, not "missing"
	if _, err := CheckMode(filepath.Join(f, "child"), 0o600); err == nil {
		t.Fatal("stat through a file was not an error")
	}
}
