package testkit

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fossawork/fossamaint/internal/pywheel"
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

// PyWheel writes name-version-py3-none-any.whl into dir with
// pywheel.Write (the demo's wheel writer): a pure-Python package whose
// module holds VERSION, requiring requires (PEP 508 strings). pip
// installs it offline with --no-index --find-links dir.
func PyWheel(t testing.TB, dir, name, version string, requires ...string) {
	t.Helper()
	if _, err := pywheel.Write(dir, name, version, requires...); err != nil {
		t.Fatal(err)
	}
}

// Pip runs venv's pip with args (env entries added to the environment,
// e.g. PIP_NO_INDEX=1) and returns its output; a failure fails the test.
func Pip(t testing.TB, venv string, env []string, args ...string) []byte {
	t.Helper()
	cmd := exec.Command(filepath.Join(venv, "bin", "python"), append([]string{"-m", "pip", "--disable-pip-version-check"}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("pip %s: %v: %s", strings.Join(args, " "), err, stderr.Bytes())
	}
	return out
}
