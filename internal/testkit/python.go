package testkit

import (
	"archive/zip"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// SkipUnlessCI skips t with the reason, unless CI is set: CI installs
// every tool the tests need, so there a missing one fails the test.
func SkipUnlessCI(t testing.TB, format string, a ...any) {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatalf("CI is set but: "+format, a...)
	}
	t.Skipf(format, a...)
}

// PyVenv makes a virtualenv with its own pip (python3 -m venv, 5-20 s).
// It skips under -short and without a working venv module, unless CI is
// set.
func PyVenv(t testing.TB) string {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: making a virtualenv is slow")
	}
	python := "/usr/bin/python3"
	if _, err := os.Stat(python); err != nil {
		if python, err = exec.LookPath("python3"); err != nil {
			SkipUnlessCI(t, "no python3: %v", err)
		}
	}
	venv := filepath.Join(t.TempDir(), "venv")
	if out, err := exec.Command(python, "-m", "venv", venv).CombinedOutput(); err != nil {
		SkipUnlessCI(t, "%s -m venv does not work here (Debian: apt-get install python3-venv): %v: %s", python, err, out)
	}
	return venv
}

// PyWheel writes name-version-py3-none-any.whl into dir: a pure-Python
// package whose module holds VERSION, requiring requires (PEP 508
// strings). pip installs it offline with --no-index --find-links dir.
func PyWheel(t testing.TB, dir, name, version string, requires ...string) {
	t.Helper()
	info := name + "-" + version + ".dist-info/"
	meta := "Metadata-Version: 2.1\nName: " + name + "\nVersion: " + version + "\n"
	for _, r := range requires {
		meta += "Requires-Dist: " + r + "\n"
	}
	files := [][2]string{
		{name + "/__init__.py", fmt.Sprintf("VERSION = %q\n", version)},
		{info + "METADATA", meta},
		{info + "WHEEL", "Wheel-Version: 1.0\nGenerator: fossamaint-test\nRoot-Is-Purelib: true\nTag: py3-none-any\n"},
	}
	var record strings.Builder
	for _, f := range files {
		record.WriteString(f[0] + ",,\n")
	}
	record.WriteString(info + "RECORD,,\n")
	files = append(files, [2]string{info + "RECORD", record.String()})
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range files {
		w, err := zw.Create(f[0])
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(f[1])); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	WriteFile(t, filepath.Join(dir, name+"-"+version+"-py3-none-any.whl"), buf.Bytes(), 0o644)
}
