package pgdb_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/fossawork/fossamaint/internal/pgdb"
	"github.com/fossawork/fossamaint/internal/testkit"
)

// A restore cancelled while it switches: before the target is renamed it
// stops and the target accepts connections again; once renamed, the
// switch is finished; after the copy has the name, the kept database's
// name is reported and it accepts connections (the last step is not
// lost to the cancellation).
func TestRestoreCancelledDuringTheSwitch(t *testing.T) {
	c := testkit.Postgres(t)
	tools := findTools(t, openPG(t, c.URL("postgres")))
	tests := []struct {
		step     string
		switched bool
	}{
		{"hold off", false},
		{"rename target", true},
		{"rename copy", true},
	}
	for i, tt := range tests {
		t.Run(tt.step, func(t *testing.T) {
			url := testkit.PostgresDB(t, c, "cancel"+itoa(i))
			seed(t, url, 20)
			dump := dumpOf(t, tools, url)
			fill(t, url, 5)
			live := map[string]int64{"audit.Event Log": 1, "public.users": 25, "public.work_orders": 50}
			ctx, cancel := context.WithCancel(testCtx(t))
			defer cancel()
			pgdb.SetSwitchStep(t, func(step string) {
				if step == tt.step {
					cancel()
				}
			})
			now := time.Date(2026, 12, 5, 2, 30, i, 0, time.UTC)
			res, err := pgdb.Restore(ctx, tools, url, dump.Path, pgdb.RestoreOptions{Now: now, Tables: dump.Tables})
			kept := pgdb.DatedName("cancel"+itoa(i), pgdb.KindReplaced, now)
			if !tt.switched {
				if !errors.Is(err, context.Canceled) || res.Replaced != "" {
					t.Fatalf("restore cancelled at %s: %+v, %v; want context.Canceled and nothing kept", tt.step, res, err)
				}
				assertCounts(t, url, live) // it accepts connections again
				noScratch(t, url)
				return
			}
			if err != nil || res.Replaced != kept {
				t.Fatalf("restore cancelled at %s: %+v, %v; want it finished, %s kept", tt.step, res, err, kept)
			}
			assertCounts(t, url, dump.Tables)
			assertCounts(t, c.URL(kept), live)
		})
	}
}

// Undo acts on the databases as they are, not on what the switch
// believes it did (a cancelled statement may have been applied): a
// target left refusing connections is opened again, a renamed target
// gets its name back, a finished switch is reported and kept.
func TestRestoreUndoReadsTheActualState(t *testing.T) {
	c := testkit.Postgres(t)
	ctx := testCtx(t)
	su := c.URL("postgres")
	major := openPG(t, su).Major
	now := time.Date(2026, 12, 5, 3, 0, 0, 0, time.UTC)
	tests := []struct {
		name     string
		state    func(target, copyName, kept string) []string
		switched bool
	}{
		{"held off", func(target, copyName, kept string) []string {
			return []string{"ALTER DATABASE " + target + " ALLOW_CONNECTIONS false"}
		}, false},
		{"target renamed", func(target, copyName, kept string) []string {
			return []string{"ALTER DATABASE " + target + " ALLOW_CONNECTIONS false", "ALTER DATABASE " + target + " RENAME TO " + kept}
		}, false},
		{"switched", func(target, copyName, kept string) []string {
			return []string{"ALTER DATABASE " + target + " ALLOW_CONNECTIONS false", "ALTER DATABASE " + target + " RENAME TO " + kept,
				"ALTER DATABASE " + copyName + " RENAME TO " + target}
		}, true},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			name := "undo" + itoa(i)
			url := testkit.PostgresDB(t, c, name)
			execSQL(t, url, "CREATE TABLE marker (x int)")
			copyName, kept := pgdb.DatedName(name, pgdb.KindRestore, now), pgdb.DatedName(name, pgdb.KindReplaced, now)
			execSQL(t, su, "CREATE DATABASE "+copyName)
			execSQL(t, su, tt.state(name, copyName, kept)...)
			switched, err := pgdb.UndoSwitch(ctx, url, major, now)
			if err != nil || switched != tt.switched {
				t.Fatalf("undo: %v, %v; want switched %v", switched, err, tt.switched)
			}
			have := databases(t, su)
			want := []string{name}
			if tt.switched {
				want = append(want, kept)
			}
			for _, n := range []string{name, copyName, kept} {
				if slices.Contains(have, n) != slices.Contains(want, n) {
					t.Errorf("databases %v: want %v of %s, %s, %s", have, want, name, copyName, kept)
				}
			}
			for _, n := range want {
				assertCounts(t, c.URL(n), nil) // accepts connections
			}
			var marker int
			if err := connectRaw(t, url).QueryRow(ctx, "SELECT count(*) FROM pg_class WHERE relname = 'marker'").Scan(&marker); err != nil || marker != map[bool]int{false: 1, true: 0}[tt.switched] {
				t.Errorf("the database named %s: marker %d, %v (switched %v)", name, marker, err, tt.switched)
			}
		})
	}
}
