package config

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// billionLaughs is nine levels of ten aliases: 10^9 values once expanded.
func billionLaughs() string {
	var b strings.Builder
	b.WriteString("health:\n  endpoints:\n    - name: a\n      url: http://x/\n      expect: &l0 [200,200,200,200,200,200,200,200,200,200]\n")
	for i := 1; i <= 9; i++ {
		b.WriteString("    - name: a\n      url: http://x/\n      expect: &l" + string(rune('0'+i)) + " [")
		for j := 0; j < 10; j++ {
			b.WriteString("*l" + string(rune('0'+i-1)) + ",")
		}
		b.WriteString("]\n")
	}
	return b.String()
}

// TestParseBoundsNestingAndAliases holds what used to take gigabytes: each
// document is refused at its position, allocating little on the way.
func TestParseBoundsNestingAndAliases(t *testing.T) {
	tests := []struct {
		name, yaml, want string
	}{
		{"nested flow", "root: " + strings.Repeat("[", 1000) + strings.Repeat("]", 1000) + "\n",
			"cfg.yaml:1:70: nested more than 64 levels deep"},
		{"unclosed flow", strings.Repeat("[", 40960), "cfg.yaml:1:64: nested more than 64 levels deep"},
		{"nested block entries", "root:\n  " + strings.Repeat("- ", 10000) + "x\n", "cfg.yaml:2:"},
		{"nested block keys", nestedKeys(100), "nested more than 64 levels deep"},
		{"billion laughs", billionLaughs(), "more than 10000 values, aliases expanded"},
		{"too many values", "logs:\n  include:\n" + strings.Repeat("    - a\n", 20000), "cfg.yaml:10001:5: more than 10000 values"},
		{"too many lines", strings.Repeat("#\n", MaxFileSize/2), "cfg.yaml:20001:1: more than 20000 lines"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			_, err := Parse("cfg.yaml", []byte(tt.yaml), noEnv)
			runtime.ReadMemStats(&after)
			var ce *Error
			if err == nil || !strings.Contains(err.Error(), tt.want) || !errors.As(err, &ce) {
				t.Fatalf("err = %v (%T), want a *config.Error containing %q", err, err, tt.want)
			}
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 64<<20 {
				t.Errorf("allocated %d MiB refusing a %d-byte document", alloc>>20, len(tt.yaml))
			}
		})
	}
}

func nestedKeys(n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		b.WriteString(strings.Repeat(" ", i) + "k:\n")
	}
	return b.String()
}

func TestParseAcceptsWhatTheLimitsAllow(t *testing.T) {
	for name, yaml := range map[string]string{
		"BOM":               "\ufeffroot: /srv/fw\n",
		"only comments":     "# every key keeps its default\n# root: /x\n",
		"document marker":   "---\nroot: /srv/fw\n",
		"aliases":           "root: /srv/fw\nlogs:\n  include: &globs ['**/*.log']\n  exclude: *globs\n",
		"block scalar text": "root: /srv/fw\noperator: |\n  [[[[ 'not yaml' {{{{\n  - - - -\n",
		"quoted brackets":   "root: /srv/fw\noperator: \"[[[[ it's ]]]]\"\n",
	} {
		cfg, err := Parse("cfg.yaml", []byte(yaml), noEnv)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if name != "only comments" && cfg.Root != "/srv/fw" {
			t.Errorf("%s: root %q", name, cfg.Root)
		}
	}
}

func TestPrescanDepthLimitIsExact(t *testing.T) {
	for _, tt := range []struct {
		flow int
		ok   bool
	}{{MaxDepth - 1, true}, {MaxDepth, false}} {
		doc := "root: " + strings.Repeat("[", tt.flow) + strings.Repeat("]", tt.flow) + "\n"
		st, err := prescan([]byte(doc))
		if (err == nil) != tt.ok {
			t.Errorf("key + %d brackets: depth %d, err %v; want ok=%v", tt.flow, st.depth, err, tt.ok)
		}
	}
}

// TestParseTypeErrorsNameTheKey: the library's messages name Go structs
// ("Go struct field Config.Thresholds of type float64"); the operator
// gets the key path and what it wants, still at file:line:column.
func TestParseTypeErrorsNameTheKey(t *testing.T) {
	tests := []struct {
		name, yaml, want string
	}{
		{"float", "thresholds:\n  disk_percent: high\n", `cfg.yaml:2:3: thresholds.disk_percent: "high" is a string, not a number`},
		{"float given a list", "thresholds:\n  disk_percent: [1]\n", "cfg.yaml:2:3: thresholds.disk_percent: a list is not a number"},
		{"int in a list", "health:\n  endpoints:\n    - name: a\n      url: http://x/\n      expect: [ok]\n",
			`cfg.yaml:5:16: health.endpoints[0].expect[0]: "ok" is a string, not a whole number`},
		{"list", "database:\n  count_tables: work_orders\n", `cfg.yaml:2:3: database.count_tables: "work_orders" is a string, not a list`},
		{"bool", "backups:\n  prune: sometimes\n", `cfg.yaml:2:3: backups.prune: "sometimes" is a string, not true or false`},
		{"mapping", "thresholds: 85\n", "cfg.yaml:1:1: thresholds: 85 is a whole number, not a mapping (key: value)"},
		{"overflow", "thresholds:\n  errors_per_week: 99999999999999999999999\n", "cfg.yaml:2:3: thresholds.errors_per_week: 99999999999999999999999 is too large: want a whole number"},
		{"top level", "- root\n", "cfg.yaml:1:1: a list is not a mapping (key: value)"},
		{"tag without value", "security:\n  file_modes: !0\n", "cfg.yaml:2:15: YAML tags such as !0 are not supported"},
		{"second document", "root: /a\n---\nroot: /b\n", "cfg.yaml:2:1: a second YAML document"},
		{"fraction for a count", "backups:\n  keep_daily: 1.5\n", "cfg.yaml:2:3: backups.keep_daily: 1.5 is a number with a fraction, not a whole number"},
		{"duration given a list", "window:\n  duration: [4h]\n", "cfg.yaml:2:3: window.duration: a list is not a duration (e.g. 30s, 4h, 7d, 1d12h)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("cfg.yaml", []byte(tt.yaml), noEnv)
			var ce *Error
			if err == nil || !strings.Contains(err.Error(), tt.want) || !errors.As(err, &ce) {
				t.Fatalf("err = %v, want a *config.Error containing %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "Go ") || strings.Contains(err.Error(), "Config.") {
				t.Errorf("err = %v names Go types", err)
			}
		})
	}
}

// TestLoadCapsTheSizeWhileReading: the cap holds for what Stat cannot
// size (a device here), and a file just over it is refused.
func TestLoadCapsTheSizeWhileReading(t *testing.T) {
	big := filepath.Join(t.TempDir(), "big.yaml")
	if err := os.WriteFile(big, []byte("operator: "+strings.Repeat("a", MaxFileSize)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	paths := []string{big}
	if runtime.GOOS == "linux" {
		paths = append(paths, "/dev/zero") // endless: os.ReadFile never returns
	}
	for _, p := range paths {
		_, err := Load(p)
		var ce *Error
		if !errors.As(err, &ce) || !strings.Contains(err.Error(), p+": larger than 1 MiB") {
			t.Errorf("Load(%s) = %v; want a config error about the size", p, err)
		}
	}
	ok := filepath.Join(t.TempDir(), "ok.yaml")
	body := "root: .\noperator: " + strings.Repeat("a", MaxFileSize-len("root: .\noperator: \n")) + "\n"
	if err := os.WriteFile(ok, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(ok); err != nil {
		t.Errorf("a file of exactly %d bytes: %v", MaxFileSize, err)
	}
}
