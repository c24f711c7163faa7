package updates

import (
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
)

// The npm tests run the real npm against a real HTTP server: a tiny
// registry serving packuments and the tarballs `npm pack` built from
// local sources. npm cannot pick "the newest 1.x" from a directory of
// tarballs, so `npm outdated` and `npm view` need a registry; this one is
// offline and private to the test.

// testRegistry is a local npm registry.
type testRegistry struct {
	URL string
	// Close stops serving: npm then finds the registry down.
	Close func()
	// dir holds the tarballs npm pack wrote.
	dir string
	// tarballs maps a package name to its versions' tarball file names.
	tarballs map[string]map[string]packed
	// manifests are fields of "name@version"'s package.json beyond its
	// name and version: dependencies, peerDependencies.
	manifests map[string]map[string]any
	// advisories is what the bulk audit endpoint answers, by package.
	advisories map[string][]map[string]any

	mu       sync.Mutex
	requests []string
}

type packed struct {
	Filename  string `json:"filename"`
	Name      string `json:"name"`
	Version   string `json:"version"`
	Shasum    string `json:"shasum"`
	Integrity string `json:"integrity"`
}

// needNpm skips the test without npm, unless CI is set: CI has it.
func needNpm(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("npm"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("CI is set but npm is missing: install it (apt-get install -y npm): %v", err)
		}
		t.Skipf("npm is not installed: %v", err)
	}
}

// newTestRegistry packs every name@version of pkgs with npm pack (a
// package.json with the fields manifests["name@version"], an index.js
// naming the version) and serves them.
func newTestRegistry(t *testing.T, pkgs map[string][]string, manifests map[string]map[string]any) *testRegistry {
	t.Helper()
	needNpm(t)
	root := t.TempDir()
	reg := &testRegistry{dir: filepath.Join(root, "tarballs"), tarballs: map[string]map[string]packed{}, manifests: manifests}
	if err := os.Mkdir(reg.dir, 0o700); err != nil {
		t.Fatal(err)
	}
	var srcs []string
	for name, versions := range pkgs {
		for _, v := range versions {
			src := filepath.Join(root, "src", name+"-"+v)
			pkgJSON, err := json.Marshal(reg.manifest(name, v))
			if err != nil {
				t.Fatal(err)
			}
			writeFiles(t, src, map[string]string{
				"package.json": string(pkgJSON),
				"index.js":     fmt.Sprintf("module.exports = %q;\n", name+"@"+v),
			})
			srcs = append(srcs, src)
		}
	}
	slices.Sort(srcs)
	out := runNpm(t, root, npmTestEnv(t, ""), append([]string{"pack", "--json", "--pack-destination", reg.dir}, srcs...)...)
	var list []packed
	if err := json.Unmarshal(out, &list); err != nil {
		t.Fatalf("npm pack --json: %v\n%s", err, out)
	}
	for _, p := range list {
		if reg.tarballs[p.Name] == nil {
			reg.tarballs[p.Name] = map[string]packed{}
		}
		reg.tarballs[p.Name][p.Version] = p
	}
	srv := httptest.NewServer(http.HandlerFunc(reg.serve))
	t.Cleanup(srv.Close)
	reg.URL, reg.Close = srv.URL, srv.Close
	return reg
}

func (reg *testRegistry) serve(w http.ResponseWriter, r *http.Request) {
	reg.mu.Lock()
	reg.requests = append(reg.requests, r.Method+" "+r.URL.Path)
	reg.mu.Unlock()
	path := strings.TrimPrefix(r.URL.Path, "/")
	switch {
	case r.Method == http.MethodPost && path == "-/npm/v1/security/advisories/bulk":
		reg.serveAdvisories(w, r)
	case strings.Contains(path, "/-/"):
		http.ServeFile(w, r, filepath.Join(reg.dir, filepath.Base(path)))
	case reg.tarballs[path] != nil:
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(reg.packument("http://"+r.Host, path))
	default:
		http.Error(w, `{"error":"Not found"}`, http.StatusNotFound)
	}
}

// packument is the registry's document of one package: every version,
// where its tarball is, and "latest" the highest version.
func (reg *testRegistry) packument(base, name string) map[string]any {
	versions := map[string]any{}
	latest := ""
	for v, p := range reg.tarballs[name] {
		m := reg.manifest(name, v)
		m["dist"] = map[string]any{"tarball": base + "/" + name + "/-/" + p.Filename, "shasum": p.Shasum, "integrity": p.Integrity}
		versions[v] = m
		if latest == "" || compareSemver(mustSemver(v), mustSemver(latest)) > 0 {
			latest = v
		}
	}
	return map[string]any{"name": name, "dist-tags": map[string]string{"latest": latest}, "versions": versions}
}

// manifest is name@version's package.json.
func (reg *testRegistry) manifest(name, version string) map[string]any {
	m := map[string]any{"name": name, "version": version, "main": "index.js", "license": "MIT"}
	for k, v := range reg.manifests[name+"@"+version] {
		m[k] = v
	}
	return m
}

// serveAdvisories answers npm audit's bulk request ({"name": [versions]})
// with the advisories of the packages asked about.
func (reg *testRegistry) serveAdvisories(w http.ResponseWriter, r *http.Request) {
	var body io.Reader = r.Body
	if r.Header.Get("Content-Encoding") == "gzip" { // npm compresses it
		zr, err := gzip.NewReader(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		body = zr
	}
	var asked map[string][]string
	if err := json.NewDecoder(body).Decode(&asked); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	out := map[string]any{}
	for name := range asked {
		if advs := reg.advisories[name]; advs != nil {
			out[name] = advs
		}
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(out)
}

func mustSemver(s string) semver {
	v, ok := parseSemver(s)
	if !ok {
		panic("test registry: not a version: " + s)
	}
	return v
}

// npmTestEnv keeps npm away from the host: its own cache and user config,
// no update check, no funding messages, and the test registry.
func npmTestEnv(t *testing.T, registry string) []string {
	t.Helper()
	dir := t.TempDir()
	rc, globalRC := filepath.Join(dir, "npmrc"), filepath.Join(dir, "global-npmrc")
	for _, f := range []string{rc, globalRC} {
		if err := os.WriteFile(f, nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	env := []string{
		"npm_config_cache=" + filepath.Join(dir, "cache"),
		"npm_config_userconfig=" + rc,
		"npm_config_globalconfig=" + globalRC,
		"npm_config_update_notifier=false",
		"npm_config_fund=false",
		"npm_config_audit=false",
		"npm_config_fetch_retries=0",
	}
	if registry != "" {
		env = append(env, "npm_config_registry="+registry+"/")
	}
	return env
}

// runNpm runs npm in dir and fails the test unless it exits 0.
func runNpm(t *testing.T, dir string, env []string, args ...string) []byte {
	t.Helper()
	stdout, stderr, code, err := envRunner{ExecRunner{}, env}.Run(context.Background(), dir, nil, append([]string{"npm"}, args...)...)
	if err != nil || code != 0 {
		t.Fatalf("npm %s: exit %d, %v\n%s\n%s", strings.Join(args, " "), code, err, stdout, stderr)
	}
	return stdout
}

func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, body := range files {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
