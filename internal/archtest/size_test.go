package archtest

import (
	"bytes"
	"fmt"
	"go/ast"
	"testing"
)

// The size limits of issue 10: no .go file longer than maxFileLines lines
// and no function body longer than maxFuncLines lines (the lines between
// its braces), in every package of the module. Generated files (a "Code
// generated ... DO NOT EDIT." line) are not counted; test files are: a
// long test is as hard to find one's way in as any other code, and when
// the check came in only two test functions and one test file were over.
const (
	maxFileLines = 600
	maxFuncLines = 80
)

// The allow-lists: what was over a limit when the check came in, with its
// size then. An entry lets that file or function be as large as its number
// and no larger; once it is back under the limit the test asks for the
// entry to go, so the lists only shrink. The key of a function is its
// file and its name, with the receiver's type for a method.
//
// Empty since issue 10 split the last offenders; an entry is a debt to pay
// back, and the test asks for its removal once the file or function is
// under the limit again.
var (
	allowFiles = map[string]int{}
	allowFuncs = map[string]int{}
)

func TestSizeLimits(t *testing.T) {
	seenFiles, seenFuncs := map[string]bool{}, map[string]bool{}
	for _, p := range module(t) {
		for _, f := range p.files {
			if ast.IsGenerated(f.ast) {
				continue
			}
			seenFiles[f.rel] = true
			checkSize(t, f.rel, f.rel, "allowFiles", lineCount(f.src), maxFileLines, allowFiles[f.rel])
			for _, d := range f.ast.Decls {
				fn, ok := d.(*ast.FuncDecl)
				if !ok || fn.Body == nil {
					continue
				}
				key := f.rel + ":" + funcName(fn)
				seenFuncs[key] = true
				open := f.fset.Position(fn.Body.Lbrace)
				n := f.fset.Position(fn.Body.Rbrace).Line - open.Line - 1
				where := fmt.Sprintf("%s:%d: the body of func %s", f.rel, open.Line, funcName(fn))
				checkSize(t, where, key, "allowFuncs", n, maxFuncLines, allowFuncs[key])
			}
		}
	}
	for k := range allowFiles {
		if !seenFiles[k] {
			t.Errorf("allowFiles has %q, which is no longer a file of the module: remove the entry", k)
		}
	}
	for k := range allowFuncs {
		if !seenFuncs[k] {
			t.Errorf("allowFuncs has %q, which is no longer a function of the module: remove the entry", k)
		}
	}
}

// checkSize reports where (a file, or file:line and a function) when its
// n lines are over limit and over its entry key in the allow-list list,
// or when it has an entry it no longer needs.
func checkSize(t *testing.T, where, key, list string, n, limit, allowed int) {
	t.Helper()
	switch {
	case allowed == 0 && n > limit:
		t.Errorf("%s: %d lines, over the limit of %d: split it (limits in internal/archtest/size_test.go)", where, n, limit)
	case allowed != 0 && n > allowed:
		t.Errorf("%s: %d lines, more than the %d that %s[%q] in size_test.go allows (limit %d): an allowed size may only shrink", where, n, allowed, list, key, limit)
	case allowed != 0 && n <= limit:
		t.Errorf("%s: %d lines, within the limit of %d now: remove %s[%q] from size_test.go", where, n, limit, list, key)
	}
}

func funcName(fn *ast.FuncDecl) string {
	if fn.Recv == nil || len(fn.Recv.List) == 0 {
		return fn.Name.Name
	}
	typ := fn.Recv.List[0].Type
	for {
		switch x := typ.(type) {
		case *ast.StarExpr:
			typ = x.X
			continue
		case *ast.IndexExpr: // a generic receiver T[E]
			typ = x.X
			continue
		case *ast.IndexListExpr:
			typ = x.X
			continue
		case *ast.Ident:
			return x.Name + "." + fn.Name.Name
		}
		return fn.Name.Name
	}
}

// lineCount counts lines as wc -l does, plus a last line without newline.
func lineCount(src []byte) int {
	n := bytes.Count(src, []byte("\n"))
	if len(src) > 0 && src[len(src)-1] != '\n' {
		n++
	}
	return n
}
