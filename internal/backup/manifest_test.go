package backup

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const sum0 = "0000000000000000000000000000000000000000000000000000000000000000"

// sandboxManifest is the version-1 format internal/sandbox (and the
// upstream daily script) writes into daily/YYYYMMDD/manifest.json.
const sandboxManifest = `{
  "version": 1,
  "type": "daily",
  "created_at": "2025-01-10T01:30:00",
  "database": "fossawork_v2.db",
  "source": "backend/fossawork_v2.db",
  "method": "vacuum_into",
  "size": 4096,
  "sha256": "` + sum0 + `",
  "page_size": 4096,
  "page_count": 1,
  "integrity_check": "ok",
  "tables": {"work_orders": 300, "dispensers": 12}
}`

func TestParseManifest(t *testing.T) {
	cases := []struct {
		name    string
		data    string
		wantErr string
		check   func(t *testing.T, m Manifest)
	}{
		{"sandbox version 1", sandboxManifest, "", func(t *testing.T, m Manifest) {
			if m.Kind != "daily" || m.Check != CheckFull || m.CheckResult != "ok" || !m.CheckOK() ||
				m.Tables["work_orders"] != 300 || m.Database != "fossawork_v2.db" || m.Version != 1 {
				t.Errorf("%+v", m)
			}
		}},
		{"ours", `{"version":2,"kind":"weekly","tags":["weekly"],"sha256":"` + sum0 + `","check":"quick_check","check_result":"ok"}`, "", func(t *testing.T, m Manifest) {
			if m.Kind != "weekly" || m.Check != CheckQuick || !m.CheckOK() {
				t.Errorf("%+v", m)
			}
		}},
		{"failed check recorded", `{"sha256":"` + sum0 + `","check":"quick_check","check_result":"row 5 missing"}`, "", func(t *testing.T, m Manifest) {
			if m.CheckOK() {
				t.Error("CheckOK for a failed check")
			}
		}},
		{"not JSON", `{"sha256": `, "malformed manifest M: unexpected end of JSON input", nil},
		{"wrong type", `{"size": "big"}`, "malformed manifest M: json: cannot unmarshal", nil},
		{"no sha256", `{"size": 1}`, `malformed manifest M: sha256 "" is not 64 hexadecimal digits`, nil},
		{"short sha256", `{"sha256": "abc"}`, "not 64 hexadecimal digits", nil},
		{"negative size", `{"sha256":"` + sum0 + `","size":-1}`, "negative size", nil},
		{"database with a path", `{"sha256":"` + sum0 + `","database":"../x.db"}`, "not a plain file name", nil},
		{"file outside the set", `{"sha256":"` + sum0 + `","files":[{"name":"../../etc/passwd","sha256":"` + sum0 + `"}]}`, "not a relative path inside the set", nil},
		{"absolute file", `{"sha256":"` + sum0 + `","files":[{"name":"/etc/passwd","sha256":"` + sum0 + `"}]}`, "not a relative path inside the set", nil},
		{"file without sha", `{"sha256":"` + sum0 + `","files":[{"name":"a"}]}`, "file a: sha256", nil},
		{"symlink entry", `{"sha256":"` + sum0 + `","files":[{"name":"data/l","link":"x"}]}`, "", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m, err := ParseManifest("M", []byte(tc.data))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tc.check != nil {
				tc.check(t, m)
			}
		})
	}
}

func TestManifestRoundTrip(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "x.db"+ManifestSuffix)
	m := Manifest{Version: ManifestVersion, Kind: "weekly", Tags: []string{"weekly"}, SHA256: sum0, Size: 1,
		Check: CheckQuick, CheckResult: "ok", Files: []ManifestFile{{Name: ".env", Size: 1, SHA256: sum0, Mode: "0600"}}}
	if err := WriteManifest(path, m); err != nil {
		t.Fatal(err)
	}
	wantMode(t, path, 0o600)
	got, err := ReadManifest(path)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := json.Marshal(m)
	b, _ := json.Marshal(got)
	if string(a) != string(b) {
		t.Fatalf("round trip:\n%s\n%s", a, b)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Fatalf("temp files left: %v", ents)
	}
	if _, err := ReadManifest(filepath.Join(dir, "missing.json")); err == nil || !strings.Contains(err.Error(), "missing.json") {
		t.Fatalf("missing manifest: %v", err)
	}
}

func TestVerifyAgainstManifest(t *testing.T) {
	path := makeClosedBackup(t, filepath.Join(t.TempDir(), "b.db"), 50)
	res, err := Verify(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	good := Manifest{SHA256: res.SHA256, Size: res.Size, Database: "b.db"}
	cases := []struct {
		name   string
		change func(*Manifest)
		want   error
	}{
		{"match", func(*Manifest) {}, nil},
		{"upper-case hex", func(m *Manifest) { m.SHA256 = strings.ToUpper(m.SHA256) }, nil},
		{"other size", func(m *Manifest) { m.Size++ }, ErrManifestMismatch},
		{"other sha", func(m *Manifest) { m.SHA256 = sum0 }, ErrManifestMismatch},
		{"other database", func(m *Manifest) { m.Database = "c.db" }, ErrManifestMismatch},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := good
			tc.change(&m)
			if err := VerifyAgainstManifest(context.Background(), path, m); !errors.Is(err, tc.want) || (tc.want == nil) != (err == nil) {
				t.Fatalf("VerifyAgainstManifest: %v, want %v", err, tc.want)
			}
		})
	}
	if err := VerifyAgainstManifest(context.Background(), path, Manifest{}); err == nil || errors.Is(err, ErrManifestMismatch) {
		t.Fatalf("invalid manifest: %v, want a validation error", err)
	}
}

func TestFindManifest(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "x.db")
	touch(t, db, "x")
	if got, err := FindManifest(db); err != nil || got != "" {
		t.Fatalf("no manifest: %q %v", got, err)
	}
	touch(t, filepath.Join(dir, DailyManifestName), "{}")
	if got, _ := FindManifest(db); got != filepath.Join(dir, DailyManifestName) {
		t.Fatalf("set manifest: %q", got)
	}
	touch(t, db+ManifestSuffix, "{}")
	if got, _ := FindManifest(db); got != db+ManifestSuffix {
		t.Fatalf("own manifest: %q", got)
	}
}

func FuzzParseManifest(f *testing.F) {
	f.Add([]byte(sandboxManifest))
	f.Add([]byte(`{"sha256":"` + sum0 + `","files":[{"name":"a/b","sha256":"` + sum0 + `"}]}`))
	f.Add([]byte(`{"kind": 1}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := ParseManifest("fuzz", data)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "malformed manifest fuzz: ") {
				t.Fatalf("error %q does not name the manifest", err)
			}
			return
		}
		if !isSHA256(m.SHA256) {
			t.Fatalf("accepted sha256 %q", m.SHA256)
		}
		for _, file := range m.Files {
			if !localName(file.Name) {
				t.Fatalf("accepted file name %q", file.Name)
			}
		}
		out, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ParseManifest("again", out); err != nil {
			t.Fatalf("re-encoded manifest does not parse: %v\n%s", err, out)
		}
	})
}
