package archtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// modulePath is the module's path; packages are named in the rules and the
// messages by their path inside it ("internal/config").
const modulePath = "github.com/fossawork/fossamaint"

// pkg is one package of the module with every .go file of its directory
// parsed, whatever its build tags (a Windows-only or -tags faults file is
// checked as well as the files this platform builds).
type pkg struct {
	rel   string // "internal/config"
	dir   string
	files []*file
}

type file struct {
	rel  string // "internal/config/config.go"
	test bool   // a _test.go file
	fset *token.FileSet
	ast  *ast.File
	src  []byte
}

var (
	loadOnce sync.Once
	loaded   []*pkg
	loadErr  error
)

// module lists the module's packages with one `go list` and parses their
// files once for all the tests of this package.
func module(t *testing.T) []*pkg {
	t.Helper()
	loadOnce.Do(func() { loaded, loadErr = load() })
	if loadErr != nil {
		t.Fatal(loadErr)
	}
	return loaded
}

type listed struct {
	ImportPath, Dir                   string
	GoFiles, CgoFiles, IgnoredGoFiles []string
	TestGoFiles, XTestGoFiles         []string
	Error                             *struct{ Err string }
}

func load() ([]*pkg, error) {
	cmd := exec.Command("go", "list", "-e",
		"-json=ImportPath,Dir,GoFiles,CgoFiles,IgnoredGoFiles,TestGoFiles,XTestGoFiles,Error",
		modulePath+"/...")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, errors.New("go list: " + err.Error() + ": " + stderr.String())
	}
	var pkgs []*pkg
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var l listed
		if err := dec.Decode(&l); err == io.EOF {
			break
		} else if err != nil {
			return nil, err
		}
		if l.Error != nil {
			return nil, errors.New("go list " + l.ImportPath + ": " + l.Error.Err)
		}
		rel, ok := strings.CutPrefix(l.ImportPath, modulePath+"/")
		if !ok {
			rel = "." // a package at the module's root
		}
		p := &pkg{rel: rel, dir: l.Dir}
		names := slices.Concat(l.GoFiles, l.CgoFiles, l.IgnoredGoFiles, l.TestGoFiles, l.XTestGoFiles)
		slices.Sort(names)
		for _, name := range slices.Compact(names) {
			f, err := parse(filepath.Join(l.Dir, name), rel+"/"+name)
			if err != nil {
				return nil, err
			}
			p.files = append(p.files, f)
		}
		pkgs = append(pkgs, p)
	}
	if len(pkgs) == 0 {
		return nil, errors.New("go list found no package of " + modulePath)
	}
	return pkgs, nil
}

func parse(path, rel string) (*file, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, path, src, parser.ParseComments|parser.SkipObjectResolution)
	if err != nil {
		return nil, err
	}
	return &file{rel: rel, test: strings.HasSuffix(rel, "_test.go"), fset: fset, ast: f, src: src}, nil
}

// ours returns the file's imports of the module's packages, by their path
// inside the module, each with the line it is on.
func (f *file) ours() map[string]int {
	m := map[string]int{}
	for _, imp := range f.ast.Imports {
		path, err := strconv.Unquote(imp.Path.Value)
		if err != nil {
			continue
		}
		if rel, ok := strings.CutPrefix(path, modulePath+"/"); ok {
			m[rel] = f.fset.Position(imp.Pos()).Line
		}
	}
	return m
}
