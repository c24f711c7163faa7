package sandbox

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha1"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"
)

// The demo's npm side: a tiny registry the demo backend serves under
// /npm/ (packuments, tarballs made here, npm audit's bulk advisory
// endpoint), and the frontend the generator writes against it
// (frontend.go). Everything is made from NpmPackages in Go, the same
// bytes in the generator and in the backend, so the lockfile's integrity
// matches the tarballs the backend serves. Nothing leaves the loopback.

// NpmScope is the scope of the demo's npm packages: clearly not real ones.
const NpmScope = "@fossawork-demo"

// NpmPackage is one package of the demo registry: the version the
// frontend has installed, every published version, and its advisories.
type NpmPackage struct {
	Name       string
	Installed  string
	Versions   []string
	Advisories []NpmAdvisory
}

// NpmAdvisory is an advisory npm audit gets for a package.
type NpmAdvisory struct {
	ID         int
	Title      string
	Severity   string // low, moderate, high, critical
	Vulnerable string // a semver range, e.g. "<1.2.1"
	CWE        string
}

// NpmPackages are the demo frontend's dependencies. charts 1.2.0 has a
// moderate advisory fixed in 1.2.1 (patch) and 1.3.0 (minor); forms 3.0.0
// is a major upgrade that patch and minor leave alone; http is current.
var NpmPackages = []NpmPackage{
	{Name: NpmScope + "/charts", Installed: "1.2.0", Versions: []string{"1.2.0", "1.2.1", "1.3.0"},
		Advisories: []NpmAdvisory{{ID: 1001, Title: "Prototype pollution in chart option merging",
			Severity: "moderate", Vulnerable: "<1.2.1", CWE: "CWE-1321"}}},
	{Name: NpmScope + "/forms", Installed: "2.1.0", Versions: []string{"2.1.0", "3.0.0"}},
	{Name: NpmScope + "/http", Installed: "1.0.4", Versions: []string{"1.0.4"}},
}

// npmTarballTime is every tarball entry's mtime, as npm pack writes it:
// the tarballs are the same bytes wherever they are made.
var npmTarballTime = time.Date(1985, 10, 26, 8, 15, 0, 0, time.UTC)

// npmDist is a tarball and how npm checks it.
type npmDist struct {
	file      string // charts-1.2.0.tgz
	data      []byte
	shasum    string // sha1, hex
	integrity string // sha512-<base64>
}

// npmManifest is name@version's package.json.
func npmManifest(name, version string) map[string]any {
	return map[string]any{"name": name, "version": version, "main": "index.js", "license": "MIT",
		"description": "A stand-in package served by fossamaint demo's backend: it holds only its version, no code"}
}

// npmFiles are name@version's files as its tarball holds them.
func npmFiles(name, version string) ([][2]string, error) {
	manifest, err := json.MarshalIndent(npmManifest(name, version), "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encoding %s@%s's package.json: %w", name, version, err)
	}
	return [][2]string{
		{"package/package.json", string(manifest) + "\n"},
		{"package/index.js", fmt.Sprintf("module.exports = { name: %q, version: %q };\n", name, version)},
	}, nil
}

// npmTarball packs name@version's npmFiles, gzipped without a name or
// time.
func npmTarball(name, version string) (npmDist, error) {
	files, err := npmFiles(name, version)
	if err != nil {
		return npmDist{}, err
	}
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return npmDist{}, err
	}
	tw := tar.NewWriter(zw)
	for _, f := range files {
		hdr := &tar.Header{Name: f[0], Mode: 0o644, Size: int64(len(f[1])), ModTime: npmTarballTime,
			Typeflag: tar.TypeReg, Format: tar.FormatUSTAR}
		if err := tw.WriteHeader(hdr); err != nil {
			return npmDist{}, err
		}
		if _, err := io.WriteString(tw, f[1]); err != nil {
			return npmDist{}, err
		}
	}
	if err := tw.Close(); err != nil {
		return npmDist{}, err
	}
	if err := zw.Close(); err != nil {
		return npmDist{}, err
	}
	sha := sha1.Sum(buf.Bytes())
	sum := sha512.Sum512(buf.Bytes())
	return npmDist{file: npmBase(name) + "-" + version + ".tgz", data: buf.Bytes(),
		shasum: hex.EncodeToString(sha[:]), integrity: "sha512-" + base64.StdEncoding.EncodeToString(sum[:])}, nil
}

// npmBase is a package's name without its scope.
func npmBase(name string) string {
	return name[strings.LastIndexByte(name, '/')+1:]
}

// npmTarballURL is where registry serves name's tarball file.
func npmTarballURL(registry, name, file string) string {
	return strings.TrimSuffix(registry, "/") + "/" + name + "/-/" + file
}

// npmRegistry serves NpmPackages under /npm/ of the demo backend.
type npmRegistry struct {
	dists map[string]map[string]npmDist // name -> version -> tarball
}

func newNpmRegistry() (*npmRegistry, error) {
	reg := &npmRegistry{dists: map[string]map[string]npmDist{}}
	for _, p := range NpmPackages {
		reg.dists[p.Name] = map[string]npmDist{}
		for _, v := range p.Versions {
			d, err := npmTarball(p.Name, v)
			if err != nil {
				return nil, fmt.Errorf("packing the demo npm package %s@%s: %w", p.Name, v, err)
			}
			reg.dists[p.Name][v] = d
		}
	}
	return reg, nil
}

// npmPrefix is the registry's path on the backend.
const npmPrefix = "/npm/"

// bulkAdvisories is npm audit's endpoint, under the registry.
const bulkAdvisories = "-/npm/v1/security/advisories/bulk"

func (reg *npmRegistry) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := strings.TrimPrefix(r.URL.Path, npmPrefix)
	base := "http://" + r.Host + npmPrefix
	switch {
	case r.Method == http.MethodPost && path == bulkAdvisories:
		reg.serveAdvisories(w, r, base)
	case r.Method != http.MethodGet && r.Method != http.MethodHead:
		npmError(w, http.StatusMethodNotAllowed, "method not allowed")
	case strings.HasPrefix(path, "-/advisories/"):
		reg.serveAdvisory(w, strings.TrimPrefix(path, "-/advisories/"))
	case strings.Contains(path, "/-/"):
		name, file, _ := strings.Cut(path, "/-/")
		for _, d := range reg.dists[name] {
			if d.file == file {
				w.Header().Set("Content-Type", "application/octet-stream")
				_, _ = w.Write(d.data)
				return
			}
		}
		npmError(w, http.StatusNotFound, "not found")
	case reg.dists[path] != nil:
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(reg.packument(base, path))
	default:
		npmError(w, http.StatusNotFound, "not found")
	}
}

func npmError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": msg})
}

// packument is the registry's document of one package: every version,
// its tarball, and "latest" the last version published.
func (reg *npmRegistry) packument(base, name string) map[string]any {
	versions := map[string]any{}
	latest := ""
	for _, p := range NpmPackages {
		if p.Name != name {
			continue
		}
		for _, v := range p.Versions {
			d := reg.dists[name][v]
			m := npmManifest(name, v)
			m["dist"] = map[string]any{"tarball": npmTarballURL(base, name, d.file), "shasum": d.shasum, "integrity": d.integrity}
			versions[v] = m
		}
		latest = p.Versions[len(p.Versions)-1]
	}
	return map[string]any{"name": name, "dist-tags": map[string]string{"latest": latest}, "versions": versions}
}

// maxAuditBody bounds what the bulk endpoint reads, gzip or not.
const maxAuditBody = 1 << 20

// serveAdvisories answers npm audit's bulk request ({"name": [versions]},
// gzipped by npm) with the advisories of the packages asked about.
func (reg *npmRegistry) serveAdvisories(w http.ResponseWriter, r *http.Request, base string) {
	var body io.Reader = http.MaxBytesReader(w, r.Body, maxAuditBody)
	if r.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(body)
		if err != nil {
			npmError(w, http.StatusBadRequest, err.Error())
			return
		}
		defer zr.Close()
		body = io.LimitReader(zr, maxAuditBody)
	}
	var asked map[string][]string
	if err := json.NewDecoder(body).Decode(&asked); err != nil {
		npmError(w, http.StatusBadRequest, "want {\"name\": [versions]}: "+err.Error())
		return
	}
	out := map[string]any{}
	for _, p := range NpmPackages {
		if _, ok := asked[p.Name]; !ok || len(p.Advisories) == 0 {
			continue
		}
		var advs []map[string]any
		for _, a := range p.Advisories {
			advs = append(advs, map[string]any{"id": a.ID, "url": fmt.Sprintf("%s-/advisories/%d", base, a.ID),
				"title": a.Title, "severity": a.Severity, "vulnerable_versions": a.Vulnerable,
				"cwe": []string{a.CWE}, "cvss": map[string]any{"score": 5.3, "vectorString": nil}})
		}
		out[p.Name] = advs
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(out)
}

// serveAdvisory is the page an advisory's url points at.
func (reg *npmRegistry) serveAdvisory(w http.ResponseWriter, id string) {
	for _, p := range NpmPackages {
		i := slices.IndexFunc(p.Advisories, func(a NpmAdvisory) bool { return fmt.Sprint(a.ID) == id })
		if i < 0 {
			continue
		}
		a := p.Advisories[i]
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintf(w, "Demo advisory %d (fossamaint demo, not a real one)\n\n%s: %s\nSeverity: %s\nVulnerable versions: %s\n",
			a.ID, p.Name, a.Title, a.Severity, a.Vulnerable)
		return
	}
	npmError(w, http.StatusNotFound, "no such advisory")
}
