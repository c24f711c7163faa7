package cli

import (
	"context"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/fossawork/fossamaint/internal/runbook"
)

// treePaths is every command of the tree as argv (without "fossamaint"),
// hidden ones and those cobra adds (help, completion) included.
func treePaths(t *testing.T) (paths [][]string, groups map[string]*cobra.Command) {
	t.Helper()
	a := &app{stdout: os.Stdout, stderr: os.Stderr, now: time.Now}
	root := a.rootCmd()
	groups = map[string]*cobra.Command{}
	for c := range commandTree(root) {
		argv := strings.Fields(c.CommandPath())[1:]
		paths = append(paths, argv)
		if c.HasSubCommands() {
			groups[strings.Join(argv, " ")] = c
		}
	}
	if len(paths) < 40 || len(groups) < 8 {
		t.Fatalf("the walk found %d commands and %d groups: the tree is not what the test expects", len(paths), len(groups))
	}
	return paths, groups
}

// TestEveryCommandRefusesBadUsageWith64 walks the whole cobra tree: a bad
// flag on any command, and an unknown, misspelt or missing subcommand of
// any group, exit 64 with a hint on stderr. Timers and scripts read the
// code: a typo must never look like success (0) or a failed run (2).
func TestEveryCommandRefusesBadUsageWith64(t *testing.T) {
	paths, groups := treePaths(t)
	type usageCase struct {
		args []string
		want []string // each must appear on stderr
	}
	var cases []usageCase
	for _, p := range paths {
		path := strings.Join(append([]string{"fossamaint"}, p...), " ")
		cases = append(cases, usageCase{append(clone(p), "--no-such-flag"),
			[]string{"unknown flag: --no-such-flag", "(see `" + path + " --help`)"}})
		g := groups[strings.Join(p, " ")]
		if g == nil {
			continue
		}
		cases = append(cases,
			usageCase{append(clone(p), "frobnicate"), []string{`unknown command "frobnicate" for "` + path + `"`, "--help`)"}},
			usageCase{clone(p), []string{"missing ", "Usage:", "(see `" + path + " --help`)"}})
		// A near miss of a real subcommand gets cobra's suggestion.
		for _, sub := range g.Commands() {
			if sub.IsAvailableCommand() && len(sub.Name()) > 3 {
				typo := sub.Name()[:len(sub.Name())-1]
				if g.Name() == "help" || findSub(g, typo) != nil {
					continue
				}
				cases = append(cases, usageCase{append(clone(p), typo), []string{"Did you mean this?\n\t" + sub.Name()}})
				break
			}
		}
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.args, "_"), func(t *testing.T) {
			code, stdout, stderr := run(context.Background(), tc.args...)
			if code != ExitUsage {
				t.Fatalf("fossamaint %s exited %d, want %d\nstdout %s\nstderr %s", strings.Join(tc.args, " "), code, ExitUsage, stdout, stderr)
			}
			for _, w := range tc.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("fossamaint %s: stderr does not hold %q:\n%s", strings.Join(tc.args, " "), w, stderr)
				}
			}
		})
	}
}

func clone(s []string) []string { return append([]string(nil), s...) }

func findSub(g *cobra.Command, name string) *cobra.Command {
	for _, c := range g.Commands() {
		if c.Name() == name {
			return c
		}
	}
	return nil
}

// TestFlagSuggestions: an unknown flag close to a real one names it.
func TestFlagSuggestions(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"weekly", "--dryrun"}, "did you mean --dry-run?"},
		{[]string{"weekly", "--force-windwo"}, "did you mean --force-window?"},
		{[]string{"backup", "verify", "--ful"}, "did you mean --full?"},
		{[]string{"weekly", "--confg", "x"}, "did you mean --config?"},
		{[]string{"-v"}, "did you mean --version?"},
		{[]string{"demo", "-v"}, "did you mean `fossamaint version`?"},
	} {
		code, _, stderr := run(context.Background(), tc.args...)
		if code != ExitUsage || !strings.Contains(stderr, tc.want) {
			t.Errorf("fossamaint %s: exit %d, stderr %q; want 64 and %q", strings.Join(tc.args, " "), code, stderr, tc.want)
		}
	}
}

// TestExitCodesAreAllInTheTable reads the package's source: every exit
// code a command returns goes through exitSilently, withCode or an
// exitError, and each of those names an Exit constant (or computes one
// with a function), never a literal number; and every Exit constant is a
// row of the one table.
func TestExitCodesAreAllInTheTable(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	consts := map[string]bool{}
	calls := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(file, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.ValueSpec:
				for _, id := range n.Names {
					if strings.HasPrefix(id.Name, "Exit") {
						consts[id.Name] = true
					}
				}
			case *ast.CallExpr:
				if id, ok := n.Fun.(*ast.Ident); ok && (id.Name == "exitSilently" || id.Name == "withCode") && len(n.Args) > 0 {
					calls++
					if lit, ok := n.Args[0].(*ast.BasicLit); ok {
						t.Errorf("%s: %s(%s): name the code with its Exit constant from exitcodes.go", fset.Position(n.Pos()), id.Name, lit.Value)
					}
				}
			case *ast.KeyValueExpr:
				if k, ok := n.Key.(*ast.Ident); ok && k.Name == "code" {
					if lit, ok := n.Value.(*ast.BasicLit); ok {
						t.Errorf("%s: code: %s: name the code with its Exit constant", fset.Position(n.Pos()), lit.Value)
					}
				}
			}
			return true
		})
	}
	if calls < 20 || len(consts) < 7 {
		t.Fatalf("found %d exit calls and %d Exit constants: the scan is broken", calls, len(consts))
	}
	values := map[string]int{"ExitOK": ExitOK, "ExitWarn": ExitWarn, "ExitFail": ExitFail, "ExitOutside": ExitOutside,
		"ExitUsage": ExitUsage, "ExitLocked": ExitLocked, "ExitInterrupted": ExitInterrupted}
	for name := range consts {
		v, ok := values[name]
		if !ok {
			t.Errorf("constant %s is new: add it to exitTable and to this test's list", name)
			continue
		}
		if !inExitTable(v) {
			t.Errorf("%s = %d is not in exitTable", name, v)
		}
	}
}

// TestRunExitPrecedence: a finished run's code comes from its steps: fail
// 2, else postponed 3, else warn 1, else 0 (a postponed step used to give
// 1, the summary status counting it as a warning).
func TestRunExitPrecedence(t *testing.T) {
	step := func(s runbook.Status) runbook.StepResult {
		return runbook.StepResult{Name: string(s), Result: runbook.Result{Status: s}}
	}
	mk := func(steps ...runbook.Status) *runbook.Run {
		ph := runbook.PhaseResult{Name: "p"}
		for _, s := range steps {
			ph.Steps = append(ph.Steps, step(s))
		}
		ph.Status = runbook.PhaseStatus(ph.Steps)
		phases := []runbook.PhaseResult{ph}
		return &runbook.Run{Status: runbook.Overall(phases), Phases: phases}
	}
	for _, tc := range []struct {
		name string
		run  *runbook.Run
		want int
	}{
		{"all ok", mk(runbook.StatusOK, runbook.StatusSkipped), ExitOK},
		{"warn", mk(runbook.StatusOK, runbook.StatusWarn), ExitWarn},
		{"postponed", mk(runbook.StatusOK, runbook.StatusPostponed), ExitOutside},
		{"postponed beats warn", mk(runbook.StatusWarn, runbook.StatusPostponed), ExitOutside},
		{"fail beats postponed", mk(runbook.StatusPostponed, runbook.StatusFail), ExitFail},
		{"rolled back", &runbook.Run{Status: runbook.RunRolledBack}, ExitFail},
		{"never finished", &runbook.Run{Status: runbook.RunRunning}, ExitFail},
	} {
		if got := runExit(tc.run); got != tc.want || !inExitTable(got) {
			t.Errorf("%s: runExit = %d, want %d", tc.name, got, tc.want)
		}
	}
}

// TestReadmeExitCodesAreTheTable: the README's "## Exit codes" section is
// exitTable, word for word.
func TestReadmeExitCodesAreTheTable(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(b), "\n## Exit codes\n")
	if !ok {
		t.Fatal(`README.md has no "## Exit codes" section`)
	}
	if i := strings.Index(section, "\n## "); i >= 0 {
		section = section[:i]
	}
	want := exitCodesMarkdown()
	if strings.TrimSpace(section) != strings.TrimSpace(want) {
		t.Errorf("README.md's Exit codes section differs from exitTable; make it:\n\n%s\ngot:\n%s", want, section)
	}
}

// TestCodeForStaysInTheTable: whatever error a command returns maps to a
// code of the table.
func TestCodeForStaysInTheTable(t *testing.T) {
	for _, err := range []error{
		nil, context.Canceled, runbook.ErrInterrupted, &runbook.ErrLocked{}, &runbook.ErrOutsideWindow{},
		os.ErrNotExist, usageErr("x"), exitSilently(ExitWarn), withCode(ExitFail, os.ErrPermission),
	} {
		if c := codeFor(err); !inExitTable(c) {
			t.Errorf("codeFor(%v) = %d, not in the table", err, c)
		}
	}
	if got := strconv.Itoa(codeFor(usageErr("x"))); got != "64" {
		t.Errorf("usageErr exits %s", got)
	}
}

// TestPositionalArgumentsMatchTheUsageLine: a command whose usage line
// names arguments (FILE..., [TARGET...], ID) accepts one, and one that
// names none refuses it. The usage rules default a command without an Args
// check to "no arguments"; a command that forgot to declare its own once
// refused every file it was given (security authlog, caught by the shared
// authlog scorer, not by a test).
func TestPositionalArgumentsMatchTheUsageLine(t *testing.T) {
	a := &app{stdout: os.Stdout, stderr: os.Stderr, now: time.Now}
	root := a.rootCmd()
	checked := 0
	for c := range commandTree(root) {
		if c.HasSubCommands() || c.Args == nil || c.Name() == "help" || c.Name() == "completion" || c.Parent() != nil && c.Parent().Name() == "completion" {
			continue
		}
		names := usageArgNames(c.Use)
		err := c.Args(c, []string{"x"})
		refused := err != nil && strings.Contains(err.Error(), "takes no arguments")
		switch {
		case len(names) > 0 && refused:
			t.Errorf("%s: its usage %q names %v but it takes no arguments: %v", c.CommandPath(), c.Use, names, err)
		case len(names) == 0 && err == nil:
			t.Errorf("%s: its usage %q names no argument but it accepts one", c.CommandPath(), c.Use)
		}
		checked++
	}
	if checked < 30 {
		t.Fatalf("checked only %d commands", checked)
	}
}
