package updates

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/")

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// checkGolden compares v, as indented JSON, with testdata/<name>.golden.json.
func checkGolden(t *testing.T, name string, v any) {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // version ranges stay readable: <4.17.21
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	got := buf.Bytes()
	path := filepath.Join("testdata", name+".golden.json")
	if *update {
		if err := os.WriteFile(path, got, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs (rerun with -update if intended):\n%s", path, got)
	}
}

func TestParseAptUpgradable(t *testing.T) {
	tests := []struct {
		fixture  string
		n, sec   int
		errMatch string
	}{
		{"apt_debian12.txt", 6, 3, ""},
		{"apt_ubuntu.txt", 3, 1, ""},
		{"apt_none.txt", 0, 0, ""},
		{"apt_garbage.txt", 0, 0, "line 2: no [upgradable from: ...]"},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			pkgs, err := ParseAptUpgradable(bytes.NewReader(readFixture(t, tt.fixture)))
			if tt.errMatch != "" {
				if err == nil || !strings.Contains(err.Error(), tt.errMatch) {
					t.Fatalf("err = %v, want %q", err, tt.errMatch)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			sec := 0
			for _, p := range pkgs {
				if p.Security {
					sec++
				}
			}
			if len(pkgs) != tt.n || sec != tt.sec {
				t.Fatalf("%d packages, %d security; want %d, %d", len(pkgs), sec, tt.n, tt.sec)
			}
			checkGolden(t, strings.TrimSuffix(tt.fixture, ".txt"), pkgs)
		})
	}
}

func TestParseAptLine(t *testing.T) {
	want := Package{Name: "openssl", Source: "stable-security", NewVersion: "3.0.15-1~deb12u1",
		OldVersion: "3.0.14-1~deb12u2", Arch: "amd64", Security: true}
	got, err := ParseAptUpgradable(strings.NewReader("openssl/stable-security 3.0.15-1~deb12u1 amd64 [upgradable from: 3.0.14-1~deb12u2]\n"))
	if err != nil || len(got) != 1 || got[0] != want {
		t.Fatalf("got %+v, %v", got, err)
	}
	for _, bad := range []string{
		"openssl 3.0.15 amd64 [upgradable from: 3.0.14]",                 // no suite
		"openssl/stable 3.0.15 [upgradable from: 3.0.14]",                // no arch
		"openssl/stable 3.0.15 amd64 [installed]",                        // not an upgrade
		"openssl/stable 3.0.15 amd64 [upgradable from: ]",                // no old version
		"/stable 3.0.15 amd64 [upgradable from: 3.0.14]",                 // no name
		"openssl/stable 3.0.15 amd64 extra [upgradable from: 3.0.14]",    // extra field
		"openssl/stable 3.0.15 amd64 [upgradable from: 3.0.14] trailing", // junk after
	} {
		if _, err := ParseAptUpgradable(strings.NewReader(bad)); err == nil {
			t.Errorf("accepted %q", bad)
		}
	}
}

func TestParsePipOutdated(t *testing.T) {
	tests := []struct {
		fixture  string
		n        int
		errMatch string
	}{
		{"pip_outdated.json", 6, ""},
		{"pip_none.json", 0, ""},
		{"pip_garbage.txt", 0, "not a JSON list"},
		{"pip_object.json", 0, "not a JSON list"},
		{"pip_bad_entry.json", 0, "entry 0 lacks"},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			pkgs, err := ParsePipOutdated(bytes.NewReader(readFixture(t, tt.fixture)))
			if tt.errMatch != "" {
				if err == nil || !strings.Contains(err.Error(), tt.errMatch) {
					t.Fatalf("err = %v, want %q", err, tt.errMatch)
				}
				return
			}
			if err != nil || len(pkgs) != tt.n {
				t.Fatalf("%d packages, %v; want %d", len(pkgs), err, tt.n)
			}
			if tt.n > 0 && (pkgs[0] != PipPackage{Name: "fastapi", Version: "0.104.1", LatestVersion: "0.115.6", LatestFiletype: "wheel"}) {
				t.Fatalf("first = %+v", pkgs[0])
			}
		})
	}
}

func TestNormalizePyName(t *testing.T) {
	for in, want := range map[string]string{
		"Flask_SQLAlchemy": "flask-sqlalchemy", "zope.interface": "zope-interface",
		"SQLAlchemy": "sqlalchemy", "a-_.b": "a-b", " fastapi ": "fastapi",
	} {
		if got := NormalizePyName(in); got != want {
			t.Errorf("NormalizePyName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParseNpmAudit(t *testing.T) {
	tests := []struct {
		fixture  string
		version  int
		counts   Severities
		n        int
		errMatch string
	}{
		{"npm7_vulns.json", 2, Severities{Low: 1, Moderate: 2, High: 2, Total: 5}, 5, ""},
		{"npm7_clean.json", 2, Severities{}, 0, ""},
		{"npm6_advisories.json", 1, Severities{Low: 1, Moderate: 1, High: 1, Critical: 1, Total: 4}, 3, ""},
		{"npm_error_enolock.json", 0, Severities{}, 0, "npm error ENOLOCK: This command requires an existing lockfile."},
		{"npm_error_network.json", 0, Severities{}, 0, "npm error ENOTFOUND: request to https://registry.npmjs.org"},
		{"npm_garbage.txt", 0, Severities{}, 0, "not a JSON object"},
		{"npm_unknown.json", 0, Severities{}, 0, "neither vulnerabilities, advisories nor error"},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			a, err := ParseNpmAudit(bytes.NewReader(readFixture(t, tt.fixture)))
			if tt.errMatch != "" {
				if err == nil || !strings.Contains(err.Error(), tt.errMatch) {
					t.Fatalf("err = %v, want %q", err, tt.errMatch)
				}
				var npmErr *NpmError
				if strings.HasPrefix(tt.fixture, "npm_error") && !errors.As(err, &npmErr) {
					t.Fatalf("npm's error object should be an *NpmError, got %T", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if a.ReportVersion != tt.version || a.Counts != tt.counts || len(a.Vulnerabilities) != tt.n {
				t.Fatalf("version %d counts %+v n %d", a.ReportVersion, a.Counts, len(a.Vulnerabilities))
			}
			checkGolden(t, strings.TrimSuffix(tt.fixture, ".json"), a)
		})
	}
}

// The details a reader of the report acts on: which fix breaks, which is direct.
func TestParseNpmAuditDetails(t *testing.T) {
	a, err := ParseNpmAudit(bytes.NewReader(readFixture(t, "npm7_vulns.json")))
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]Vulnerability{}
	for _, v := range a.Vulnerabilities {
		byName[v.Name] = v
	}
	if v := byName["vite"]; !v.Direct || !v.FixIsBreaking || len(v.Via) != 1 || v.Via[0] != "esbuild" {
		t.Errorf("vite = %+v; want direct, breaking fix, via esbuild", v)
	}
	if v := byName["axios"]; !v.FixAvailable || v.FixIsBreaking || len(v.URLs) != 2 {
		t.Errorf("axios = %+v", v)
	}
	if v := byName["brace-expansion"]; v.FixAvailable {
		t.Errorf("brace-expansion has no fix: %+v", v)
	}
	if a.Vulnerabilities[0].Severity != "high" || a.Vulnerabilities[len(a.Vulnerabilities)-1].Severity != "low" {
		t.Errorf("not sorted most severe first: %+v", a.Vulnerabilities)
	}
	a6, err := ParseNpmAudit(bytes.NewReader(readFixture(t, "npm6_advisories.json")))
	if err != nil {
		t.Fatal(err)
	}
	if v := a6.Vulnerabilities[0]; v.Name != "left-pad-ng" || v.FixAvailable {
		t.Errorf("critical without patch first: %+v", v)
	}
	if v := a6.Vulnerabilities[1]; v.Name != "lodash" || v.Severity != "high" || !v.Direct || len(v.Via) != 2 {
		t.Errorf("lodash advisories merged at worst severity: %+v", v)
	}
}

func FuzzParseAptUpgradable(f *testing.F) {
	for _, name := range []string{"apt_debian12.txt", "apt_ubuntu.txt", "apt_none.txt", "apt_garbage.txt"} {
		f.Add(readFixture(f, name))
	}
	f.Add([]byte("a/b c d [upgradable from: e]\r\n\x00\xff"))
	f.Fuzz(func(t *testing.T, data []byte) {
		pkgs, err := ParseAptUpgradable(bytes.NewReader(data))
		if err != nil {
			return
		}
		for _, p := range pkgs {
			if p.Name == "" || p.Source == "" || p.NewVersion == "" || p.OldVersion == "" || p.Arch == "" {
				t.Fatalf("incomplete package %+v from %q", p, data)
			}
		}
	})
}

func FuzzParsePipOutdated(f *testing.F) {
	for _, name := range []string{"pip_outdated.json", "pip_none.json", "pip_garbage.txt", "pip_bad_entry.json"} {
		f.Add(readFixture(f, name))
	}
	f.Add([]byte(`[{"name": "x", "version": "1", "latest_version": "2", "watched": true}]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		pkgs, err := ParsePipOutdated(bytes.NewReader(data))
		if err != nil {
			return
		}
		for _, p := range pkgs {
			if p.Name == "" || p.Version == "" || p.LatestVersion == "" || p.Watched {
				t.Fatalf("bad package %+v from %q", p, data)
			}
		}
	})
}

func FuzzParseNpmAudit(f *testing.F) {
	// The small fixtures whole; the two large ones (4 and 2 KB, covered by
	// the golden tests) as compact seeds of the same shapes.
	for _, name := range []string{"npm7_clean.json", "npm_error_enolock.json", "npm_garbage.txt", "npm_unknown.json"} {
		f.Add(readFixture(f, name))
	}
	f.Add([]byte(`{"auditReportVersion":2,"vulnerabilities":{"lodash":{"name":"lodash","severity":"high","isDirect":true,` +
		`"via":[{"title":"Prototype Pollution","url":"https://x/1"},"minimist"],"range":"<4.17.21","fixAvailable":{"isSemVerMajor":true}}},` +
		`"metadata":{"vulnerabilities":{"info":0,"low":0,"moderate":1,"high":1,"critical":0,"total":2}}}`))
	f.Add([]byte(`{"advisories":{"1179":{"module_name":"minimist","severity":"low","title":"Prototype Pollution",` +
		`"url":"https://x/1179","vulnerable_versions":"<0.2.1","patched_versions":">=0.2.1","findings":[{"paths":["a>minimist"]}]}},` +
		`"metadata":{"vulnerabilities":{"low":1}}}`))
	f.Add([]byte(`{"vulnerabilities": {"x": {"via": [1, null, {"title": 2}], "fixAvailable": "yes"}}}`))
	f.Add([]byte(`{"error": null, "advisories": {"1": {"findings": [{"paths": null}]}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		// Bounded: the fuzzer's shrinking of a 4 KB input took seconds
		// (GODEBUG=fuzzdebug=1), and stalled the target under 100,000
		// execs in 45 s; every shape of the format fits in 1 KiB.
		if len(data) > 1024 {
			return
		}
		a, err := ParseNpmAudit(bytes.NewReader(data))
		if err != nil {
			return
		}
		if a.ReportVersion < 1 {
			t.Fatalf("parsed without a report version: %q", data)
		}
		for _, v := range a.Vulnerabilities {
			if v.Name == "" && v.Severity != "" {
				t.Fatalf("unnamed vulnerability %+v", v)
			}
		}
	})
}

// TestParseNpmAuditRejectsUnnamed: npm names every vulnerable package; an
// entry without a name means we misread the output (FuzzParseNpmAudit
// found the npm 7 case).
func TestParseNpmAuditRejectsUnnamed(t *testing.T) {
	for _, in := range []string{
		`{"vulnerabilities":{"":{"severity":"high"}}}`,
		`{"vulnerabilities":{"":{"name":"","severity":"high"}}}`,
		`{"advisories":{"1":{"module_name":"","severity":"high"}}}`,
	} {
		a, err := ParseNpmAudit(strings.NewReader(in))
		if err == nil || !strings.Contains(err.Error(), "without a package name") {
			t.Errorf("%s: err = %v, audit %+v; want an error about the missing name", in, err, a)
		}
	}
}
