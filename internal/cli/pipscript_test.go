package cli

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/fossawork/fossamaint/internal/testkit"
)

// The scripts' real pip: a virtualenv made in $WORK and wheels written
// there, which pip reads alone when the script sets PIP_NO_INDEX=1,
// PIP_FIND_LINKS and PIP_CONFIG_FILE=/dev/null.

// python is the interpreter the virtualenvs are made with: the system's,
// as testkit.PyVenv's.
func python() (string, error) {
	if _, err := os.Stat("/usr/bin/python3"); err == nil {
		return "/usr/bin/python3", nil
	}
	return exec.LookPath("python3")
}

// venvWorks is the [venv] condition: python3 -m venv can make a
// virtualenv with pip here. With CI set it is always true, so that a
// missing venv module fails the script instead of skipping it.
var venvWorks = sync.OnceValue(func() bool {
	if os.Getenv("CI") != "" {
		return true
	}
	py, err := python()
	return err == nil && exec.Command(py, "-c", "import venv, ensurepip").Run() == nil
})

// scriptCondition adds [venv] to testscript's conditions.
func scriptCondition(cond string) (bool, error) {
	if cond == "venv" {
		return venvWorks(), nil
	}
	return false, fmt.Errorf("unknown condition %q", cond)
}

// mkvenv makes a virtualenv with its own pip (python3 -m venv, a few
// seconds): mkvenv DIR
func mkvenv(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: mkvenv DIR")
	}
	py, err := python()
	ts.Check(err)
	if out, err := exec.Command(py, "-m", "venv", ts.MkAbs(args[0])).CombinedOutput(); err != nil {
		ts.Fatalf("%s -m venv %s (Debian: apt-get install python3-venv): %v: %s", py, args[0], err, out)
	}
}

// mkwheel writes NAME-VERSION-py3-none-any.whl into DIR (testkit.PyWheel),
// adding each FILE of the script under its base name (a NAME.pth that
// Python runs at every start of the virtualenv it is installed in):
// mkwheel DIR NAME VERSION [FILE...]
func mkwheel(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 3 {
		ts.Fatalf("usage: mkwheel DIR NAME VERSION [FILE...]")
	}
	dir, name, version := ts.MkAbs(args[0]), args[1], args[2]
	ts.Check(os.MkdirAll(dir, 0o755))
	testkit.PyWheel(scriptTB{ts: ts}, dir, name, version)
	if len(args) == 3 {
		return
	}
	files := map[string]string{}
	for _, f := range args[3:] {
		files[filepath.Base(f)] = ts.ReadFile(f)
	}
	testkit.AddToWheel(ts, filepath.Join(dir, name+"-"+version+"-py3-none-any.whl"), files)
}

// scriptTB lets a script command call a testkit helper that takes a
// testing.TB and uses only Helper, Fatal and Fatalf of it (PyWheel); any
// other method panics on the nil testing.TB.
type scriptTB struct {
	testing.TB
	ts *testscript.TestScript
}

func (s scriptTB) Helper()                        {}
func (s scriptTB) Fatal(args ...any)              { s.ts.Fatalf("%s", fmt.Sprint(args...)) }
func (s scriptTB) Fatalf(format string, a ...any) { s.ts.Fatalf(format, a...) }
