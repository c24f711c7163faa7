package sandbox

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/fossawork/fossamaint/internal/pywheel"
)

// The demo's Python side: backend/venv, a real virtualenv made by the
// machine's python3, with the watched packages (config.Default's
// updates.pip.watch) installed at old versions from backend/wheelhouse,
// stand-in wheels written here (internal/pywheel) that hold newer
// versions too. The venv's pip.conf points pip at the wheelhouse and
// nowhere else, so every pip run in it (the weekly check, the Applier,
// an operator's) is offline and sees the same index.

// Venv and Wheelhouse are where the demo's virtualenv and its wheels
// are, relative to the installation.
const (
	Venv       = "backend/venv"
	Wheelhouse = "backend/wheelhouse"
)

// PyPackage is one project of the wheelhouse: the version the venv gets
// (none: only in the wheelhouse, a dependency of a newer release), the
// newer versions published, and what a version requires.
type PyPackage struct {
	Name      string
	Installed string
	Newer     []string
	Requires  map[string][]string
}

// PyPackages are the demo's Python projects. The updates differ by
// policy: under patch fastapi 0.109.2 and SQLAlchemy 2.0.25; under minor
// fastapi 0.110.0, uvicorn 0.27.1 and SQLAlchemy 2.0.25; pydantic 2 is a
// major upgrade (with two new dependencies) that only "all" takes;
// requests is current. pydantic is not on the watch list.
var PyPackages = []PyPackage{
	{Name: "fastapi", Installed: "0.109.0", Newer: []string{"0.109.2", "0.110.0"}},
	{Name: "uvicorn", Installed: "0.25.0", Newer: []string{"0.27.1"}},
	{Name: "SQLAlchemy", Installed: "2.0.23", Newer: []string{"2.0.25"}},
	{Name: "pydantic", Installed: "1.10.13", Newer: []string{"2.5.3"},
		Requires: map[string][]string{"2.5.3": {"annotated-types>=0.4.0", "pydantic-core==2.14.6"}}},
	{Name: "requests", Installed: "2.31.0"},
	{Name: "annotated-types", Newer: []string{"0.6.0"}},
	{Name: "pydantic-core", Newer: []string{"2.14.6"}},
}

// systemPython is the distribution's interpreter, with its venv module;
// a variable for the tests of a machine without it.
var systemPython = "/usr/bin/python3"

// findPython is the interpreter the venv is made with: systemPython
// first, else python3 on PATH.
func findPython() (string, error) {
	system := systemPython
	if _, err := os.Stat(system); err == nil {
		return system, nil
	}
	p, err := exec.LookPath("python3")
	if err != nil {
		return "", fmt.Errorf("no python3 (neither %s nor on PATH)", system)
	}
	return p, nil
}

// venvPython is where a virtualenv keeps its interpreter on this OS.
func venvPython(venv string) string {
	if runtime.GOOS == "windows" {
		return filepath.Join(venv, "Scripts", "python.exe")
	}
	return filepath.Join(venv, "bin", "python")
}

// pipConfName is the file pip reads in a virtualenv (sys.prefix).
func pipConfName() string {
	if runtime.GOOS == "windows" {
		return "pip.ini"
	}
	return "pip.conf"
}

// errNoPython wraps why the demo has no virtualenv: the machine has no
// usable Python. Anything else is a failure of the generator.
var errNoPython = errors.New("no usable Python")

// generatePython writes the wheelhouse, then makes the virtualenv and
// installs the packages. A machine without a Python whose venv module
// works returns an error wrapping errNoPython, with nothing left of the
// venv: the pip check then reports it missing.
func generatePython(ctx context.Context, root string, progress *syncWriter) (string, error) {
	wheels, venv := filepath.Join(root, Wheelhouse), filepath.Join(root, Venv)
	if err := writeWheelhouse(wheels); err != nil {
		return "", err
	}
	python, err := findPython()
	if err != nil {
		return "", fmt.Errorf("%w: %v", errNoPython, err)
	}
	progress.printf("creating the virtualenv %s with %s (stand-in packages from %s)\n", Venv, python, Wheelhouse)
	fail := func(what string, err error, out []byte) (string, error) {
		_ = os.RemoveAll(venv)
		if ctx.Err() != nil {
			return "", ctx.Err()
		}
		return "", fmt.Errorf("%w: %s failed (Debian: apt-get install python3-venv): %v: %s", errNoPython, what, err, firstLine(out))
	}
	// pip installs itself from the interpreter's bundled wheel together
	// with the packages, in one run: half the time of python3 -m venv's
	// ensurepip (pip and setuptools) followed by a second pip run.
	wheel := bundledPip(ctx, python)
	venvArgs := []string{"-m", "venv", venv}
	if wheel != "" {
		venvArgs = []string{"-m", "venv", "--without-pip", venv}
	}
	if out, err := exec.CommandContext(ctx, python, venvArgs...).CombinedOutput(); err != nil {
		return fail(python+" -m venv", err, out)
	}
	conf := fmt.Sprintf("# fossamaint demo: this virtualenv's pip installs from the demo's\n"+
		"# wheelhouse only, never from the network.\n[global]\nno-index = true\nfind-links = %s\ndisable-pip-version-check = true\n", wheels)
	if err := os.WriteFile(filepath.Join(venv, pipConfName()), []byte(conf), 0o644); err != nil {
		return "", fmt.Errorf("writing the demo venv's pip config: %w", err)
	}
	args := []string{"-m", "pip", "install", "--no-index", "--find-links", wheels, "--no-input", "--disable-pip-version-check", "--quiet"}
	if wheel != "" {
		args = append([]string{filepath.Join(wheel, "pip"), "install", "--no-index", "--find-links", filepath.Dir(wheel)}, args[3:]...)
		args = append(args, "pip")
	}
	for _, p := range PyPackages {
		if p.Installed != "" {
			args = append(args, p.Name+"=="+p.Installed)
		}
	}
	if out, err := exec.CommandContext(ctx, venvPython(venv), args...).CombinedOutput(); err != nil {
		return fail("installing the stand-in packages into "+venv, err, out)
	}
	return venv, nil
}

// bundledPip is the pip wheel python's ensurepip would install (CPython's
// ensurepip/_bundled, Debian's /usr/share/python-wheels), or "" when
// there is none: then python3 -m venv installs pip its own way.
func bundledPip(ctx context.Context, python string) string {
	const find = `import ensurepip, glob, os
d = os.path.join(os.path.dirname(ensurepip.__file__), "_bundled")
print(*sorted(glob.glob(os.path.join(d, "pip-*.whl")) + glob.glob("/usr/share/python-wheels/pip-*.whl")), sep="\n")`
	out, err := exec.CommandContext(ctx, python, "-c", find).Output()
	if err != nil {
		return ""
	}
	wheel, _, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
	return strings.TrimSpace(wheel)
}

// writeWheelhouse writes a wheel of every version of PyPackages.
func writeWheelhouse(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("creating %s: %w", dir, err)
	}
	for _, p := range PyPackages {
		versions := p.Newer
		if p.Installed != "" {
			versions = append([]string{p.Installed}, versions...)
		}
		for _, v := range versions {
			if _, err := pywheel.Write(dir, p.Name, v, p.Requires[v]...); err != nil {
				return err
			}
		}
	}
	return nil
}

// firstLine is the first non-empty line of a tool's output, for an
// error message.
func firstLine(out []byte) string {
	for line := range bytes.SplitSeq(out, []byte("\n")) {
		if s := strings.TrimSpace(string(line)); s != "" {
			return s
		}
	}
	return "(no output)"
}

// ToolEnv is the environment the demo's pip and npm commands must run
// with: pip and npm take PIP_* and npm_config_* variables over their
// config files, so a machine's own (this one sets PIP_FIND_LINKS) would
// send the demo's venv and frontend to another index, where the demo's
// packages are not. These pin both to the demo's wheelhouse and registry,
// offline. Without a venv only npm's is set.
func (inst *Installation) ToolEnv() []string {
	env := []string{"npm_config_registry=" + NpmRegistryURL(inst.Addr)}
	if inst.Venv != "" {
		env = append(env, "PIP_NO_INDEX=1", "PIP_FIND_LINKS="+filepath.Join(inst.Dir, Wheelhouse))
	}
	return env
}
