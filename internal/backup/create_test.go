package backup

import (
	"context"
	"database/sql"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fossawork/fossamaint/internal/testkit"
)

// install is a miniature FossaWork installation: a WAL database with a
// writer still open, .env, a data directory and a config file.
type install struct {
	root, db, env, data, config string
	layout                      Layout
	writer                      *sql.DB
}

// baseRows are committed and checkpointed; walRows are committed but
// still only in the -wal file when the backup runs.
const baseRows, walRows = 300, 25

func newInstall(t *testing.T) *install {
	t.Helper()
	root := t.TempDir()
	in := &install{
		root:   root,
		db:     filepath.Join(root, "backend", "fossawork_v2.db"),
		env:    filepath.Join(root, "backend", ".env"),
		data:   filepath.Join(root, "backend", "data"),
		config: filepath.Join(root, "fossamaint.yaml"),
		layout: Layout{
			DailyDir:       filepath.Join(root, "backups", "daily"),
			WeeklyDir:      filepath.Join(root, "backups", "weekly"),
			MaintenanceDir: filepath.Join(root, "backups", "maintenance"),
		},
	}
	touch(t, in.env, "SECRET_KEY=abc\n")
	if err := os.Chmod(in.env, 0o640); err != nil {
		t.Fatal(err)
	}
	touch(t, filepath.Join(in.data, "settings.json"), `{"a":1}`)
	touch(t, filepath.Join(in.data, "users", "u1.json"), `{"u":1}`)
	touch(t, in.config, "database:\n  path: backend/fossawork_v2.db\n")
	if runtime.GOOS != "windows" {
		if err := os.Symlink("settings.json", filepath.Join(in.data, "current.json")); err != nil {
			t.Fatal(err)
		}
	}
	in.writer = makeBackup(t, in.db, baseRows, "journal_mode(WAL)", "wal_autocheckpoint(0)")
	t.Cleanup(func() { in.writer.Close() })
	if _, err := in.writer.Exec("PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		t.Fatal(err)
	}
	for i := range walRows {
		if _, err := in.writer.Exec(`INSERT INTO dispensers VALUES (?, 'wo-000001')`, "d"+string(rune('a'+i))); err != nil {
			t.Fatal(err)
		}
	}
	return in
}

func (in *install) opts(kind Kind, now time.Time) CreateOptions {
	return CreateOptions{Kind: kind, DBPath: in.db, EnvFile: in.env, DataDir: in.data, ConfigFile: in.config,
		Layout: in.layout, Now: now, ToolVersion: "test"}
}

var createNow = time.Date(2025, 1, 11, 2, 5, 12, 0, est)

func wantMode(t *testing.T, path string, want fs.FileMode) {
	t.Helper()
	if runtime.GOOS == "windows" {
		return
	}
	fi, err := os.Lstat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode().Perm(); got != want {
		t.Errorf("%s has mode %04o, want %04o", path, got, want)
	}
}

func TestCreateKinds(t *testing.T) {
	cases := []struct {
		kind     Kind
		rel      string // backup database, relative to root
		manifest string
		mkind    string
		tags     []string
	}{
		{KindDaily, "backups/daily/20250111/fossawork_v2.db", "backups/daily/20250111/manifest.json", "daily", []string{"daily", "extra"}},
		{KindEmergency, "backups/daily/20250111/fossawork_v2.db", "backups/daily/20250111/manifest.json", "daily", []string{"daily", "emergency", "extra"}},
		{KindWeekly, "backups/weekly/fossawork_v2_full_20250111_020512.db", "backups/weekly/fossawork_v2_full_20250111_020512.db.manifest.json", "weekly", []string{"weekly", "extra"}},
		{KindMaintenance, "backups/maintenance/fossawork_v2_pre_maintenance_20250111_020512.db", "backups/maintenance/fossawork_v2_pre_maintenance_20250111_020512.db.manifest.json", "maintenance", []string{"pre-maintenance", "extra"}},
	}
	for _, tc := range cases {
		t.Run(string(tc.kind), func(t *testing.T) {
			in := newInstall(t)
			o := in.opts(tc.kind, createNow)
			o.Tags = []string{"extra", "extra", ""}
			c, err := Create(context.Background(), o)
			if err != nil {
				t.Fatalf("Create: %v", err)
			}
			if c.Path != filepath.Join(in.root, filepath.FromSlash(tc.rel)) || c.ManifestPath != filepath.Join(in.root, filepath.FromSlash(tc.manifest)) {
				t.Fatalf("Create wrote %s and %s, want %s and %s", c.Path, c.ManifestPath, tc.rel, tc.manifest)
			}
			wantMode(t, c.Path, 0o600)
			wantMode(t, c.ManifestPath, 0o600)
			wantMode(t, filepath.Dir(c.Path), 0o700)
			wantMode(t, filepath.Join(in.root, "backups"), 0o700)
			m, err := ReadManifest(c.ManifestPath)
			if err != nil {
				t.Fatal(err)
			}
			data := mustRead(t, c.Path)
			if err := VerifyAgainstManifest(context.Background(), c.Path, m); err != nil {
				t.Errorf("VerifyAgainstManifest: %v", err)
			}
			if m.Kind != tc.mkind || !slices.Equal(m.Tags, tc.tags) || m.Size != int64(len(data)) ||
				m.Check != CheckQuick || m.CheckResult != "ok" || m.ToolVersion != "test" ||
				m.CreatedAt != "2025-01-11T02:05:12-05:00" || m.Source != in.db || m.SQLiteVersion == "" ||
				m.PageSize*m.PageCount != m.Size || m.Database != filepath.Base(c.Path) {
				t.Errorf("manifest %+v", m)
			}
			if got := testkit.CountRows(t, c.Path, "dispensers"); got != walRows {
				t.Errorf("backup has %d dispensers, want the %d committed rows still in the -wal", got, walRows)
			}
			for _, s := range []string{"-wal", "-shm", "-journal", ".tmp"} {
				if _, err := os.Stat(c.Path + s); err == nil {
					t.Errorf("%s%s exists after Create", c.Path, s)
				}
			}
			backups, err := List(context.Background(), in.layout, createNow)
			if err != nil {
				t.Fatal(err)
			}
			if len(backups) != 1 || backups[0].Path != c.Path || !backups[0].HasManifest || backups[0].ManifestPath != c.ManifestPath {
				t.Fatalf("List after Create = %+v, want exactly the new backup with its manifest", backups)
			}
			r, err := VerifyDeep(context.Background(), backups[0], VerifyOptions{})
			if err != nil || !r.Verified() {
				t.Fatalf("VerifyDeep of a fresh backup: %v %v", err, r.Problems())
			}
		})
	}
}

// TestCreateWALPlainCopyMisses shows why the online backup exists: a copy
// of the main file alone lacks the rows only in the -wal.
func TestCreateWALPlainCopyMisses(t *testing.T) {
	in := newInstall(t)
	plain := filepath.Join(t.TempDir(), "plain.db")
	if err := os.WriteFile(plain, mustRead(t, in.db), 0o600); err != nil {
		t.Fatal(err)
	}
	if got := testkit.CountRows(t, plain, "dispensers"); got != 0 {
		t.Fatalf("plain copy has %d dispensers; the fixture should keep them in the -wal", got)
	}
	c, err := Create(context.Background(), in.opts(KindWeekly, createNow))
	if err != nil {
		t.Fatal(err)
	}
	if got := testkit.CountRows(t, c.Path, "dispensers"); got != walRows {
		t.Fatalf("online backup has %d dispensers, want %d", got, walRows)
	}
}

func TestCreateDailySet(t *testing.T) {
	in := newInstall(t)
	c, err := Create(context.Background(), in.opts(KindDaily, createNow))
	if err != nil {
		t.Fatal(err)
	}
	set := c.Dir
	if string(mustRead(t, filepath.Join(set, ".env"))) != "SECRET_KEY=abc\n" ||
		string(mustRead(t, filepath.Join(set, "data", "users", "u1.json"))) != `{"u":1}` ||
		!strings.Contains(string(mustRead(t, filepath.Join(set, "fossamaint.yaml"))), "database:") {
		t.Fatal("daily set content differs from the installation")
	}
	for _, p := range []string{".env", "fossamaint.yaml", "data/settings.json", "data/users/u1.json"} {
		wantMode(t, filepath.Join(set, p), 0o600)
	}
	wantMode(t, filepath.Join(set, "data"), 0o700)
	wantMode(t, filepath.Join(set, "data", "users"), 0o700)
	names := map[string]ManifestFile{}
	for _, f := range c.Manifest.Files {
		names[f.Name] = f
	}
	if f := names[".env"]; f.Mode != "0640" || f.Size != int64(len("SECRET_KEY=abc\n")) {
		t.Errorf(".env manifest entry %+v: want the source mode 0640", f)
	}
	for _, n := range []string{"fossamaint.yaml", "data/settings.json", "data/users/u1.json"} {
		if _, ok := names[n]; !ok {
			t.Errorf("manifest lacks %s: %+v", n, c.Manifest.Files)
		}
	}
	if runtime.GOOS != "windows" {
		if f := names["data/current.json"]; f.Link != "settings.json" {
			t.Errorf("symlink entry %+v", f)
		}
	}
	if err := VerifyFiles(context.Background(), set, c.Manifest); err != nil {
		t.Fatalf("VerifyFiles: %v", err)
	}
	if err := os.WriteFile(filepath.Join(set, "data", "settings.json"), []byte(`{"a":2}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := VerifyFiles(context.Background(), set, c.Manifest); !errors.Is(err, ErrManifestMismatch) {
		t.Fatalf("VerifyFiles after changing a file: %v", err)
	}
}

// TestCreateDailySkipsLiveDB: a database inside the data directory is
// backed up online, never copied as a file with the tree.
func TestCreateDailySkipsLiveDB(t *testing.T) {
	in := newInstall(t)
	o := in.opts(KindDaily, createNow)
	o.DataDir = filepath.Dir(in.db)
	o.ConfigFile = filepath.Join(t.TempDir(), "backend")
	touch(t, o.ConfigFile, "x")
	if _, err := Create(context.Background(), o); err == nil || !strings.Contains(err.Error(), "already uses") {
		t.Fatalf("config file and data dir both named backend: %v, want a name clash", err)
	}
	o.ConfigFile = ""
	c, err := Create(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range c.Manifest.Files {
		if strings.Contains(f.Name, "fossawork_v2.db") {
			t.Errorf("the live database was copied as a file: %s", f.Name)
		}
	}
	if !slices.ContainsFunc(c.Notes, func(n string) bool { return strings.Contains(n, "fossawork_v2.db-wal skipped") }) {
		t.Errorf("notes %q do not say the -wal was skipped", c.Notes)
	}
}

func TestCreateEmergencyReplacesToday(t *testing.T) {
	in := newInstall(t)
	first, err := Create(context.Background(), in.opts(KindDaily, createNow))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := in.writer.Exec(`INSERT INTO dispensers VALUES ('late', 'wo-000002')`); err != nil {
		t.Fatal(err)
	}
	c, err := Create(context.Background(), in.opts(KindEmergency, createNow.Add(time.Hour)))
	if err != nil {
		t.Fatal(err)
	}
	if !c.Replaced || c.Path != first.Path || !slices.Contains(c.Manifest.Tags, "emergency") {
		t.Fatalf("emergency over today's set: %+v", c)
	}
	if got := testkit.CountRows(t, c.Path, "dispensers"); got != walRows+1 {
		t.Fatalf("replaced set has %d dispensers, want %d", got, walRows+1)
	}
	ents, err := os.ReadDir(in.layout.DailyDir)
	if err != nil {
		t.Fatal(err)
	}
	if len(ents) != 1 || ents[0].Name() != "20250111" {
		t.Fatalf("daily dir holds %v, want only 20250111", ents)
	}
}

// TestCreateCorruptSourceRemoved: the online backup copies pages as they
// are, so a damaged source gives a backup that fails its check; it must
// not survive under any name, and an earlier set for the day stays.
func TestCreateCorruptSourceRemoved(t *testing.T) {
	in := newInstall(t)
	earlier, err := Create(context.Background(), in.opts(KindDaily, createNow))
	if err != nil {
		t.Fatal(err)
	}
	before := mustRead(t, earlier.Path)
	in.writer.Close()
	overwritePage(t, in.db, 2)
	for _, kind := range []Kind{KindWeekly, KindEmergency} {
		_, err := Create(context.Background(), in.opts(kind, createNow.Add(time.Hour)))
		if !errors.Is(err, ErrVerificationFailed) {
			t.Fatalf("%s backup of a corrupt database: %v, want ErrVerificationFailed", kind, err)
		}
	}
	if ents, _ := os.ReadDir(in.layout.WeeklyDir); len(ents) != 0 {
		t.Errorf("weekly dir after a failed backup: %v", ents)
	}
	if ents, _ := os.ReadDir(in.layout.DailyDir); len(ents) != 1 {
		t.Errorf("daily dir after a failed backup: %v", ents)
	}
	if string(mustRead(t, earlier.Path)) != string(before) {
		t.Error("the earlier verified daily backup changed")
	}
}

// overwritePage writes garbage over page n (1-based) of a closed database.
func overwritePage(t *testing.T, path string, n int64) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteAt([]byte(strings.Repeat("\xde\xad\xbe\xef", 1024)), (n-1)*4096); err != nil {
		t.Fatal(err)
	}
}

func TestCreateErrors(t *testing.T) {
	in := newInstall(t)
	cases := []struct {
		name   string
		change func(*CreateOptions)
		want   string
	}{
		{"unknown kind", func(o *CreateOptions) { o.Kind = "hourly" }, `unknown backup kind "hourly"`},
		{"no db", func(o *CreateOptions) { o.DBPath = "" }, "no database path"},
		{"no time", func(o *CreateOptions) { o.Now = time.Time{} }, "no time given"},
		{"bad verify", func(o *CreateOptions) { o.Verify = "deep" }, `verify "deep"`},
		{"no dir", func(o *CreateOptions) { o.Layout.WeeklyDir = "" }, "no directory configured"},
		{"missing db", func(o *CreateOptions) { o.DBPath = filepath.Join(in.root, "nope.db") }, "does not exist"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			o := in.opts(KindWeekly, createNow)
			tc.change(&o)
			if _, err := Create(context.Background(), o); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Create: %v, want an error containing %q", err, tc.want)
			}
		})
	}
	if _, err := Create(context.Background(), in.opts(KindWeekly, createNow)); err != nil {
		t.Fatal(err)
	}
	if _, err := Create(context.Background(), in.opts(KindWeekly, createNow)); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Fatalf("second weekly backup in the same second: %v", err)
	}
}

func TestCreateMissingExtrasAndFullVerify(t *testing.T) {
	in := newInstall(t)
	o := in.opts(KindDaily, createNow)
	o.EnvFile, o.DataDir, o.Verify = filepath.Join(in.root, "missing.env"), filepath.Join(in.root, "nodata"), "full"
	c, err := Create(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Notes) != 2 || c.Manifest.Check != CheckFull || len(c.Manifest.Files) != 1 {
		t.Fatalf("notes %q check %s files %+v", c.Notes, c.Manifest.Check, c.Manifest.Files)
	}
}

func TestCreateReadOnlyDir(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("directory permissions do not bind on Windows")
	}
	in := newInstall(t)
	if err := os.MkdirAll(in.layout.WeeklyDir, 0o500); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(in.layout.WeeklyDir, 0o500); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(in.layout.WeeklyDir, 0o700) })
	if f, err := os.Create(filepath.Join(in.layout.WeeklyDir, "probe")); err == nil {
		f.Close()
		t.Skip("running as a user whom directory permissions do not bind (root)")
	}
	_, err := Create(context.Background(), in.opts(KindWeekly, createNow))
	if !errors.Is(err, fs.ErrPermission) || !strings.Contains(err.Error(), in.layout.WeeklyDir) {
		t.Fatalf("Create into a read-only dir: %v, want a permission error naming the dir", err)
	}
	if ents, _ := os.ReadDir(in.layout.WeeklyDir); len(ents) != 0 {
		t.Fatalf("read-only dir now holds %v", ents)
	}
}

func TestCreateCancelled(t *testing.T) {
	in := newInstall(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Create(ctx, in.opts(KindDaily, createNow)); !errors.Is(err, context.Canceled) {
		t.Fatalf("Create with a cancelled ctx: %v", err)
	}
	ents, _ := os.ReadDir(in.layout.DailyDir)
	if len(ents) != 0 {
		t.Fatalf("daily dir after a cancelled create: %v", ents)
	}
}

func TestParseKind(t *testing.T) {
	for in, want := range map[string]Kind{"daily": KindDaily, "weekly": KindWeekly, "pre-maintenance": KindMaintenance,
		"maintenance": KindMaintenance, "emergency": KindEmergency} {
		if got, err := ParseKind(in); err != nil || got != want {
			t.Errorf("ParseKind(%q) = %v, %v", in, got, err)
		}
	}
	if _, err := ParseKind("unknown"); err == nil {
		t.Error("ParseKind(unknown): no error")
	}
}

// TestDailySetListsAsOneBackupAtItsHour: the set's .env, config and data
// copies are parts of it, and its manifest gives the hour the directory
// name lacks.
func TestDailySetListsAsOneBackupAtItsHour(t *testing.T) {
	in := newInstall(t)
	c, err := Create(context.Background(), in.opts(KindDaily, createNow))
	if err != nil {
		t.Fatal(err)
	}
	list, err := List(context.Background(), in.opts(KindDaily, createNow).Layout, createNow.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	var daily []Backup
	for _, b := range list {
		if strings.HasPrefix(b.Path, c.Dir) {
			daily = append(daily, b)
		}
	}
	if len(daily) != 1 || daily[0].Kind != KindDaily {
		t.Fatalf("the set lists as %+v", daily)
	}
	if !daily[0].Time.Equal(createNow.Truncate(time.Second)) || daily[0].TimeSource != TimeFromManifest {
		t.Errorf("time %s from %s, want %s from the manifest", daily[0].Time, daily[0].TimeSource, createNow)
	}
}
