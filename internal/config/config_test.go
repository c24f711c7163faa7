package config

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
)

func noEnv(string) (string, bool) { return "", false }

func TestParseErrorsArePositioned(t *testing.T) {
	tests := []struct {
		name, yaml, want string
	}{
		{"unknown key", "window:\n  weekday: saturday\n  wekday: sunday\n", `cfg.yaml:3:3: window.wekday: unknown field "wekday"; did you mean weekday?`},
		{"unknown top key", "root: /x\nlogz: {}\n", `cfg.yaml:2:1: logz: unknown field "logz"; did you mean logs?`},
		{"type mismatch", "thresholds:\n  disk_percent: [1]\n", "cfg.yaml:2:3: thresholds.disk_percent: a list is not a number"},
		{"syntax", "window:\n  weekday: [saturday\n", "cfg.yaml:"},
		{"duplicate key", "root: /a\nroot: /b\n", "cfg.yaml:2:1:"},
		{"bad duration", "window:\n  duration: 3 hours\n", `cfg.yaml:2:3: window.duration: "3 hours" is not a duration (e.g. 30s, 4h, 7d, 1d12h)`},
		{"bad mode", "security:\n  file_modes:\n    - path: x\n      mode: \"0999\"\n", `cfg.yaml:4:7: security.file_modes[0].mode: "0999" is not a file mode`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("cfg.yaml", []byte(tt.yaml), noEnv)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tt.want)
			}
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("%T is not a *config.Error", err)
			}
		})
	}
}

func TestParseOverDefaults(t *testing.T) {
	cfg, err := Parse("c", []byte("root: /srv/fw\nlogs:\n  compress_after: 3d\n"), noEnv)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Logs.CompressAfter.D() != 72*time.Hour || cfg.Logs.ArchiveAfter.D() != 30*24*time.Hour {
		t.Errorf("compress %s archive %s", cfg.Logs.CompressAfter, cfg.Logs.ArchiveAfter)
	}
	if got := cfg.Path(cfg.Database.Path); got != "/srv/fw/backend/fossawork_v2.db" {
		t.Errorf("db path %s", got)
	}
	if got := cfg.Path("/abs/x"); got != "/abs/x" {
		t.Errorf("absolute path changed: %s", got)
	}
	if got := cfg.Path("postgres://fossa:pw@db/fw"); got != "postgres://fossa:pw@db/fw" {
		t.Errorf("a URL was joined onto root: %s", got)
	}
}

func TestEnvExpansion(t *testing.T) {
	env := map[string]string{"FW_ROOT": "/srv/fw", "TOKEN": "s3cr$t"}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	tests := []struct {
		yaml, want, err string
	}{
		{"root: ${FW_ROOT}\n", "/srv/fw", ""},
		{"root: ${FW_ROOT}/app\n", "/srv/fw/app", ""},
		{"root: ${MISSING:-/opt/x}\n", "/opt/x", ""},
		{"root: /a$b\n", "/a$b", ""},
		{"root: ${MISSING}\n", "", "environment variable MISSING is not set"},
	}
	for _, tt := range tests {
		cfg, err := Parse("c", []byte(tt.yaml), lookup)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%q: err %v, want %q", tt.yaml, err, tt.err)
			}
			continue
		}
		if err != nil || cfg.Root != tt.want {
			t.Errorf("%q: root %q err %v, want %q", tt.yaml, cfg.Root, err, tt.want)
		}
	}
}

func TestValidateNamesFields(t *testing.T) {
	cfg := Default()
	cfg.Window.Weekday = "caturday"
	cfg.Thresholds.DiskPercent = 140
	cfg.Services.Manager = "exec"
	cfg.Health.Endpoints[0].URL = "localhost:8000"
	cfg.Health.Endpoints[1].Expect = []int{700}
	err := cfg.Validate()
	for _, want := range []string{
		`window.weekday: "caturday" is not a day of the week`,
		"thresholds.disk_percent: 140",
		"services.units[0]: the exec manager needs start, stop and status",
		`health.endpoints[0].url: "localhost:8000"`,
		"health.endpoints[1].expect[0]: 700",
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Validate() = %v; missing %q", err, want)
		}
	}
	if err := Default().Validate(); err != nil {
		t.Errorf("defaults do not validate: %v", err)
	}
}

func TestDurationAndMode(t *testing.T) {
	for in, want := range map[string]time.Duration{
		"7d": 7 * 24 * time.Hour, "1d12h": 36 * time.Hour, "90m": 90 * time.Minute, "0s": 0,
	} {
		got, err := ParseDuration(in)
		if err != nil || got != want {
			t.Errorf("ParseDuration(%q) = %s, %v", in, got, err)
		}
	}
	for _, bad := range []string{"", "d", "-1d", "7x", "1.5d"} {
		if _, err := ParseDuration(bad); err == nil {
			t.Errorf("ParseDuration(%q) accepted", bad)
		}
	}
	for d, want := range map[time.Duration]string{
		36 * time.Hour: "36h", 30 * time.Second: "30s", 90 * time.Second: "1m30s",
		4 * time.Hour: "4h", 4*time.Hour + 30*time.Minute: "4h30m", 0: "0s", 48 * time.Hour: "2d",
		time.Hour + 5*time.Second: "1h0m5s",
	} {
		if s := Duration(d).String(); s != want {
			t.Errorf("Duration(%v).String() = %s, want %s", d, s, want)
		}
		if back, err := ParseDuration(Duration(d).String()); err != nil || back != d {
			t.Errorf("%v does not round-trip: %v %v", d, back, err)
		}
	}
	var m Mode
	if err := m.UnmarshalText([]byte("0640")); err != nil || m.Perm() != 0o640 {
		t.Errorf("mode %v %v", m, err)
	}
}

func TestCommentedDefaultRoundTrips(t *testing.T) {
	b, err := Commented()
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := Parse("init.yaml", b, noEnv)
	if err != nil {
		t.Fatalf("config init output does not parse: %v", err)
	}
	if !reflect.DeepEqual(cfg.Window, Default().Window) || !reflect.DeepEqual(cfg.Backups, Default().Backups) || !reflect.DeepEqual(cfg.History, Default().History) {
		t.Errorf("round trip changed values")
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	if _, err := Load(filepath.Join(dir, "none.yaml")); !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing file: %v", err)
	}
	p := filepath.Join(dir, "f.yaml")
	if err := os.Mkdir(filepath.Join(dir, "inst"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte("root: inst\nstate_dir: state\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := Load(p)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Root != filepath.Join(dir, "inst") {
		t.Errorf("relative root resolves against the file's dir: %s", cfg.Root)
	}
}

func TestRedacted(t *testing.T) {
	cfg := Default()
	cfg.Health.Endpoints[0].URL = "https://admin:hunter2@example.test/api/health?token=abc123&x=1"
	cfg.Services.Units[0].Start = []string{"run", "--password=hunter2"}
	r := Redacted(cfg)
	out, _ := Marshal(r)
	if strings.Contains(string(out), "hunter2") || strings.Contains(string(out), "abc123") {
		t.Fatalf("secret survived redaction:\n%s", out)
	}
	if cfg.Services.Units[0].Start[1] != "--password=hunter2" {
		t.Fatal("Redacted changed its input")
	}
	// A TTL in a service command is a setting, not a secret.
	cfg.Services.Units[0].Stop = []string{"stop", "--token-ttl", "3600"}
	got := Secrets(cfg)
	slices.Sort(got)
	if want := []string{"abc123", "hunter2", "hunter2"}; !slices.Equal(got, want) {
		t.Errorf("Secrets = %q, want %q", got, want)
	}
}

// FuzzParse holds Parse to never panic or run away, and prescan to the
// parser: whenever the scan lets a document through, the tree the parser
// builds is no deeper than the scan said. It runs Parse's two halves
// itself to look at the tree in between without parsing twice.
func FuzzParse(f *testing.F) {
	seed, _ := Commented()
	f.Add(seed)
	f.Add([]byte("window:\n  weekday: saturday\n  duration: 4h\n"))
	f.Add([]byte("root: ${X:-/a}\nsecurity:\n  file_modes:\n    - {path: a, mode: '0600'}\n"))
	f.Add([]byte("- key: |\n  'x\n  - - [[ {a: \"b\"}]]\n? - a\n: &x [*x, 'it''s', \"q\\\"\"] # c\n"))
	f.Add([]byte("window:\n  <<: {weekday: monday, start: '04:00'}\n  start: '03:00'\n"))
	f.Add([]byte("window:\n  start: '03:00'\n  <<: [{start: '04:00'}, {weekday: monday}]\n"))
	f.Add([]byte("health:\n  endpoints:\n    - &e {name: a, url: 'http://x/', expect: [200]}\n    - *e\n    - ~\nlogs: {include: [a, ~], exclude: }\n"))
	f.Add([]byte("backups: {keep_daily: 1.5, prune: true}\nthresholds: {disk_percent: '12'}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		doc, err := readDocument(data)
		if err != nil {
			return
		}
		for _, d := range doc.file.Docs {
			if depth := treeDepth(d.Body); depth > doc.scan.depth {
				t.Fatalf("prescan saw depth %d, the parser built %d", doc.scan.depth, depth)
			}
		}
		d, err := decodeDocument("fuzz.yaml", doc, noEnv)
		if err != nil {
			return
		}
		sameAsLibrary(t, d)
		for _, p := range d.cfg.problems() {
			// Every problem of a decoded document is positioned at its
			// key when the document spells the key out.
			e := d.tree.errorAt("fuzz.yaml", p.key, p.msg)
			if _, exact := d.tree.locate(p.key); exact && e.Line <= 0 {
				t.Fatalf("%s is in the document but its problem has no line: %v", p.key, e)
			}
			if e.Key != p.key || e.Line < 0 || e.Column < 0 {
				t.Fatalf("problem of %s positioned as %+v", p.key, e)
			}
		}
		for _, e := range d.errs {
			if e.Line < 0 || e.Column < 0 {
				t.Fatalf("error at a negative position: %v", e)
			}
		}
	})
}

// sameAsLibrary holds the key-by-key decoder to the library's strict
// decoder it replaced: a document the library accepted decodes to the same
// Config, without problems, unless it gave a count a fraction (which the
// library truncated without a word).
func sameAsLibrary(t *testing.T, d decoded) {
	if d.tree.body == nil || hasOddKey(d.tree.body, 0) {
		return
	}
	ref := Default()
	ok := func() (ok bool) {
		defer func() {
			if recover() != nil {
				ok = false
			}
		}()
		return yaml.NodeToValue(d.tree.body, &ref, yaml.Strict()) == nil
	}()
	if !ok {
		return
	}
	for _, e := range d.errs {
		if strings.Contains(e.Msg, "environment variable") {
			return // expanded after decoding, unknown to the library
		}
	}
	for _, e := range d.errs {
		if !strings.Contains(e.Msg, "is a number with a fraction, not a whole number") {
			t.Fatalf("the library accepted the document, the decoder says: %v", e)
		}
	}
	if len(d.errs) == 0 {
		ref := ref
		expandEnv(reflect.ValueOf(&ref).Elem(), "", noEnv, func(string, string) {})
		if !reflect.DeepEqual(ref, d.cfg) {
			t.Fatalf("decoded differently:\nlibrary %+v\ndecoder %+v", ref, d.cfg)
		}
	}
}

// hasOddKey says whether a mapping in n has a key that is not a plain
// string: the library ignores such a mapping whole (valid keys too), the
// decoder reports the key as unknown.
func hasOddKey(n ast.Node, depth int) bool {
	if depth > MaxDepth {
		return true
	}
	switch v := n.(type) {
	case *ast.MappingNode:
		for _, mv := range v.Values {
			if hasOddKey(mv, depth+1) {
				return true
			}
		}
	case *ast.MappingValueNode:
		if _, ok := v.Key.(*ast.StringNode); !ok && !v.Key.IsMergeKey() {
			return true
		}
		return hasOddKey(v.Value, depth+1)
	case *ast.SequenceNode:
		for _, item := range v.Values {
			if hasOddKey(item, depth+1) {
				return true
			}
		}
	case *ast.AnchorNode:
		return hasOddKey(v.Value, depth+1)
	}
	return false
}

// BenchmarkParse parses the commented default, the size of a real config
// (profile FuzzParse's cost with -cpuprofile here).
func BenchmarkParse(b *testing.B) {
	data, err := Commented()
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := Parse("init.yaml", data, noEnv); err != nil {
			b.Fatal(err)
		}
	}
}

// treeDepth is how deep mappings and sequences nest in n.
func treeDepth(n ast.Node) int {
	d := 0
	switch n := n.(type) {
	case *ast.MappingNode:
		for _, mv := range n.Values {
			d = max(d, treeDepth(mv.Key)+1, treeDepth(mv.Value)+1)
		}
	case *ast.MappingValueNode:
		d = max(treeDepth(n.Key), treeDepth(n.Value)) + 1
	case *ast.SequenceNode:
		for _, v := range n.Values {
			d = max(d, treeDepth(v)+1)
		}
		d = max(d, 1)
	case *ast.MappingKeyNode:
		d = treeDepth(n.Value)
	case *ast.AnchorNode:
		d = treeDepth(n.Value)
	case *ast.TagNode:
		d = treeDepth(n.Value)
	}
	return d
}

func TestLogGlobs(t *testing.T) {
	cfg, err := Parse("c", []byte("root: /srv/fw\nlogs:\n  include: ['*.txt']\n  exclude: []\n"), noEnv)
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Logs.Include) != 1 || cfg.Logs.Include[0] != "*.txt" || len(cfg.Logs.Exclude) != 0 {
		t.Fatalf("include %q exclude %q: a list given replaces the default", cfg.Logs.Include, cfg.Logs.Exclude)
	}
	cfg, err = Parse("c", []byte("root: /srv/fw\nlogs:\n  include: ['**/*.jsonl', '[abc']\n"), noEnv)
	if err == nil {
		err = cfg.Validate()
	}
	if err == nil || !strings.Contains(err.Error(), "logs.include[1]") {
		t.Fatalf("malformed glob: err = %v, want one naming logs.include[1]", err)
	}
}
