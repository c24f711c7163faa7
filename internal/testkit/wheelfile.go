package testkit

import (
	"archive/zip"
	"bytes"
	"io"
	"os"
	"slices"
)

// AddToWheel puts files (path inside the wheel -> content) into the wheel
// at path, ahead of its own files: a NAME.pth whose "import" line Python
// runs at every start of the virtualenv it is installed in, or a path
// outside site-packages ("../../../x.py") that makes pip's install of
// the wheel fail after resolving it (pip checks each path as it installs
// it).
func AddToWheel(t T, path string, files map[string]string) {
	helper(t)
	old, err := zip.OpenReader(path)
	if err != nil {
		t.Fatalf("reading the wheel %s: %v", path, err)
	}
	defer old.Close()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		w, err := zw.Create(name)
		if err == nil {
			_, err = io.WriteString(w, files[name])
		}
		if err != nil {
			t.Fatalf("adding %s to %s: %v", name, path, err)
		}
	}
	for _, f := range old.File {
		if err := zw.Copy(f); err != nil {
			t.Fatalf("copying %s of %s: %v", f.Name, path, err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatalf("%v", err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatalf("%v", err)
	}
}
