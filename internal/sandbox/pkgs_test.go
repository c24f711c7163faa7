package sandbox

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha1"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/fossawork/fossamaint/internal/testkit"
)

// registryServer serves the demo registry under /npm/ as the backend does.
func registryServer(t *testing.T, ln net.Listener) string {
	t.Helper()
	reg, err := newNpmRegistry()
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle(npmPrefix, reg)
	srv := httptest.NewUnstartedServer(mux)
	if ln != nil {
		srv.Listener.Close()
		srv.Listener = ln
	}
	srv.Start()
	t.Cleanup(srv.Close)
	return srv.URL + npmPrefix
}

func get(t *testing.T, url string) (int, []byte) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, body
}

// TestNpmRegistry: packuments name every version with a tarball whose
// sha1 and sha512 are the ones announced and which holds the version's
// package.json; the bulk audit endpoint answers charts' advisory, gzipped
// or not; anything else is a 404 or 405.
func TestNpmRegistry(t *testing.T) {
	base := registryServer(t, nil)
	code, body := get(t, base+"@fossawork-demo%2fcharts")
	var doc struct {
		Name     string            `json:"name"`
		DistTags map[string]string `json:"dist-tags"`
		Versions map[string]struct {
			Version string `json:"version"`
			Dist    struct{ Tarball, Shasum, Integrity string }
		} `json:"versions"`
	}
	if code != 200 || json.Unmarshal(body, &doc) != nil {
		t.Fatalf("packument: %d %s", code, body)
	}
	if doc.Name != "@fossawork-demo/charts" || doc.DistTags["latest"] != "1.3.0" || len(doc.Versions) != 3 {
		t.Fatalf("packument %+v", doc)
	}
	for v, m := range doc.Versions {
		code, tgz := get(t, m.Dist.Tarball)
		sha := sha1.Sum(tgz)
		sum := sha512.Sum512(tgz)
		if code != 200 || m.Version != v || hex.EncodeToString(sha[:]) != m.Dist.Shasum ||
			"sha512-"+base64.StdEncoding.EncodeToString(sum[:]) != m.Dist.Integrity {
			t.Errorf("%s: tarball %s: %d, sums do not match %+v", v, m.Dist.Tarball, code, m.Dist)
		}
		if got := tarballVersion(t, tgz); got != v {
			t.Errorf("%s: the tarball's package.json says %q", v, got)
		}
	}
	asked := []byte(`{"@fossawork-demo/charts": ["1.2.0"], "@fossawork-demo/forms": ["2.1.0"]}`)
	var zipped bytes.Buffer
	zw := gzip.NewWriter(&zipped)
	_, _ = zw.Write(asked)
	_ = zw.Close()
	for _, gz := range []bool{false, true} {
		req, _ := http.NewRequest(http.MethodPost, base+bulkAdvisories, bytes.NewReader(asked))
		if gz {
			req, _ = http.NewRequest(http.MethodPost, base+bulkAdvisories, bytes.NewReader(zipped.Bytes()))
			req.Header.Set("Content-Encoding", "gzip")
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var advs map[string][]struct {
			Severity   string `json:"severity"`
			Vulnerable string `json:"vulnerable_versions"`
			URL        string `json:"url"`
		}
		err = json.NewDecoder(resp.Body).Decode(&advs)
		resp.Body.Close()
		if err != nil || len(advs) != 1 || len(advs["@fossawork-demo/charts"]) != 1 ||
			advs["@fossawork-demo/charts"][0].Severity != "moderate" || advs["@fossawork-demo/charts"][0].Vulnerable != "<1.2.1" {
			t.Fatalf("gzip %v: advisories %+v, %v", gz, advs, err)
		}
		if code, page := get(t, advs["@fossawork-demo/charts"][0].URL); code != 200 || !bytes.Contains(page, []byte("not a real one")) {
			t.Errorf("advisory page: %d %s", code, page)
		}
	}
	for url, want := range map[string]int{
		base + "left-pad": 404,
		base + "@fossawork-demo/charts/-/charts-9.9.9.tgz": 404,
		base + "-/advisories/9999":                         404,
	} {
		if code, _ := get(t, url); code != want {
			t.Errorf("GET %s: %d, want %d", url, code, want)
		}
	}
	if resp, err := http.Post(base+"@fossawork-demo%2fcharts", "application/json", nil); err != nil || resp.StatusCode != 405 {
		t.Errorf("POST a packument: %v %v", resp, err)
	}
	a, _ := npmTarball("@fossawork-demo/charts", "1.2.0")
	b, _ := npmTarball("@fossawork-demo/charts", "1.2.0")
	if !bytes.Equal(a.data, b.data) {
		t.Error("the same tarball packed twice differs: the lockfile's integrity would not match the backend's")
	}
}

// tarballVersion is the version in a tarball's package/package.json.
func tarballVersion(t *testing.T, tgz []byte) string {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(tgz))
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(zr)
	for {
		hdr, err := tr.Next()
		if err != nil {
			t.Fatalf("no package/package.json: %v", err)
		}
		if hdr.Name == "package/package.json" {
			var m struct{ Version string }
			if err := json.NewDecoder(tr).Decode(&m); err != nil {
				t.Fatal(err)
			}
			return m.Version
		}
	}
}

// TestGenerateFrontend: the lockfile, node_modules and .npmrc agree with
// the registry the backend serves at the installation's address.
func TestGenerateFrontend(t *testing.T) {
	inst := smallInstallation(t)
	dir := filepath.Join(inst.Dir, "frontend")
	var lock struct {
		LockfileVersion int `json:"lockfileVersion"`
		Packages        map[string]struct{ Version, Resolved, Integrity string }
	}
	data, err := os.ReadFile(filepath.Join(dir, "package-lock.json"))
	if err != nil || json.Unmarshal(data, &lock) != nil || lock.LockfileVersion != 3 {
		t.Fatalf("package-lock.json: %v %s", err, data)
	}
	for _, p := range NpmPackages {
		d, err := npmTarball(p.Name, p.Installed)
		if err != nil {
			t.Fatal(err)
		}
		got := lock.Packages["node_modules/"+p.Name]
		if got.Version != p.Installed || got.Integrity != d.integrity || got.Resolved != npmTarballURL(NpmRegistryURL(inst.Addr), p.Name, d.file) {
			t.Errorf("%s in the lockfile: %+v", p.Name, got)
		}
		var m struct{ Version string }
		data, err := os.ReadFile(filepath.Join(dir, "node_modules", p.Name, "package.json"))
		if err != nil || json.Unmarshal(data, &m) != nil || m.Version != p.Installed {
			t.Errorf("node_modules/%s: %v %s", p.Name, err, data)
		}
	}
	npmrc, err := os.ReadFile(filepath.Join(dir, ".npmrc"))
	if err != nil || !bytes.Contains(npmrc, []byte("\nregistry=http://"+inst.Addr+"/npm/\n")) ||
		!bytes.Contains(npmrc, []byte("\ncache="+filepath.Join(inst.Dir, NpmCache)+"\n")) {
		t.Errorf(".npmrc: %v\n%s", err, npmrc)
	}
	if fi, err := os.Stat(filepath.Join(inst.Dir, NpmCache)); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("npm cache: %v %v", fi, err)
	}
}

// TestGenerateFrontendWithNpm runs the real npm on a copy of the
// generated frontend against the registry at the installation's address:
// npm audit finds charts' advisory, npm outdated the newer versions, and
// npm ci installs the lockfile (its integrity matches the tarballs).
func TestGenerateFrontendWithNpm(t *testing.T) {
	if _, err := exec.LookPath("npm"); err != nil {
		testkit.SkipUnlessCI(t, "npm is not installed: %v", err)
	}
	inst := smallInstallation(t)
	ln, err := net.Listen("tcp", inst.Addr)
	if err != nil {
		t.Skipf("the installation's address %s was taken since: %v", inst.Addr, err)
	}
	registryServer(t, ln)
	dir := filepath.Join(t.TempDir(), "frontend")
	if err := os.CopyFS(dir, os.DirFS(filepath.Join(inst.Dir, "frontend"))); err != nil {
		t.Fatal(err)
	}
	env := append(os.Environ(), "npm_config_cache="+t.TempDir(), "npm_config_userconfig="+os.DevNull)
	npm := func(args ...string) []byte {
		cmd := exec.Command("npm", args...)
		cmd.Dir, cmd.Env = dir, env
		out, err := cmd.Output()
		var exit *exec.ExitError
		if err != nil && !(errors.As(err, &exit) && exit.ExitCode() == 1) {
			t.Fatalf("npm %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return out
	}
	var audit struct {
		Vulnerabilities map[string]struct{ Severity string }
	}
	if out := npm("audit", "--json"); json.Unmarshal(out, &audit) != nil ||
		len(audit.Vulnerabilities) != 1 || audit.Vulnerabilities["@fossawork-demo/charts"].Severity != "moderate" {
		t.Errorf("npm audit: %s", out)
	}
	var outdated map[string]struct{ Current, Wanted, Latest string }
	out := npm("outdated", "--json")
	if json.Unmarshal(out, &outdated) != nil || len(outdated) != 2 ||
		outdated["@fossawork-demo/charts"] != (struct{ Current, Wanted, Latest string }{"1.2.0", "1.3.0", "1.3.0"}) ||
		outdated["@fossawork-demo/forms"].Latest != "3.0.0" {
		t.Errorf("npm outdated: %s", out)
	}
	npm("ci", "--no-audit")
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "@fossawork-demo", "http", "index.js")); err != nil {
		t.Errorf("npm ci: %v", err)
	}
}

// TestGenerateVenv: the virtualenv has the installed versions, its
// pip.conf names the wheelhouse, and pip (with ToolEnv, as the demo runs
// it) lists the newer ones.
func TestGenerateVenv(t *testing.T) {
	inst := smallInstallation(t)
	if inst.Venv == "" {
		testkit.SkipUnlessCI(t, "no virtualenv: %s", inst.NoVenv)
	}
	conf, err := os.ReadFile(filepath.Join(inst.Venv, pipConfName()))
	if err != nil || !bytes.Contains(conf, []byte("\nno-index = true\nfind-links = "+filepath.Join(inst.Dir, Wheelhouse)+"\n")) {
		t.Errorf("pip.conf: %v\n%s", err, conf)
	}
	pip := func(args ...string) []byte { return testkit.Pip(t, inst.Venv, inst.ToolEnv(), args...) }
	freeze := string(pip("freeze"))
	var want []string
	for _, p := range PyPackages {
		if p.Installed != "" {
			want = append(want, p.Name+"=="+p.Installed)
		}
	}
	got := strings.Fields(freeze)
	slices.SortFunc(got, func(a, b string) int { return strings.Compare(strings.ToLower(a), strings.ToLower(b)) })
	slices.SortFunc(want, func(a, b string) int { return strings.Compare(strings.ToLower(a), strings.ToLower(b)) })
	if !slices.Equal(got, want) {
		t.Errorf("pip freeze: %v, want %v", got, want)
	}
	var outdated []struct {
		Name    string `json:"name"`
		Version string `json:"version"`
		Latest  string `json:"latest_version"`
	}
	if err := json.Unmarshal(pip("list", "--outdated", "--format=json"), &outdated); err != nil {
		t.Fatal(err)
	}
	latest := map[string]string{}
	for _, o := range outdated {
		latest[o.Name] = o.Version + " -> " + o.Latest
	}
	wantLatest := map[string]string{"fastapi": "0.109.0 -> 0.110.0", "uvicorn": "0.25.0 -> 0.27.1",
		"SQLAlchemy": "2.0.23 -> 2.0.25", "pydantic": "1.10.13 -> 2.5.3"}
	if len(latest) != len(wantLatest) {
		t.Errorf("pip list --outdated: %v, want %v", latest, wantLatest)
	}
	for name, w := range wantLatest {
		if latest[name] != w {
			t.Errorf("pip list --outdated: %s %q, want %q", name, latest[name], w)
		}
	}
}

// TestGeneratePythonMissing: without a python3, or with one whose venv
// module fails, there is no venv and the error says why; the wheelhouse
// is written all the same.
func TestGeneratePythonMissing(t *testing.T) {
	fake := t.TempDir()
	broken := filepath.Join(fake, "python3")
	if err := os.WriteFile(broken, []byte("#!/bin/sh\necho 'No module named venv' >&2\nexit 1\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, system, path, want string
	}{
		{"none", filepath.Join(fake, "missing"), t.TempDir(), "no python3"},
		{"no venv module", broken, t.TempDir(), "No module named venv"},
		{"on PATH only", filepath.Join(fake, "missing"), fake, "No module named venv"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			old := systemPython
			systemPython = tc.system
			t.Cleanup(func() { systemPython = old })
			t.Setenv("PATH", tc.path)
			root := t.TempDir()
			venv, err := generatePython(context.Background(), root, &syncWriter{})
			if venv != "" || !errors.Is(err, errNoPython) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("venv %q, err %v; want none and errNoPython saying %q", venv, err, tc.want)
			}
			if _, err := os.Stat(filepath.Join(root, Venv)); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("a venv is left: %v", err)
			}
			if wheels, _ := filepath.Glob(filepath.Join(root, Wheelhouse, "*.whl")); len(wheels) != 12 {
				t.Errorf("%d wheels, want 12", len(wheels))
			}
		})
	}
}
