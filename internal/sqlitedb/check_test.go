package sqlitedb

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fossawork/fossamaint/internal/testkit"
)

func TestChecks(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	valid := testkit.MakeDBIn(t, dir, 1500)
	data, err := os.ReadFile(valid)
	if err != nil {
		t.Fatal(err)
	}
	corruptTable := testkit.WriteFile(t, filepath.Join(dir, "corrupt-table.db"), data, 0o600)
	corruptRoot(t, corruptTable, "work_orders")
	corruptIndex := testkit.WriteFile(t, filepath.Join(dir, "corrupt-index.db"), data, 0o600)
	corruptRoot(t, corruptIndex, "ix_work_orders_status")
	badFreelist := testkit.WriteFile(t, filepath.Join(dir, "bad-freelist.db"), data, 0o600)
	corruptFreelist(t, badFreelist)
	cases := []struct {
		name   string
		path   string
		wantOK bool
	}{
		{"freelist claims a used page", badFreelist, false},
		{"valid", valid, true},
		{"empty file", testkit.WriteFile(t, filepath.Join(dir, "empty.db"), nil, 0o600), true},
		{"truncated", testkit.WriteFile(t, filepath.Join(dir, "truncated.db"), data[:len(data)/2], 0o600), false},
		{"garbage table root page", corruptTable, false},
		{"garbage index root page", corruptIndex, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			db, err := Open(ctx, tc.path, Options{ReadOnly: true})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			checks := map[string]func() (CheckResult, error){
				"quick_check":     func() (CheckResult, error) { return db.QuickCheck(ctx) },
				"integrity_check": func() (CheckResult, error) { return db.IntegrityCheck(ctx, 10) },
			}
			for name, run := range checks {
				res, err := run()
				if err != nil {
					t.Fatalf("%s: corruption must be a result, got error %v", name, err)
				}
				if res.OK != tc.wantOK {
					t.Errorf("%s OK = %v, want %v (%q)", name, res.OK, tc.wantOK, res.Messages)
				}
				if !res.OK && len(res.Messages) == 0 {
					t.Errorf("%s: not OK but no messages", name)
				}
				if res.OK && len(res.Messages) != 0 {
					t.Errorf("%s: OK with messages %q", name, res.Messages)
				}
			}
		})
	}
}

func TestCheckOnClosedDBIsError(t *testing.T) {
	t.Parallel()
	db, err := Open(context.Background(), testkit.MakeDBIn(t, t.TempDir(), 1), Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	if _, err := db.QuickCheck(context.Background()); err == nil || !strings.Contains(err.Error(), db.Path()) {
		t.Fatalf("QuickCheck on a closed DB: %v, want an error naming the file", err)
	}
}

// TestCheckHonoursCancel proves that cancelling ctx interrupts a running
// integrity_check (modernc calls sqlite3_interrupt) and that the
// connection is usable afterwards.
func TestCheckHonoursCancel(t *testing.T) {
	rows := 40_000 // 12 MB: integrity_check takes ~100 ms
	if raceEnabled {
		rows = 2_000
	}
	path := testkit.MakeDBIn(t, t.TempDir(), rows)
	db, err := Open(context.Background(), path, MaintenanceOptions(true))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	full, err := db.IntegrityCheck(context.Background(), 0)
	if err != nil || !full.OK {
		t.Fatalf("uninterrupted check: %+v %v", full, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	timer := time.AfterFunc(full.Duration.D()/20, cancel)
	defer timer.Stop()
	res, err := db.IntegrityCheck(ctx, 0)
	if err == nil {
		t.Skipf("check finished in %v before the cancel at %v; cannot observe the interrupt", res.Duration, full.Duration.D()/20)
	}
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted check: %v, want context.Canceled", err)
	}
	if res.Duration.D() >= full.Duration.D() {
		t.Errorf("interrupted check took %v, as long as a full one (%v)", res.Duration, full.Duration)
	}
	again, err := db.QuickCheck(context.Background())
	if err != nil || !again.OK {
		t.Fatalf("check after an interrupt: %+v %v", again, err)
	}
}

func TestCheckCancelledBeforeStart(t *testing.T) {
	db, err := Open(context.Background(), testkit.MakeDBIn(t, t.TempDir(), 1), Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := db.QuickCheck(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("QuickCheck with a cancelled ctx: %v", err)
	}
}
