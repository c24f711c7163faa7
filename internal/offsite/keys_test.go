package offsite

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fossawork/fossamaint/internal/backup"
	"github.com/fossawork/fossamaint/internal/testkit"
)

func TestParseID(t *testing.T) {
	for _, tc := range []struct {
		in string
		ok bool
	}{
		{"daily/20261128", true},
		{"weekly/fossawork_v2_full_20261121_020512.db", true},
		{"maintenance/x_20261121_020512.dump", true},
		{"daily", false},
		{"hourly/20261128", false},
		{"daily/", false},
		{"daily/..", false},
		{"daily/a/b", false},
		{`weekly/a\b`, false},
		{"weekly/a\x00b", false},
		{"weekly/" + strings.Repeat("a", 201), false},
	} {
		id, err := ParseID(tc.in)
		if (err == nil) != tc.ok {
			t.Errorf("ParseID(%q) = %q, %v", tc.in, id, err)
		}
	}
}

func TestKeys(t *testing.T) {
	o := Options{Prefix: "a/b", Installation: "eu-1"}
	if got := o.indexKey("daily/20261128"); got != "a/b/eu-1/index/daily/20261128.json" {
		t.Errorf("index key %s", got)
	}
	if id, ok := o.idOfIndexKey("a/b/eu-1/index/weekly/x.db.json"); !ok || id != "weekly/x.db" {
		t.Errorf("id of index key: %q %v", id, ok)
	}
	for _, k := range []string{"a/b/eu-2/index/weekly/x.db.json", "a/b/eu-1/index/weekly/x.db", "a/b/eu-1/index/x/y/z.json"} {
		if _, ok := o.idOfIndexKey(k); ok {
			t.Errorf("%s read as an index key", k)
		}
	}
	if got := (Options{Installation: "eu-1"}).objectKey(backup.KindDaily, "20261128/.env", true); got != "eu-1/daily/20261128/.env.age" {
		t.Errorf("object key %s", got)
	}
	b := backup.Backup{Path: filepath.Join("/r", "daily", "20261128", "x.db"), Kind: backup.KindDaily}
	if id, ok := IDOf(b); !ok || id != "daily/20261128" {
		t.Errorf("IDOf daily: %q %v", id, ok)
	}
	if _, ok := IDOf(backup.Backup{Path: "/r/weekly/junk", Kind: backup.KindUnknown}); ok {
		t.Error("an unknown file has an ID")
	}
}

func goodManifest() RemoteManifest {
	sum := strings.Repeat("ab", 32)
	return RemoteManifest{Version: 1, Installation: "eu-1", ID: "daily/20261128", Kind: backup.KindDaily,
		Time: time.Date(2026, 11, 28, 2, 0, 0, 0, time.UTC), Database: "20261128/x.db", Manifest: "20261128/manifest.json",
		Objects: []Object{{Name: "20261128/x.db", Size: 10, SHA256: sum}, {Name: "20261128/manifest.json", Size: 5, SHA256: sum},
			{Name: "20261128/data/l", Link: "target"}}}
}

func TestParseRemoteManifest(t *testing.T) {
	data, _ := json.Marshal(goodManifest())
	if _, err := ParseRemoteManifest("daily/20261128", data); err != nil {
		t.Fatalf("good manifest refused: %v", err)
	}
	for name, edit := range map[string]func(*RemoteManifest){
		"other id":          func(m *RemoteManifest) { m.ID = "daily/20261127" },
		"version":           func(m *RemoteManifest) { m.Version = 9 },
		"escape":            func(m *RemoteManifest) { m.Objects[0].Name = "20261128/../../x.db"; m.Database = m.Objects[0].Name },
		"outside set":       func(m *RemoteManifest) { m.Objects[0].Name = "20261127/x.db"; m.Database = m.Objects[0].Name },
		"absolute":          func(m *RemoteManifest) { m.Objects[0].Name = "/etc/passwd" },
		"bad hash":          func(m *RemoteManifest) { m.Objects[0].SHA256 = "zz" },
		"no cipher hash":    func(m *RemoteManifest) { m.Encrypted = true },
		"duplicate":         func(m *RemoteManifest) { m.Objects[1].Name = m.Objects[0].Name },
		"no database":       func(m *RemoteManifest) { m.Database = "20261128/y.db" },
		"link with data":    func(m *RemoteManifest) { m.Objects[2].Size = 3 },
		"negative size":     func(m *RemoteManifest) { m.Objects[0].Size = -1 },
		"no time":           func(m *RemoteManifest) { m.Time = time.Time{} },
		"kind not the id's": func(m *RemoteManifest) { m.Kind = backup.KindWeekly },
	} {
		m := goodManifest()
		edit(&m)
		data, _ := json.Marshal(m)
		if _, err := ParseRemoteManifest("daily/20261128", data); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// FuzzParseRemoteManifest: no input panics, and what is accepted names
// only objects inside its backup.
func FuzzParseRemoteManifest(f *testing.F) {
	data, _ := json.Marshal(goodManifest())
	f.Add(data)
	f.Add([]byte(`{"version":1}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := ParseRemoteManifest("daily/20261128", data)
		if err != nil {
			return
		}
		for _, o := range m.Objects {
			if !strings.HasPrefix(o.Name, "20261128/") || strings.Contains(o.Name, "..") && filepath.Clean(o.Name) != o.Name {
				t.Fatalf("accepted object name %q", o.Name)
			}
			if _, err := localPath(t.TempDir(), o.Name); err != nil {
				t.Fatalf("accepted name %q has no local path: %v", o.Name, err)
			}
		}
	})
}

// FuzzParseID: no input panics; an accepted ID round-trips through its
// index key.
func FuzzParseID(f *testing.F) {
	for _, s := range []string{"daily/20261128", "weekly/x.db", "a/b/c", "", "daily/.."} {
		f.Add(s)
	}
	o := Options{Prefix: "p", Installation: "i"}
	f.Fuzz(func(t *testing.T, s string) {
		id, err := ParseID(s)
		if err != nil {
			return
		}
		back, ok := o.idOfIndexKey(o.indexKey(id))
		if !ok || back != id {
			t.Fatalf("%q: index key gives back %q, %v", s, back, ok)
		}
	})
}

func TestOptionsValidate(t *testing.T) {
	good := Options{Bucket: "b", Installation: "eu-1", PartSize: MinPartSize, Timeout: time.Minute}
	if err := good.Validate(); err != nil {
		t.Fatal(err)
	}
	for name, edit := range map[string]func(*Options){
		"no bucket":   func(o *Options) { o.Bucket = "" },
		"bad id":      func(o *Options) { o.Installation = "a/b" },
		"prefix":      func(o *Options) { o.Prefix = "a//b" },
		"small parts": func(o *Options) { o.PartSize = 1 << 20 },
		"no timeout":  func(o *Options) { o.Timeout = 0 },
	} {
		o := good
		edit(&o)
		if err := o.Validate(); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// TestCredentials: the named variables first, then the shared credentials
// file's profile; Secrets lists what must be redacted.
func TestCredentials(t *testing.T) {
	env := map[string]string{}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	file := testkit.WriteFile(t, filepath.Join(t.TempDir(), "credentials"),
		[]byte("[default]\naws_access_key_id = AKIDFILE0001\naws_secret_access_key = file-secret-0001\n[ops]\naws_access_key_id = AKIDOPS0002\naws_secret_access_key = ops-secret-0002\n"), 0o600)
	a := Auth{KeyIDEnv: "MY_ID", KeyEnv: "MY_KEY", File: file, Profile: "ops", LookupEnv: lookup}
	if got := a.Secrets(); len(got) != 2 || got[1] != "ops-secret-0002" {
		t.Errorf("from the file's profile: %v", got)
	}
	env["MY_ID"], env["MY_KEY"] = "AKIDENV0003", "env-secret-0003"
	if got := a.Secrets(); len(got) != 2 || got[1] != "env-secret-0003" {
		t.Errorf("from the variables: %v", got)
	}
	a.File, a.Profile = filepath.Join(t.TempDir(), "none"), ""
	delete(env, "MY_KEY")
	if _, err := a.credentials(); err == nil || !strings.Contains(err.Error(), "MY_KEY") {
		t.Errorf("no credentials: %v", err)
	}
}
