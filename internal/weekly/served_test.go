package weekly

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestWrittenSince: a commit (the -wal grows) or a checkpoint (the
// database file changes) after the restart makes a rollback lose data; a
// reader creating an empty -wal does not.
func TestWrittenSince(t *testing.T) {
	at := time.Date(2026, 11, 28, 3, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name   string
		change func(t *testing.T, db string)
		want   string // part of the reason, "" for none
	}{
		{"untouched", func(*testing.T, string) {}, ""},
		{"a reader made an empty -wal", func(t *testing.T, db string) { write(t, db+"-wal", "") }, ""},
		{"a commit", func(t *testing.T, db string) { write(t, db+"-wal", "frame") }, "-wal since it was started on the optimised file at 03:00"},
		{"a checkpoint", func(t *testing.T, db string) {
			write(t, db, "pages and more pages")
		}, "fossawork_v2.db since"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := filepath.Join(t.TempDir(), "fossawork_v2.db")
			write(t, db, "pages")
			s := stampDB(db, at)
			tc.change(t, db)
			got := s.writtenSince(db)
			if (tc.want == "") != (got == "") || !strings.Contains(got, tc.want) {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
	if got := (servedState{}).writtenSince("/nowhere"); got != "" {
		t.Errorf("not restarted: %q", got)
	}
}

func write(t *testing.T, path, body string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
}
