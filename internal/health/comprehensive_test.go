package health

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fossawork/fossamaint/internal/config"
	"github.com/fossawork/fossamaint/internal/finding"
)

func TestSystemItems(t *testing.T) {
	th := config.Default().Thresholds // disk 85, memory 85, load 80
	base := SystemSnapshot{
		Mounts:            []MountUsage{{Path: "/", Fstype: "ext4", UsedPercent: 40, Total: 100 << 30, Free: 60 << 30}},
		MemoryUsedPercent: 50, Load1: 0.5, Load5: 0.4, Load15: 0.3, CPUs: 2, LoadPercent: 25,
	}
	tests := []struct {
		name   string
		mutate func(*SystemSnapshot)
		err    error
		want   map[string]string // area -> severity
	}{
		{"all fine", func(*SystemSnapshot) {}, nil,
			map[string]string{"disk": "ok", "memory": "ok", "load": "ok"}},
		{"disk at threshold", func(s *SystemSnapshot) { s.Mounts[0].UsedPercent = 85 }, nil,
			map[string]string{"disk": "warning", "memory": "ok", "load": "ok"}},
		{"disk nearly full", func(s *SystemSnapshot) { s.Mounts[0].UsedPercent = 97.5 }, nil,
			map[string]string{"disk": "critical", "memory": "ok", "load": "ok"}},
		{"memory high", func(s *SystemSnapshot) { s.MemoryUsedPercent = 99 }, nil,
			map[string]string{"disk": "ok", "memory": "warning", "load": "ok"}},
		{"load high", func(s *SystemSnapshot) { s.LoadPercent = 150 }, nil,
			map[string]string{"disk": "ok", "memory": "ok", "load": "warning"}},
		{"load unreadable", func(s *SystemSnapshot) { s.Unavailable = []string{"load"} }, errors.New("reading load: not implemented"),
			map[string]string{"disk": "ok", "memory": "ok", "load": "warning"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			snap := base
			snap.Mounts = append([]MountUsage(nil), base.Mounts...)
			tt.mutate(&snap)
			items := SystemItems(snap, tt.err, th)
			got := map[string]string{}
			for _, it := range items {
				if _, dup := got[it.Area]; dup {
					t.Fatalf("area %s reported twice: %+v", it.Area, items)
				}
				got[it.Area] = it.Severity.String()
				if it.OK != (it.Severity == finding.OK) || it.Detail == "" || !it.Host() {
					t.Errorf("inconsistent item %+v (every system item is about the host)", it)
				}
			}
			for area, sev := range tt.want {
				if got[area] != sev {
					t.Errorf("%s: %q, want %q (items %+v)", area, got[area], sev, items)
				}
			}
		})
	}
}

// installation is a FossaWork-like tree: a loopback backend, a database
// with mode 0600, an .env left world-readable, and no data directory.
type installation struct {
	url, root, db, env, data string
}

func newInstallation(t *testing.T) installation {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("/api/health", func(http.ResponseWriter, *http.Request) {})
	mux.HandleFunc("/api/auth/validate", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(401) })
	mux.HandleFunc("/broken", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(500) })
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)

	root := t.TempDir()
	in := installation{url: srv.URL, root: root, db: filepath.Join(root, "fossawork_v2.db"),
		env: filepath.Join(root, ".env"), data: filepath.Join(root, "data")}
	makeWALDB(t, in.db)
	if err := os.WriteFile(in.env, []byte("SECRET=x"), 0o600); err != nil {
		t.Fatal(err)
	}
	for p, mode := range map[string]os.FileMode{in.db: 0o600, in.env: 0o644} {
		if err := os.Chmod(p, mode); err != nil {
			t.Fatal(err)
		}
	}
	return in
}

func TestComprehensive(t *testing.T) {
	inst := newInstallation(t)
	dbPath, env := inst.db, inst.env
	// Zero thresholds disable the system checks, which depend on this
	// machine; they are judged in TestSystemItems.
	th := config.Thresholds{}
	okChecks := []Check{
		{Name: "health", URL: inst.url + "/api/health", Expect: []int{200}, Critical: true},
		{Name: "auth", URL: inst.url + "/api/auth/validate", Expect: []int{200, 401}},
	}
	modes := []config.FileMode{{Path: dbPath, Mode: 0o600}, {Path: env, Mode: 0o600}, {Path: inst.data, Mode: 0o700}}

	tests := []struct {
		name     string
		in       ComprehensiveInput
		healthy  bool
		severity finding.Severity
		want     map[string]string // area/name -> severity
	}{
		{
			name: "healthy with permission warnings",
			in: ComprehensiveInput{Endpoints: (&Checker{}).ProbeAll(t.Context(), okChecks), DBPath: dbPath, Modes: modes, Thresholds: th,
				Services: []ServiceState{{Name: "fossawork-backend", Active: true}}},
			healthy: true, severity: finding.Warning,
			want: map[string]string{"endpoint/health": "ok", "endpoint/auth": "ok", "database/" + dbPath: "ok",
				"service/fossawork-backend": "ok", "permissions/" + dbPath: "ok", "permissions/" + env: "warning",
				"permissions/" + inst.data: "warning"},
		},
		{
			name: "non-critical endpoint down warns",
			in: ComprehensiveInput{Endpoints: (&Checker{}).ProbeAll(t.Context(), []Check{{Name: "frontend", URL: inst.url + "/broken", Expect: []int{200}}}),
				Thresholds: th},
			healthy: true, severity: finding.Warning,
			want: map[string]string{"endpoint/frontend": "warning"},
		},
		{
			name: "critical endpoint, corrupt database, stopped service",
			in: ComprehensiveInput{Endpoints: (&Checker{}).ProbeAll(t.Context(), []Check{{Name: "api", URL: inst.url + "/broken", Expect: []int{200}, Critical: true}}),
				DBPath: filepath.Join(inst.root, "missing.db"), Thresholds: th,
				Services: []ServiceState{{Name: "a", Active: false}, {Name: "b", Err: errors.New("systemctl: exit 4")}}},
			healthy: false, severity: finding.Critical,
			want: map[string]string{"endpoint/api": "critical", "database/" + filepath.Join(inst.root, "missing.db"): "critical",
				"service/a": "critical", "service/b": "critical"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Comprehensive(t.Context(), tt.in)
			if r.Healthy() != tt.healthy || r.Severity() != tt.severity {
				t.Fatalf("healthy %v severity %s, want %v %s: %+v", r.Healthy(), r.Severity(), tt.healthy, tt.severity, r.Items)
			}
			got := map[string]Item{}
			for _, it := range r.Items {
				got[it.Area+"/"+it.Name] = it
			}
			for key, sev := range tt.want {
				it, ok := got[key]
				if !ok || it.Severity.String() != sev {
					t.Errorf("%s: %+v, want severity %s", key, it, sev)
				}
				if it.Host() {
					t.Errorf("%s is an installation item, not the host's", key)
				}
			}
			if _, ok := got["memory/memory"]; !ok {
				t.Errorf("no memory item in %+v", r.Items)
			}
		})
	}
}

func TestComprehensiveDetails(t *testing.T) {
	root := t.TempDir()
	dbPath := filepath.Join(root, "x.db")
	if err := os.WriteFile(dbPath, []byte(strings.Repeat("garbage", 1000)), 0o600); err != nil {
		t.Fatal(err)
	}
	r := Comprehensive(t.Context(), ComprehensiveInput{DBPath: dbPath})
	it := r.Items[0]
	if it.Area != "database" || it.OK || !strings.Contains(it.Detail, "not a database") {
		t.Fatalf("garbage database item %+v", it)
	}
	found := false
	for _, m := range r.System.Mounts {
		found = found || within(dbPath, m.Path)
	}
	if !found {
		t.Errorf("the database's mount is not in %+v", r.System.Mounts)
	}
}

func TestGrade(t *testing.T) {
	tests := []struct {
		v, warn, crit float64
		want          finding.Severity
	}{
		{50, 85, 95, finding.OK},
		{85, 85, 95, finding.Warning},
		{95, 85, 95, finding.Critical},
		{99, 0, 95, finding.OK}, // disabled
		{99, 85, 0, finding.Warning},
	}
	for _, tt := range tests {
		if got := grade(tt.v, tt.warn, tt.crit); got != tt.want {
			t.Errorf("grade(%v, %v, %v) = %s, want %s", tt.v, tt.warn, tt.crit, got, tt.want)
		}
	}
}
