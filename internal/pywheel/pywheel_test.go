package pywheel

import (
	"archive/zip"
	"io"
	"path/filepath"
	"strings"
	"testing"
)

func TestWrite(t *testing.T) {
	dir := t.TempDir()
	path, err := Write(dir, "Flask-SQLAlchemy", "3.1.1", "flask>=2.2.5", "sqlalchemy>=2.0.16")
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(dir, "flask_sqlalchemy-3.1.1-py3-none-any.whl"); path != want {
		t.Fatalf("path %s, want %s", path, want)
	}
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	got := map[string]string{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		got[f.Name] = string(b)
	}
	meta := got["flask_sqlalchemy-3.1.1.dist-info/METADATA"]
	for _, want := range []string{"Name: Flask-SQLAlchemy\n", "Version: 3.1.1\n", "Summary: " + Summary + "\n",
		"Requires-Dist: flask>=2.2.5\n", "Requires-Dist: sqlalchemy>=2.0.16\n"} {
		if !strings.Contains(meta, want) {
			t.Errorf("METADATA lacks %q:\n%s", want, meta)
		}
	}
	if !strings.Contains(got["flask_sqlalchemy/__init__.py"], `VERSION = "3.1.1"`) {
		t.Errorf("module: %q", got["flask_sqlalchemy/__init__.py"])
	}
	for _, name := range []string{"WHEEL", "RECORD"} {
		if got["flask_sqlalchemy-3.1.1.dist-info/"+name] == "" {
			t.Errorf("no %s", name)
		}
	}
}

func TestWriteRejects(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct{ name, version, req string }{
		{"", "1.0", ""},
		{"a/b", "1.0", ""},
		{"ok", "1.0\nName: evil", ""},
		{"ok", "1.0", "x\nName: evil"},
		{"ok", "1.0", " "},
	} {
		var req []string
		if tc.req != "" {
			req = []string{tc.req}
		}
		if _, err := Write(dir, tc.name, tc.version, req...); err == nil {
			t.Errorf("Write(%q, %q, %q) accepted", tc.name, tc.version, tc.req)
		}
	}
	if _, err := Write(filepath.Join(dir, "missing"), "ok", "1.0"); err == nil {
		t.Error("Write into a missing dir accepted")
	}
}
