package schedule

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// TestInstall: install writes 0644 files, a second install changes
// nothing, a set without the notice removes the notice pair and the link
// systemctl enable made to it, and a dry run touches nothing.
func TestInstall(t *testing.T) {
	in := installation(t, "  timezone: UTC\n")
	dir := t.TempDir()
	units, err := Units(in, Options{Binary: "/usr/bin/fossamaint", Config: in.ConfigPath})
	if err != nil {
		t.Fatal(err)
	}
	if ch, err := Install(dir, units, true); err != nil || len(ch) != len(units) {
		t.Fatalf("dry run: %v %v", ch, err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Fatalf("a dry run wrote %d files", len(entries))
	}
	if _, err := Install(dir, units, false); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(filepath.Join(dir, WeeklyTimer))
	if err != nil || fi.Mode().Perm() != 0o644 {
		t.Fatalf("weekly timer: %v %v", fi, err)
	}
	again, err := Install(dir, units, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range again {
		if c.Action != "unchanged" {
			t.Errorf("second install: %+v", c)
		}
	}
	var noNotice []Unit
	for _, u := range units {
		if u.Name != NoticeTimer && u.Name != NoticeService {
			noNotice = append(noNotice, u)
		}
	}
	// systemctl enable's link, which must not dangle, and someone else's.
	wants := filepath.Join(dir, "timers.target.wants")
	if err := os.Mkdir(wants, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(dir, NoticeTimer), filepath.Join(wants, NoticeTimer)); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/elsewhere/"+WeeklyTimer, filepath.Join(wants, WeeklyTimer)); err != nil {
		t.Fatal(err)
	}
	changes, err := Install(dir, noNotice, false)
	if err != nil {
		t.Fatal(err)
	}
	removed := 0
	for _, c := range changes {
		if c.Action == "remove" {
			removed++
		}
	}
	if _, err := os.Stat(filepath.Join(dir, NoticeTimer)); removed != 2 || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the notice pair was not removed: %+v", changes)
	}
	if _, err := os.Lstat(filepath.Join(wants, NoticeTimer)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the enablement link of the removed timer is left: %v", err)
	}
	if _, err := os.Lstat(filepath.Join(wants, WeeklyTimer)); err != nil {
		t.Errorf("a link to another file was removed: %v", err)
	}
}

// TestRemoveOnlyOurs: a file without our header is neither replaced by
// install nor deleted by remove; a dry run deletes nothing.
func TestRemoveOnlyOurs(t *testing.T) {
	in := installation(t, "  timezone: UTC\n")
	dir := t.TempDir()
	units, err := Units(in, Options{Binary: "/usr/bin/fossamaint", Config: in.ConfigPath})
	if err != nil {
		t.Fatal(err)
	}
	var noNotice []Unit
	for _, u := range units {
		if u.Name != NoticeTimer && u.Name != NoticeService {
			noNotice = append(noNotice, u)
		}
	}
	if _, err := Install(dir, noNotice, false); err != nil {
		t.Fatal(err)
	}
	theirs := filepath.Join(dir, "fossamaint-custom.service")
	if err := os.WriteFile(theirs, []byte("[Service]\nExecStart=/bin/true\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, NoticeTimer), []byte("[Timer]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Install(dir, units, false); !errors.Is(err, ErrNotOurs) {
		t.Errorf("install over a file of someone else's: %v, want ErrNotOurs", err)
	}
	if ch, err := Remove(dir, true); err != nil || len(ch) != len(noNotice) {
		t.Errorf("remove --dry-run: %+v %v", ch, err)
	}
	if _, err := Remove(dir, false); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 2 {
		t.Errorf("after remove %d files are left, want the 2 that are not ours", len(entries))
	}
	if _, err := Install(filepath.Join(dir, "nope"), units, false); err == nil {
		t.Error("install into a missing directory succeeded")
	}
}
