package offsite

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"filippo.io/age"

	"github.com/fossawork/fossamaint/internal/backup"
	"github.com/fossawork/fossamaint/internal/testkit"
)

// site is a miniature installation: a database, .env, a data directory
// with a symlink, the backup layout.
type site struct {
	root, db, env, data string
	layout              backup.Layout
	zone                *time.Location
}

// marker is a string in every row of the test databases and in .env: an
// encrypted object must not contain it.
const marker = "PLAINTEXT-MARKER-7f3a"

func newSite(t testing.TB, rows int) *site {
	t.Helper()
	root := t.TempDir()
	s := &site{root: root, db: filepath.Join(root, "backend", testkit.DBName), env: filepath.Join(root, "backend", ".env"),
		data: filepath.Join(root, "backend", "data"),
		layout: backup.Layout{DailyDir: filepath.Join(root, "backups", "daily"), WeeklyDir: filepath.Join(root, "backups", "weekly"),
			MaintenanceDir: filepath.Join(root, "backups", "maintenance")},
		zone: time.FixedZone("CET", 3600)}
	testkit.MakeDB(t, s.db, rows)
	testkit.Exec(t, s.db, "UPDATE work_orders SET notes = notes || ' "+marker+"'")
	testkit.WriteFile(t, s.env, []byte("SECRET_KEY="+marker+"\n"), 0o600)
	testkit.WriteFile(t, filepath.Join(s.data, "settings.json"), []byte(`{"a":1}`), 0o644)
	testkit.WriteFile(t, filepath.Join(s.data, "users", "u1.json"), []byte(`{"u":1}`), 0o644)
	if err := os.Symlink("settings.json", filepath.Join(s.data, "current.json")); err != nil {
		t.Fatal(err)
	}
	return s
}

// grow adds about mib MiB of incompressible rows, so the backup spans
// several parts.
func (s *site) grow(t testing.TB, mib int) {
	t.Helper()
	testkit.Exec(t, s.db, "CREATE TABLE IF NOT EXISTS blobs (b BLOB)")
	for range mib {
		testkit.Exec(t, s.db, "INSERT INTO blobs SELECT randomblob(1024) FROM (WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c WHERE x < 1024) SELECT x FROM c)")
	}
}

// take makes a verified backup of kind at now.
func (s *site) take(t testing.TB, kind backup.Kind, now time.Time) backup.Created {
	t.Helper()
	c, err := backup.Create(context.Background(), backup.CreateOptions{Kind: kind, DBPath: s.db, EnvFile: s.env,
		DataDir: s.data, Layout: s.layout, Now: now.In(s.zone)})
	if err != nil {
		t.Fatalf("creating a %s backup: %v", kind, err)
	}
	return c
}

func (s *site) list(t testing.TB, now time.Time) []backup.Backup {
	t.Helper()
	l, err := backup.List(context.Background(), s.layout, now.In(s.zone))
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// remoteFor is a Remote on srv for installation id, credentials from
// injected variables.
func remoteFor(t testing.TB, srv *testkit.S3Server, id string, edit ...func(*Options)) *Remote {
	t.Helper()
	o := Options{Bucket: srv.Bucket, Prefix: "fleet/backups", Installation: id, Endpoint: "http://" + srv.Endpoint,
		Region: srv.Region, PathStyle: true, PartSize: MinPartSize, Timeout: 2 * time.Minute, Retries: 1,
		Auth: Auth{KeyIDEnv: "T_KEY_ID", KeyEnv: "T_KEY", LookupEnv: func(k string) (string, bool) {
			return map[string]string{"T_KEY_ID": srv.KeyID, "T_KEY": srv.Secret}[k], true
		}}}
	for _, e := range edit {
		e(&o)
	}
	r, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// withAge turns encryption on with a new X25519 identity written to a
// file.
func withAge(t testing.TB) func(*Options) {
	t.Helper()
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	file := testkit.WriteFile(t, filepath.Join(t.TempDir(), "identity.txt"), []byte("# test\n"+id.String()+"\n"), 0o600)
	return func(o *Options) {
		o.Recipients = []string{id.Recipient().String()}
		o.IdentityFile = file
	}
}

func push(t testing.TB, r *Remote, list []backup.Backup, now time.Time) PushResult {
	t.Helper()
	res, err := r.Push(context.Background(), list, PushOptions{Now: now})
	if err != nil {
		t.Fatalf("push: %v", err)
	}
	if !res.OK() {
		t.Fatalf("push failed: %+v", res.Failed)
	}
	return res
}

func ids(rbs []RemoteBackup) []string {
	out := []string{}
	for _, rb := range rbs {
		out = append(out, string(rb.ID))
	}
	return out
}
