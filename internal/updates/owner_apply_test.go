//go:build unix

package updates

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fossawork/fossamaint/internal/testkit"
)

// TestPipApplierAsOwner applies and undoes a pip plan, as root, in a
// virtualenv that is nobody's: pip runs as nobody, so every file of the
// venv stays nobody's, the snapshot stays root's (0600) and pip's cache
// is in nobody's private home.
func TestPipApplierAsOwner(t *testing.T) {
	needRoot(t)
	venv := testkit.PyVenv(t)
	wheels := sharedDir(t)
	for _, v := range []string{"1.0.0", "1.1.0", "2.0.0"} {
		testkit.PyWheel(t, wheels, "alpha", v)
	}
	env := []string{"PIP_CONFIG_FILE=" + os.DevNull, "PIP_NO_INDEX=1", "PIP_FIND_LINKS=" + wheels}
	pipInstall(t, venv, env, "alpha==1.0.0") // as root, before the venv is nobody's
	chownTree(t, venv, nobody, nobody)
	tmp := sharedDir(t)
	t.Setenv("TMPDIR", tmp) // nobody's private home and the snapshot's copy
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	a := NewPipApplier(AsOwnerOf(ExecRunner{}, venv), venv, PolicyMinor, nil)
	a.Env = env
	before := freezeOf(t, venv, env)
	plan, err := a.Plan(ctx)
	if err != nil {
		t.Fatal(err)
	}
	snapDir := t.TempDir()
	done, err := a.Apply(ctx, plan, snapDir)
	if err != nil {
		t.Fatal(err)
	}
	if want := []Change{{"pip", "alpha", "1.0.0", "1.1.0"}}; !slices.Equal(done.Changes, want) {
		t.Fatalf("changes %+v; want %+v", done.Changes, want)
	}
	wantOwnedBy(t, venv, nobody)
	wantOwnedBy(t, done.Snapshot, 0)
	if st, err := os.Stat(done.Snapshot); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("snapshot %s: %v, %v; want 0600", done.Snapshot, st.Mode(), err)
	}
	home := filepath.Join(tmp, "fossamaint-home-65534")
	wantOwnedBy(t, home, nobody)
	// Local wheels are not cached: ask the venv's pip, as the applier
	// runs it, who it is and where its cache is.
	out, stderr, code, err := AsOwnerOf(ExecRunner{}, venv).Run(ctx, "", env, venvPython(venv), "-c",
		"import os, pip._internal.locations as _; print(os.getuid(), os.environ['PIP_CACHE_DIR'])")
	if want := "65534 " + filepath.Join(home, ".cache", "pip"); err != nil || code != 0 || strings.TrimSpace(string(out)) != want {
		t.Errorf("the venv's python says %q (exit %d, %v, %s); want %q", out, code, err, stderr, want)
	}

	if err := a.Undo(ctx, done); err != nil {
		t.Fatal(err)
	}
	if after := freezeOf(t, venv, env); !bytes.Equal(after, before) {
		t.Errorf("after undo pip freeze is\n%s\nwant\n%s", after, before)
	}
	wantOwnedBy(t, venv, nobody)
	wantOwnedBy(t, home, nobody)
	copies, _ := filepath.Glob(filepath.Join(tmp, "fossamaint-owner-*"))
	if len(copies) > 0 {
		t.Errorf("the snapshot's copy for nobody is left: %q", copies)
	}
}

// TestNpmApplierAsOwner applies and undoes an npm plan, as root, in a
// frontend that is nobody's, with a package whose new version has a
// postinstall script (it writes which uid ran it into the frontend): by
// default it does not run; with install_scripts it runs, as nobody.
func TestNpmApplierAsOwner(t *testing.T) {
	needRoot(t)
	postinstall := `node -e "require('fs').writeFileSync(require('path').join(process.env.INIT_CWD, 'postinstall-ran'), String(process.getuid()))"`
	reg := newTestRegistry(t, map[string][]string{"alpha": {"1.0.0", "1.1.0"}, "hooky": {"1.0.0", "1.1.0"}},
		map[string]map[string]any{"hooky@1.1.0": {"scripts": map[string]string{"postinstall": postinstall}}})
	tmp := sharedDir(t)
	t.Setenv("TMPDIR", tmp) // nobody's private home, npm's cache in it
	tests := []struct {
		installScripts bool
		wantMarker     string // what postinstall-ran holds; "" none
	}{
		{false, ""},
		{true, "65534"},
	}
	for _, tt := range tests {
		t.Run("install_scripts="+map[bool]string{false: "false", true: "true"}[tt.installScripts], func(t *testing.T) {
			dir, env := ownedFrontend(t, reg)
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
			defer cancel()
			a := NewNpmApplier(envRunner{AsOwnerOf(ExecRunner{}, dir), env}, dir, PolicyMinor, nil, []string{"node", "build.js"},
				NpmInstallScripts(tt.installScripts))
			plan, err := a.Plan(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, argv := range plan.Commands[:2] {
				if slices.Contains(argv, "--ignore-scripts") == tt.installScripts {
					t.Errorf("plan command %q: --ignore-scripts should be there iff install_scripts is false", argv)
				}
			}
			done, err := a.Apply(ctx, plan, t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			if len(done.Changes) != 2 {
				t.Errorf("changes %+v; want alpha and hooky 1.0.0 -> 1.1.0", done.Changes)
			}
			marker, _ := os.ReadFile(filepath.Join(dir, "postinstall-ran"))
			if string(marker) != tt.wantMarker {
				t.Errorf("postinstall-ran holds %q; want %q", marker, tt.wantMarker)
			}
			wantOwnedBy(t, dir, nobody) // node_modules, the lockfile, dist.txt, the marker
			if err := a.Undo(ctx, done); err != nil {
				t.Fatal(err)
			}
			wantOwnedBy(t, dir, nobody) // package.json and the lockfile restored by root
			if got := readFile(t, filepath.Join(dir, "node_modules", "hooky", "index.js")); !strings.Contains(got, "hooky@1.0.0") {
				t.Errorf("after undo hooky is %q; want 1.0.0", got)
			}
			wantOwnedBy(t, filepath.Join(tmp, "fossamaint-home-65534"), nobody)
		})
	}
}

// ownedFrontend installs alpha and hooky 1.0.0 from reg into a new
// frontend, then gives it to nobody; env points npm at reg, with user
// and global configs nobody may read and no cache (nobody's home has it).
func ownedFrontend(t *testing.T, reg *testRegistry) (dir string, env []string) {
	t.Helper()
	shared := sharedDir(t)
	rc, globalRC := filepath.Join(shared, "npmrc"), filepath.Join(shared, "global-npmrc")
	for _, f := range []string{rc, globalRC} {
		if err := os.WriteFile(f, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	env = []string{"npm_config_userconfig=" + rc, "npm_config_globalconfig=" + globalRC, "npm_config_update_notifier=false",
		"npm_config_fund=false", "npm_config_audit=false", "npm_config_fetch_retries=0", "npm_config_registry=" + reg.URL + "/"}
	dir = filepath.Join(shared, "frontend")
	writeFiles(t, dir, map[string]string{
		"package.json": `{"name": "frontend", "version": "1.0.0", "private": true, "dependencies": {"alpha": "^1.0.0", "hooky": "^1.0.0"}}`,
		"build.js":     `require("fs").writeFileSync("dist.txt", require("alpha") + "\n");`,
	})
	rootEnv := append(slices.Clone(env), "npm_config_cache="+filepath.Join(t.TempDir(), "cache"))
	runNpm(t, dir, rootEnv, "install", "--no-audit", "alpha@1.0.0", "hooky@1.0.0")
	chownTree(t, dir, nobody, nobody)
	return dir, env
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}
