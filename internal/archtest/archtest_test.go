package archtest

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// The import rules: for every package of the module, the fossamaint
// packages its non-test files may import. This table is the rule; each
// package's doc.go says the same in prose (change both together), and
// ../shared/DESIGN.md gives the layering it comes from:
//
//	cmd/fossamaint → cli → weekly → recovery → install → domain packages
//	→ config, runbook → helpers (leaves), with no edge pointing back up.
//
// Besides its row, every package may import the packages of everyone, and
// its _test files may also import internal/testkit, the package itself (an
// external _test package) and the row's testMay. Only _test files may
// import internal/testkit. A package missing from the table fails the test:
// a new package gets a row when it is created.
var rules = map[string]rule{
	// Leaves: the helpers and the shared vocabulary import nothing of
	// fossamaint (the helpers may take the vocabulary, which everyone
	// may), so anything may use them without a cycle.
	"internal/ctxio":   {},
	"internal/durable": {},
	"internal/fault":   {},
	"internal/lines":   {},
	"internal/redact":  {},
	"internal/finding": {}, // severities, statuses: one vocabulary (issue 10)
	"internal/human":   {}, // sizes, durations, ages as people read them (issue 11)
	"internal/pywheel": {}, // stand-in Python wheels: the demo's venv, the pip tests (issue 14)

	// This package: tests only, reading source, importing nothing of ours.
	"internal/archtest": {},

	// The configuration schema, below every package that reads it. It uses
	// the one redaction layer for its display copy (Redacted) and the
	// secrets it lists (Secrets). Its test checks that Default()'s log globs
	// are logs.DefaultInclude/DefaultExclude, written out so that config
	// imports no domain package.
	"internal/config": {may: in("redact", "human"), testMay: in("logs")},

	// The generic engine and the run journal: no domain package.
	"internal/runbook": {may: helpers},
	"internal/history": {may: with(helpers, "runbook", "sqlitedb")},

	// Domain packages: the helpers, and only the domain packages named.
	"internal/sqlitedb":         {may: helpers},
	"internal/pgdb":             {may: helpers},
	"internal/backup":           {may: with(helpers, "sqlitedb", "pgdb")},
	"internal/logs":             {may: helpers},
	"internal/logs/patterns":    {may: with(helpers, "logs")},
	"internal/logs/analysis":    {may: with(helpers, "logs", "logs/patterns")},
	"internal/perf":             {may: helpers},
	"internal/security":         {may: with(helpers, "logs")},
	"internal/security/authlog": {may: with(helpers, "logs")},
	"internal/updates":          {may: helpers},
	"internal/service":          {may: with(helpers, "config")},
	"internal/health":           {may: with(helpers, "config", "sqlitedb", "security")},
	"internal/sandbox":          {may: with(helpers, "config", "perf", "pywheel", "pgdb")},
	"internal/notify":           {may: with(helpers, "config")},
	// A private versitygw S3 server on loopback: the off-site tests' (via
	// testkit) and `fossamaint demo`'s off-site copies.
	"internal/versitygw": {may: helpers},
	// Off-site copies (issue 17): the backups it copies, verifies and
	// prunes with the local policy; its Options come from install, so not
	// config. backup must not import it.
	"internal/offsite": {may: with(helpers, "backup")},

	// The fleet history (issue 17): the local history it sends from (and
	// the measures' one definition), the Run type, pgx. history never
	// imports it.
	"internal/fleet": {may: with(helpers, "runbook", "history")},

	// Rendering: a finished run, nothing of the domain.
	"internal/report": {may: with(helpers, "runbook")},

	// Prometheus metrics of a finished run: the run, and history for the
	// one definition of its headline measures.
	"internal/promexport": {may: with(helpers, "runbook", "history")},

	// The dashboard: the history it reads, the report it renders, the
	// resolver for the window and the backups, the metrics registry, the
	// fleet view (/fleet, when history.url is set). The
	// CLI hands it what it runs: not weekly, recovery or cli.
	"internal/web": {may: with(helpers, "runbook", "history", "report", "install", "backup", "promexport", "fleet")},

	// Test helpers, imported by _test files only.
	"internal/testkit": {may: with(helpers, "sqlitedb", "runbook", "history", "pywheel", "pgdb", "versitygw")}, // planted run histories (issue 15), stand-in wheels (issue 14), the S3 server (issue 17)

	// The resolver: config in, typed options of each domain package out.
	// It must not import weekly, cli or report.
	"internal/install": {may: with(helpers, "config", "runbook",
		"backup", "offsite", "security", "security/authlog", "logs", "logs/analysis", "logs/patterns",
		"service", "health", "sqlitedb", "perf", "updates")},

	// Putting an installation back in a known state (recover, rollback,
	// backup restore) and the service actions every run uses: the resolver,
	// the engine, the journal and the domain packages it drives; config for
	// the service definitions. Not weekly, cli or report.
	"internal/recovery": {may: with(helpers, "config", "install", "runbook", "history",
		"backup", "sqlitedb", "pgdb", "service", "health")},

	// The weekly procedure: the engine, the journal, the resolver, recovery
	// and the domain packages; config for its value types (thresholds,
	// service units), not to read fields. Not cli, report or sandbox.
	"internal/weekly": {may: with(helpers, "config", "runbook", "history", "install", "recovery",
		"backup", "offsite", "security", "security/authlog", "logs", "logs/analysis", "logs/patterns",
		"service", "health", "sqlitedb", "pgdb", "perf", "updates", "notify")},

	// Schedules: the systemd units, the calendar and the daemon's loop, from
	// the resolver's window and paths; the CLI hands the daemon what it
	// runs, so not weekly, recovery, cli or report. Its tests load configs.
	"internal/schedule": {may: with(helpers, "install", "runbook"), testMay: in("config")},

	// The commands: anything but the test-only packages. Nothing but
	// cmd/fossamaint imports cli.
	"internal/cli":   {anyBut: in("testkit", "archtest")},
	"cmd/fossamaint": {may: in("cli")},

	// Deployment files and their tests (issue 17): nothing but tests, which
	// check the manifests against the config loader and the schedule's
	// times.
	"deploy": {testMay: in("config", "runbook", "schedule")},

	// Benchmark and crash-campaign programs: anything below cli.
	"bench/...": {anyBut: in("cli", "testkit", "archtest")},
}

// rule is one row of rules.
type rule struct {
	may     []string // the packages its non-test files may import
	anyBut  []string // or: every package of the module but these
	testMay []string // what its _test files may import besides
}

// everyone lists what every package may import.
var everyone = in("finding")

// helpers are the leaves most packages may use.
var helpers = in("ctxio", "durable", "fault", "human", "lines", "redact")

// in names packages under internal/.
func in(names ...string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = "internal/" + n
	}
	return out
}

// with returns base and the named internal packages.
func with(base []string, names ...string) []string {
	return slices.Concat(base, in(names...))
}

// ruleFor returns the row of rel: its own, or that of "dir/..." above it.
func ruleFor(rel string) (rule, string, bool) {
	if r, ok := rules[rel]; ok {
		return r, rel, true
	}
	for dir := rel; strings.Contains(dir, "/"); {
		dir = dir[:strings.LastIndex(dir, "/")]
		if r, ok := rules[dir+"/..."]; ok {
			return r, dir + "/...", true
		}
	}
	return rule{}, "", false
}

func (r rule) allows(imp string, test bool) bool {
	if slices.Contains(everyone, imp) || slices.Contains(r.may, imp) {
		return true
	}
	if r.anyBut != nil && !slices.Contains(r.anyBut, imp) {
		return true
	}
	return test && (imp == "internal/testkit" || slices.Contains(r.testMay, imp))
}

func (r rule) describe() string {
	if r.anyBut != nil {
		return "anything of the module but " + strings.Join(r.anyBut, ", ")
	}
	if len(r.may) == 0 {
		return "nothing of fossamaint but " + strings.Join(everyone, ", ")
	}
	return strings.Join(slices.Concat(r.may, everyone), ", ")
}

// TestImportRules reports each forbidden import once per package, at the
// first file that has it, with how many files have it.
func TestImportRules(t *testing.T) {
	for _, p := range module(t) {
		r, row, ok := ruleFor(p.rel)
		if !ok {
			t.Errorf("%s is not in the rules in archtest_test.go: add a row saying which fossamaint packages it may import, and say the same in its doc.go", p.rel)
			continue
		}
		type bad struct {
			at    string
			files int
		}
		found := map[string]*bad{}
		var order []string
		for _, f := range p.files {
			for imp, line := range f.ours() {
				if imp == p.rel && f.test {
					continue // an external _test package importing its package
				}
				if r.allows(imp, f.test) && (imp != "internal/testkit" || f.test) {
					continue
				}
				if found[imp] == nil {
					found[imp] = &bad{at: fmt.Sprintf("%s:%d", f.rel, line)}
					order = append(order, imp)
				}
				found[imp].files++
			}
		}
		slices.Sort(order)
		for _, imp := range order {
			b := found[imp]
			where := b.at
			if b.files > 1 {
				where += fmt.Sprintf(" and %d more files", b.files-1)
			}
			if imp == "internal/testkit" {
				t.Errorf("%s imports internal/testkit (%s): only _test files may import it", p.rel, where)
				continue
			}
			t.Errorf("%s imports %s (%s): not allowed by the rules in archtest_test.go; %s may import %s (row %q; if the import is right, change the row and the package's doc.go together)",
				p.rel, imp, where, p.rel, r.describe(), row)
		}
	}
}

// The table must not rot: every row names a package that exists or one
// the current refactor is adding, and every package it allows exists or
// is being added.
func TestImportRulesNameRealPackages(t *testing.T) {
	exists := map[string]bool{}
	for _, p := range module(t) {
		exists[p.rel] = true
	}
	coming := map[string]bool{"internal/install": true, "internal/testkit": true, "internal/finding": true}
	known := func(rel string) bool { return exists[rel] || coming[rel] }
	for row, r := range rules {
		if !strings.HasSuffix(row, "/...") && !known(row) {
			t.Errorf("rules row %q names no package of the module: remove it", row)
		}
		for _, imp := range slices.Concat(r.may, r.anyBut, r.testMay, everyone) {
			if !known(imp) {
				t.Errorf("rules row %q names %q, no package of the module", row, imp)
			}
		}
	}
	// Sanity: the tests above would pass vacuously on an empty listing.
	for _, must := range []string{"internal/config", "internal/weekly", "cmd/fossamaint"} {
		if !exists[must] {
			t.Errorf("go list did not list %s (%d packages listed)", must, len(exists))
		}
	}
}

// The checker itself, on a few cases whose answer is known.
func TestRuleLookup(t *testing.T) {
	for _, tc := range []struct {
		pkg, imp string
		test     bool
		want     bool
	}{
		{"internal/config", "internal/redact", false, true},
		{"internal/config", "internal/logs", false, false},
		{"internal/config", "internal/logs", true, true}, // testMay
		{"internal/config", "internal/finding", false, true},
		{"internal/durable", "internal/fault", false, false},
		{"internal/report", "internal/runbook", false, true},
		{"internal/report", "internal/weekly", false, false},
		{"internal/install", "internal/weekly", false, false},
		{"internal/install", "internal/report", false, false},
		{"internal/weekly", "internal/install", false, true},
		{"internal/weekly", "internal/cli", false, false},
		{"internal/weekly", "internal/recovery", false, true},
		{"internal/recovery", "internal/weekly", false, false},
		{"internal/install", "internal/recovery", false, false},
		{"internal/cli", "internal/install", false, true},
		{"internal/cli", "internal/testkit", false, false},
		{"internal/backup", "internal/testkit", true, true},
		{"bench/crash", "internal/sandbox", false, true},
		{"bench/crash", "internal/cli", false, false},
	} {
		r, _, ok := ruleFor(tc.pkg)
		if !ok {
			t.Errorf("no rule for %s", tc.pkg)
			continue
		}
		if got := r.allows(tc.imp, tc.test); got != tc.want {
			t.Errorf("%s importing %s (test %v): allowed %v, want %v", tc.pkg, tc.imp, tc.test, got, tc.want)
		}
	}
	if _, _, ok := ruleFor("internal/nosuch"); ok {
		t.Error("a package without a row has a rule")
	}
}
