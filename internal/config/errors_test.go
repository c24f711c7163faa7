package config

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// TestLoadErrorsGolden loads each testdata/errors/*.yaml and compares
// every problem Load reports, in order, with the .golden file beside it:
// each kind of problem at its key's file:line:column, all at once.
// Rewrite the golden files with go test -run TestLoadErrorsGolden -update.
func TestLoadErrorsGolden(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "errors", "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no inputs: %v", err)
	}
	abs, err := filepath.Abs(filepath.Join("testdata", "errors"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			_, err := Load(f)
			if err == nil {
				t.Fatal("Load succeeded; every input has mistakes")
			}
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("%T is not a *config.Error for errors.As", err)
			}
			got := strings.ReplaceAll(err.Error(), abs, "TESTDATA") + "\n"
			golden := strings.TrimSuffix(f, ".yaml") + ".golden"
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if got != string(want) {
				t.Errorf("Load(%s) reported:\n%s\nwant (%s):\n%s", f, got, golden, want)
			}
			for _, e := range All(err) {
				if strings.Contains(e.Msg, "Go struct") || strings.Contains(e.Msg, "Config.") {
					t.Errorf("%v names Go types", e)
				}
			}
		})
	}
}

// TestThreeMistakesThreeErrors is issue 11's acceptance line: a config
// with three mistakes gets three file:line:column errors in one run.
func TestThreeMistakesThreeErrors(t *testing.T) {
	f := filepath.Join("testdata", "errors", "three_mistakes.yaml")
	_, err := Load(f)
	list := All(err)
	want := []struct {
		line, col int
		key       string
	}{{5, 3, "backups.keep_dialy"}, {7, 3, "window.duration"}, {9, 3, "thresholds.disk_percent"}}
	if len(list) != len(want) {
		t.Fatalf("%d problems, want %d: %v", len(list), len(want), err)
	}
	for i, w := range want {
		if e := list[i]; e.Line != w.line || e.Column != w.col || e.Key != w.key || e.File != f {
			t.Errorf("problem %d = %s:%d:%d key %q, want %s:%d:%d key %q", i, e.File, e.Line, e.Column, e.Key, f, w.line, w.col, w.key)
		}
	}
}

// TestSemanticErrorPositions: a value check reports at the key that sets
// the value; at the key it is compared with when only that one is in the
// file; at the nearest enclosing key for a missing one; without a
// position when the file sets none of them.
func TestSemanticErrorPositions(t *testing.T) {
	tests := []struct {
		name, yaml string
		want       string // the one problem, positioned
	}{
		{"value", "window:\n  weekday: caturday\n", `cfg.yaml:2:3: window.weekday: "caturday" is not a day of the week`},
		{"flow mapping", "thresholds: {load_percent: 0}\n", "cfg.yaml:1:14: thresholds.load_percent: 0 is out of range"},
		{"list item field", "health:\n  endpoints:\n    - name: a\n      url: nope\n", `cfg.yaml:4:7: health.endpoints[0].url: "nope" is not an http(s) URL`},
		{"missing field at its item", "security:\n  file_modes:\n    - mode: \"0600\"\n", "cfg.yaml:3:7: security.file_modes[0].path: must be set"},
		{"compared key", "thresholds:\n  tls_warn_days: 3\n", "cfg.yaml:2:3: thresholds.tls_critical_days: 7 is more than tls_warn_days 3"},
		{"compared key, logs", "logs:\n  archive_after: 1d\n", "cfg.yaml:2:3: logs.compress_after: 7d is longer than archive_after 1d"},
		{"merged key", "window:\n  <<: {weekday: caturday}\n", `cfg.yaml:2:8: window.weekday: "caturday" is not a day of the week`},
		{"through an alias", "health:\n  endpoints:\n    - &e {name: a, url: nope}\n    - *e\n", `cfg.yaml:3:20: health.endpoints[0].url: "nope" is not an http(s) URL`},
		{"block item", "services:\n  units:\n    - health_url: x\n", "cfg.yaml:3:7: services.units[0].name: must be set"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := decodeDocument("cfg.yaml", mustRead(t, tt.yaml), noEnv)
			if err != nil || len(d.errs) > 0 {
				t.Fatalf("decode: %v %v", err, d.errs)
			}
			var got []string
			for _, p := range d.cfg.problems() {
				got = append(got, d.tree.errorAt("cfg.yaml", p.key, p.msg).Error())
			}
			if len(got) == 0 || !strings.HasPrefix(got[0], tt.want) {
				t.Fatalf("problems %q, want the first to start with %q", got, tt.want)
			}
		})
	}
}

func mustRead(t *testing.T, yaml string) document {
	t.Helper()
	doc, err := readDocument([]byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

func TestSuggest(t *testing.T) {
	valid := []string{"dir", "errors_dir", "metrics_file", "archive_dir", "include", "exclude",
		"compress_after", "archive_after", "delete_archives_after"}
	for name, want := range map[string]string{
		"compres_after":  "compress_after", // a letter missing
		"archvie_after":  "archive_after",  // two letters swapped
		"Include":        "include",        // case
		"excludes":       "exclude",
		"dri":            "dir",
		"retention":      "", // no near miss
		"colour":         "",
		"metricsfile":    "metrics_file",
		"errors_dirs":    "errors_dir",
		"delete_after":   "", // too far
		"inclde_and_all": "",
	} {
		if got := suggest(name, valid); got != want {
			t.Errorf("suggest(%q) = %q, want %q", name, got, want)
		}
	}
	if got := suggest("retension", []string{"retention", "root"}); got != "retention" {
		t.Errorf("suggest(retension) = %q", got)
	}
}

// TestCheckRequiresTheDatabaseDirectory: `config validate` (Check) wants
// the database's directory, which the application makes; Load, which
// every other command uses, leaves that to the run's findings.
func TestCheckRequiresTheDatabaseDirectory(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "f.yaml")
	if err := os.WriteFile(p, []byte("root: .\nstate_dir: state\ndatabase:\n  path: app/db.sqlite\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(p); err != nil {
		t.Fatalf("Load: %v", err)
	}
	_, err := Check(p)
	want := p + ":4:3: database.path: the database's directory " + filepath.Join(dir, "app") + " does not exist"
	if err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Fatalf("Check = %v, want %q", err, want)
	}
	if err := os.Mkdir(filepath.Join(dir, "app"), 0o700); err != nil {
		t.Fatal(err)
	}
	if _, err := Check(p); err != nil {
		t.Fatalf("Check with the directory: %v", err)
	}
}

// TestReviewFindings are the first-hour review's findings on `config
// validate`, each the problem lines Load reports for a file: every
// problem of a list item at once, the nearest value of a key with a
// fixed set of values, the key path in front of an unknown key, and a
// load threshold above 100%.
func TestReviewFindings(t *testing.T) {
	tests := []struct {
		name, yaml string
		want       []string // every problem, in order, after "cfg.yaml:"
	}{
		{"a type error does not hide the item's other problems",
			"health:\n  endpoints:\n    - name: api\n      url: \"not a url\"\n      expect: [abc]\n",
			[]string{`4:7: health.endpoints[0].url: "not a url" is not an http(s) URL`,
				`5:16: health.endpoints[0].expect[0]: "abc" is a string, not a whole number`}},
		{"nor a bad value beside it in the list",
			"health:\n  endpoints:\n    - {name: api, url: \"http://x/\", expect: [abc, 700]}\n",
			[]string{`3:46: health.endpoints[0].expect[0]: "abc" is a string, not a whole number`,
				`3:51: health.endpoints[0].expect[1]: 700 is not an HTTP status`}},
		{"nor the next item's",
			"services:\n  units:\n    - {name: a, start: run}\n    - {health_url: \"::x\"}\n",
			[]string{`3:17: services.units[0].start: "run" is a string, not a list`,
				`4:7: services.units[1].name: must be set`,
				`4:8: services.units[1].health_url: "::x" is not a URL`}},
		{"services.manager", "services:\n  manager: sytemd\n",
			[]string{`2:3: services.manager: "sytemd" is not one of systemd, exec, none; did you mean systemd?`}},
		{"window.weekday", "window:\n  weekday: saturdy\n",
			[]string{`2:3: window.weekday: "saturdy" is not a day of the week (monday to sunday); did you mean saturday?`}},
		{"weekday case is not a typo", "window:\n  weekday: Saturday\n", nil},
		{"database.vacuum", "database:\n  vacuum: alway\n",
			[]string{`2:3: database.vacuum: "alway" is not one of auto, always, never, incremental; did you mean always?`}},
		{"database.on_corruption", "database:\n  on_corruption: Stop\n",
			[]string{`2:3: database.on_corruption: "Stop" is not one of stop, restore; did you mean stop?`}},
		{"no near value", "database:\n  verify: thorough\n",
			[]string{`2:3: database.verify: "thorough" is not one of quick, full`}},
		{"window.overrun names its values", "window:\n  overrun: postpne\n",
			[]string{`2:3: window.overrun: "postpne" is not one of postpone, extend, rollback; did you mean postpone?`}},
		{"window.max_extension needed by extend", "window:\n  overrun: extend\n  max_extension: 0s\n",
			[]string{`3:3: window.max_extension: must be more than 0 with window.overrun: extend (e.g. 1h)`}},
		{"window.max_extension past the next window", "window:\n  duration: 6d\n  max_extension: 1d12h\n",
			[]string{`3:3: window.max_extension: 36h makes the window (window.duration 6d) longer than 7d: an extended window must end before the next one opens`}},
		{"unknown key", "window:\n  duraton: 4h\n",
			[]string{`2:3: window.duraton: unknown field "duraton"; did you mean duration?`}},
		{"unknown key in a list item", "health:\n  endpoints:\n    - {name: a, url: \"http://x/\", expected: [200]}\n",
			[]string{`3:35: health.endpoints[0].expected: unknown field "expected"; did you mean expect?`}},
		{"load above the CPU count", "thresholds:\n  load_percent: 150\n", nil},
		{"load must be positive", "thresholds:\n  load_percent: 0\n",
			[]string{`2:3: thresholds.load_percent: 0 is out of range: must be more than 0 (it may exceed 100)`}},
		{"disk, memory and cpu stay within 100", "thresholds:\n  disk_percent: 101\n  memory_percent: 150\n  cpu_percent: 100.5\n",
			[]string{`2:3: thresholds.disk_percent: 101 is out of range (0, 100]`,
				`3:3: thresholds.memory_percent: 150 is out of range (0, 100]`,
				`4:3: thresholds.cpu_percent: 100.5 is out of range (0, 100]`}},
		{"latency may more than double", "thresholds:\n  latency_regression_percent: 300\n", nil},
	}
	dir := t.TempDir()
	p := filepath.Join(dir, "cfg.yaml")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := os.WriteFile(p, []byte("root: .\n"+tt.yaml), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := Load(p)
			var got []string
			for _, e := range All(err) {
				got = append(got, strings.TrimPrefix(e.Error(), p+":"))
			}
			// The lines are one further down: "root: ." comes first.
			var want []string
			for _, w := range tt.want {
				line, rest, _ := strings.Cut(w, ":")
				n, _ := strconv.Atoi(line)
				want = append(want, strconv.Itoa(n+1)+":"+rest)
			}
			if !slices.Equal(got, want) {
				t.Errorf("Load reported\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
			}
			for _, e := range All(err) {
				if !strings.HasPrefix(e.Msg, e.Key+": ") {
					t.Errorf("%q does not start with its key path %q", e.Msg, e.Key)
				}
			}
		})
	}
}

// TestBenchmarkKeys: health.benchmark's bounds are refused with the
// key's position; turning it off is fine.
func TestBenchmarkKeys(t *testing.T) {
	checkFindings(t, []findingCase{
		{"health:\n  benchmark:\n    rate: 0\n    duration: 11m\n    baseline_duration: 0s\n",
			[]string{`4:5: health.benchmark.rate: 0 requests per second is out of range (0, 20000]`,
				`5:5: health.benchmark.duration: 11m0s is out of range (0, 10m0s]`,
				`6:5: health.benchmark.baseline_duration: 0s is out of range (0, 10m0s]`}},
		{"health:\n  benchmark: {enabled: false, rate: 5}\n", nil},
	})
}

// TestWindowFindings: window.blackout entries and window.notice, each
// problem at its item or key.
func TestWindowFindings(t *testing.T) {
	const hint = `write a date YYYY-MM-DD or a range YYYY-MM-DD..YYYY-MM-DD (e.g. "2026-12-24..2027-01-02")`
	checkFindings(t, []findingCase{
		{"window:\n  blackout: [\"2026-12-24\", \"2026-12-24..2027-01-02\", 2027-03-31]\n", nil},
		{"window:\n  blackout:\n    - 2026-12-32\n    - \"2027-01-02..2026-12-24\"\n    - \"2026-01-01..2028-01-01\"\n    - christmas\n",
			[]string{`4:7: window.blackout[0]: "2026-12-32" is not a date: ` + hint,
				`5:7: window.blackout[1]: "2027-01-02..2026-12-24" ends before it starts: ` + hint,
				`6:7: window.blackout[2]: "2026-01-01..2028-01-01" is longer than 366 days: check the years`,
				`7:7: window.blackout[3]: "christmas" is not a date: ` + hint}},
		{"window:\n  blackout: 2026-12-24\n",
			[]string{`3:3: window.blackout: "2026-12-24" is a string, not a list`}},
		{"window:\n  notice: 7d\n",
			[]string{`3:3: window.notice: 7d must be 0 (no notice) or more, and less than 7d (the window is weekly)`}},
		{"window:\n  notice: 90s\n",
			[]string{`3:3: window.notice: 1m30s is not whole minutes (the notice timer runs on the minute)`}},
		{"window:\n  notice: 0s\n", nil},
	})
}

// findingCase is a config after "root: .\n" and the problems Load finds
// in it, each after "cfg.yaml:" (so "root: ." is line 1).
type findingCase struct {
	yaml string
	want []string
}

func checkFindings(t *testing.T, cases []findingCase) {
	t.Helper()
	p := filepath.Join(t.TempDir(), "cfg.yaml")
	for _, tc := range cases {
		if err := os.WriteFile(p, []byte("root: .\n"+tc.yaml), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := Load(p)
		var got []string
		for _, e := range All(err) {
			got = append(got, strings.TrimPrefix(e.Error(), p+":"))
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%q:\n got %q\nwant %q", tc.yaml, got, tc.want)
		}
	}
}

// TestUpdatesKeys: the update policies and the reboot choice are closed
// vocabularies; package names in exclude lists are single words.
func TestUpdatesKeys(t *testing.T) {
	checkFindings(t, []findingCase{
		{"updates:\n  pip: {apply: minor, exclude: [fastapi]}\n  npm: {apply: patch, build: [npm, run, build], install_scripts: true}\n  apt: {apply: security}\n  reboot: never\n", nil},
		{"updates:\n  npm:\n    install_scripts: sometimes\n", []string{`4:5: updates.npm.install_scripts: "sometimes" is a string, not true or false`}},
		{"updates:\n  pip:\n    apply: major\n  apt:\n    apply: minor\n    exclude: [\"linux image\"]\n  reboot: later\n",
			[]string{`4:5: updates.pip.apply: "major" is not one of none, patch, minor, all`,
				`6:5: updates.apt.apply: "minor" is not one of none, security, all`,
				`7:15: updates.apt.exclude[0]: "linux image" is not a package name`,
				`8:3: updates.reboot: "later" is not one of never, window-end, now`}},
	})
}
