package fleet_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/fossawork/fossamaint/internal/fleet"
	"github.com/fossawork/fossamaint/internal/redact"
	"github.com/fossawork/fossamaint/internal/runbook"
	"github.com/fossawork/fossamaint/internal/testkit"
)

func query[T any](t *testing.T, url, q string, args ...any) T {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var v T
	if err := conn.QueryRow(ctx, q, args...).Scan(&v); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return v
}

// TestSyncConcurrent: 30 installations sync into a fresh database at
// once (one applies the schema, under the advisory lock; the others wait
// for it), each with several runs; one installation syncs twice at once;
// then a re-sync of all is a no-op that writes no run.
func TestSyncConcurrent(t *testing.T) {
	c := testkit.Postgres(t)
	url := testkit.PostgresDB(t, c, "fleet")
	var sites []*site
	for i := range 30 {
		s := newSite(t, fmt.Sprintf("conc-%02d", i))
		for range 5 {
			s.record(t)
		}
		sites = append(sites, s)
	}
	twice := append(sites, sites[0])
	results := make([]fleet.Result, len(twice))
	eachSite(t, twice, func(s *site) error {
		res, err := s.sync(t, url)
		for i := range twice {
			if twice[i] == s && results[i].Installation == "" {
				results[i] = res
				break
			}
		}
		return err
	})
	migrated := 0
	for _, r := range results {
		if len(r.Migrated) > 0 {
			migrated++
		}
	}
	if migrated != 1 {
		t.Errorf("%d syncs applied the schema, want 1", migrated)
	}
	if v := query[int](t, url, `SELECT count(*) FROM schema_migrations`); v != fleet.SchemaVersion() {
		t.Errorf("schema_migrations holds %d rows, want %d", v, fleet.SchemaVersion())
	}
	checkCentral(t, url, sites)
	before := query[time.Time](t, url, `SELECT max(synced_at) FROM runs`)
	eachSite(t, sites, func(s *site) error {
		o := s.options(url)
		o.Now = func() time.Time { return before.Add(time.Hour) }
		res, err := fleet.Sync(context.Background(), s.store, o)
		if err == nil && len(res.Sent) != 0 {
			err = fmt.Errorf("%s: re-sync sent %v", s.id, res.Sent)
		}
		return err
	})
	if after := query[time.Time](t, url, `SELECT max(synced_at) FROM runs`); !after.Equal(before) {
		t.Errorf("a re-sync rewrote runs: synced_at %s, was %s", after, before)
	}
}

// TestSyncStale: a run whose status changes after it was sent (rollback,
// recover) is sent again, once.
func TestSyncStale(t *testing.T) {
	c := testkit.Postgres(t)
	url := testkit.PostgresDB(t, c, "fleet")
	s := newSite(t, "stale")
	run := s.record(t)
	if _, err := s.sync(t, url); err != nil {
		t.Fatal(err)
	}
	if err := s.store.MarkRolledBack(context.Background(), run.RunID); err != nil {
		t.Fatal(err)
	}
	o := s.options(url)
	o.DryRun = true
	if res, err := fleet.Sync(context.Background(), s.store, o); err != nil || len(res.Sent) != 1 || res.Stale != 1 {
		t.Errorf("a dry run after a rollback: would send %v, %d stale, %v; want the run, stale", res.Sent, res.Stale, err)
	}
	res, err := s.sync(t, url)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Sent) != 1 || res.Stale != 1 {
		t.Errorf("after a rollback: sent %v, %d stale; want the run again, stale", res.Sent, res.Stale)
	}
	if st := query[string](t, url, `SELECT status FROM runs WHERE run_id = $1`, run.RunID); st != string(runbook.RunRolledBack) {
		t.Errorf("central status %s, want rolled_back", st)
	}
	if res, err := s.sync(t, url); err != nil || len(res.Sent) != 0 {
		t.Errorf("third sync: sent %v, %v; want nothing", res.Sent, err)
	}
}

// TestSyncDryRun: a dry run reads and writes nothing, not even the
// schema; against a database that holds some runs it names the others.
func TestSyncDryRun(t *testing.T) {
	c := testkit.Postgres(t)
	url := testkit.PostgresDB(t, c, "fleet")
	s := newSite(t, "dry")
	s.record(t)
	s.record(t)
	o := s.options(url)
	o.DryRun = true
	res, err := fleet.Sync(context.Background(), s.store, o)
	if err != nil || len(res.Sent) != 2 || len(res.Migrated) != 0 {
		t.Fatalf("dry run on an empty database: %+v, %v; want two runs named, nothing migrated", res, err)
	}
	if n := query[int](t, url, `SELECT count(*) FROM pg_tables WHERE schemaname = 'public'`); n != 0 {
		t.Errorf("a dry run made %d tables", n)
	}
	if _, err := s.sync(t, url); err != nil {
		t.Fatal(err)
	}
	s.record(t)
	res, err = fleet.Sync(context.Background(), s.store, o)
	if err != nil || len(res.Sent) != 1 || res.Sent[0] != s.runs[2].RunID || res.Held != 2 {
		t.Fatalf("dry run: %+v, %v; want the third run named, two held", res, err)
	}
	if n := query[int](t, url, `SELECT count(*) FROM runs`); n != 2 {
		t.Errorf("after a dry run the central database holds %d runs, want 2", n)
	}
}

// TestSyncRedacts: the texts sent (step errors, actions) go through the
// redactor, and errors never show history.url's password.
func TestSyncRedacts(t *testing.T) {
	c := testkit.Postgres(t)
	url := testkit.PostgresDB(t, c, "fleet")
	const secret = "hunter2-fleet-secret"
	s := newSite(t, "redact")
	run := testkit.PlantedRun(0, epoch, s.root)
	run.Phases[0].Steps[0].Error = "connecting with password " + secret
	run.Phases[0].Steps[0].Actions = []string{"rotated the token " + secret}
	if err := testkit.JournalRun(context.Background(), s.store, run, func(at time.Time) { s.clock = at }); err != nil {
		t.Fatal(err)
	}
	s.runs = append(s.runs, run)
	o := s.options(url)
	o.Redactor = redact.New([]string{secret})
	if _, err := fleet.Sync(context.Background(), s.store, o); err != nil {
		t.Fatal(err)
	}
	text := query[string](t, url, `SELECT string_agg(error, ' ') || (SELECT string_agg(what, ' ') FROM actions) FROM steps`)
	if strings.Contains(text, secret) || !strings.Contains(text, redact.Marker) {
		t.Errorf("central texts: %q; want the secret redacted", text)
	}

	// An unreachable server whose URL holds a password: the error names
	// the server, not the password.
	bad := "postgres://fleet:" + secret + "@127.0.0.1:1/fleet?sslmode=disable"
	o = s.options(bad)
	o.Timeout = 200 * time.Millisecond
	_, err := fleet.Sync(context.Background(), s.store, o)
	if !errors.Is(err, fleet.ErrUnreachable) || strings.Contains(err.Error(), secret) || !strings.Contains(err.Error(), "127.0.0.1") {
		t.Errorf("unreachable: %v; want ErrUnreachable naming the host, without the password", err)
	}
}

// TestSyncPermanent: refused credentials (a role that does not exist)
// are not retried until the bound.
func TestSyncPermanent(t *testing.T) {
	c := testkit.Postgres(t)
	url := testkit.PostgresDB(t, c, "fleet")
	s := newSite(t, "perm")
	s.record(t)
	o := s.options(strings.Replace(url, "postgres://"+c.Superuser+"@", "postgres://nosuchrole@", 1))
	o.Backoff = func(int) time.Duration { return time.Hour }
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := fleet.Sync(ctx, s.store, o)
	if err == nil || errors.Is(err, fleet.ErrUnreachable) || res.Attempts != 1 {
		t.Errorf("unknown role: %v after %d attempts; want one attempt and a permanent error", err, res.Attempts)
	}
}
