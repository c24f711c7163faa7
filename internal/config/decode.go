package config

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
	"github.com/goccy/go-yaml/token"
)

// utf8BOM is what some Windows editors put before the first key; YAML
// allows it, and the library would read it as part of the key.
var utf8BOM = []byte("\ufeff")

// document is a parsed config file and what prescan saw of it.
type document struct {
	scan scanStats
	file *ast.File
}

// readDocument checks data against the limits (see prescan) and parses it.
func readDocument(data []byte) (document, error) {
	data = bytes.TrimPrefix(data, utf8BOM)
	st, err := prescan(data)
	if err != nil {
		return document{}, err
	}
	file, err := parser.ParseBytes(data, 0)
	if err != nil {
		return document{}, err
	}
	return document{scan: st, file: file}, nil
}

// body returns the document's content, checked for alias expansion, or
// nil when there is none (an empty file, or only comments): every key then
// keeps its default.
func (d document) body() (ast.Node, error) {
	var body ast.Node
	for _, doc := range d.file.Docs {
		if doc.Body == nil || doc.Body.Type() == ast.CommentType {
			continue
		}
		if body != nil {
			return nil, atToken(doc.Start, "a second YAML document: fossamaint reads one (remove the --- line and what follows, or merge it into the first)")
		}
		body = doc.Body
	}
	if body == nil {
		return nil, nil
	}
	var c treeCheck
	c.walk(body)
	return body, c.err
}

// treeCheck walks the tree before it is decoded: the library expands
// every alias in full, so a few lines of anchors referring to anchors
// would build billions of values.
type treeCheck struct {
	values  int            // values decoding will build, aliases expanded
	anchors map[string]int // values an anchor's alias stands for
	err     error
}

// walk counts n's values into c.values and returns how many it added.
func (c *treeCheck) walk(n ast.Node) int {
	if c.err != nil || n == nil {
		return 0
	}
	before := c.values
	switch n := n.(type) {
	case *ast.MappingNode:
		for _, mv := range n.Values {
			c.walk(mv)
		}
	case *ast.MappingValueNode:
		c.count(n, 1)
		c.walk(n.Key)
		c.walk(n.Value)
	case *ast.MappingKeyNode:
		c.walk(n.Value)
	case *ast.SequenceNode:
		for _, v := range n.Values {
			c.count(v, 1)
			c.walk(v)
		}
	case *ast.TagNode:
		// The library panics decoding some tagged values into lists
		// (FuzzParse found "file_modes: !0"), and a config has no use for
		// tags: quoting makes a string.
		c.err = atToken(n.GetToken(), "YAML tags such as %s are not supported: write the plain value (quote it to make it a string)", nameOf(n))
	case *ast.AnchorNode:
		added := c.walk(n.Value)
		if c.anchors == nil {
			c.anchors = map[string]int{}
		}
		c.anchors[nameOf(n.Name)] = added
	case *ast.AliasNode:
		// An alias of an anchor still being walked (its own value) is
		// resolved to nothing by the library.
		c.count(n, c.anchors[nameOf(n.Value)])
	}
	return c.values - before
}

func (c *treeCheck) count(n ast.Node, v int) {
	c.values += v
	if c.values > MaxValues && c.err == nil {
		c.err = atToken(n.GetToken(), "more than %d values, aliases expanded (a fossamaint config has a few hundred): is this the right file?", MaxValues)
	}
}

func nameOf(n ast.Node) string {
	if n == nil || n.GetToken() == nil {
		return ""
	}
	return n.GetToken().Value
}

func atToken(tk *token.Token, format string, a ...any) *posError {
	pe := &posError{msg: fmt.Sprintf(format, a...)}
	if tk != nil && tk.Position != nil {
		pe.line, pe.col = tk.Position.Line, tk.Position.Column
	}
	return pe
}

// decodeInto decodes body over cfg strictly: unknown keys, duplicate keys
// and type mismatches are errors.
func decodeInto(body ast.Node, cfg *Config) (err error) {
	defer func() {
		// The library has panicked on odd documents before (FuzzParse found
		// one): a config file must not crash fossamaint.
		if r := recover(); r != nil {
			err = fmt.Errorf("the YAML library failed on this file (%v): simplify the YAML around the last change", r)
		}
	}()
	if err := yaml.NodeToValue(body, cfg, yaml.Strict()); err != nil {
		return keyPathError(body, err)
	}
	return nil
}

// keyPathError rewrites the library's type errors, which name Go types
// ("Go struct field Config.Thresholds of type float64"), in the
// operator's words: the key path and what it wants.
func keyPathError(body ast.Node, err error) error {
	var te *yaml.TypeError
	var oe *yaml.OverflowError
	var ue *yaml.UnexpectedNodeTypeError
	switch {
	case errors.As(err, &te):
		return atToken(te.Token, "%swant %s", keyPathAt(body, te.Token), wantKind(te.DstType))
	case errors.As(err, &oe):
		return atToken(oe.Token, "%swant %s that fits in %s", keyPathAt(body, oe.Token), wantKind(oe.DstType), oe.DstType)
	case errors.As(err, &ue):
		return atToken(ue.Token, "%swant %s", keyPathAt(body, ue.Token), nodeKind(ue.Expected))
	}
	return err
}

// wantKind says what a Go type holds, as YAML.
func wantKind(t reflect.Type) string {
	if t == nil {
		return "another kind of value"
	}
	switch t.Kind() {
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number"
	case reflect.Bool:
		return "true or false"
	case reflect.String:
		return "a string"
	case reflect.Slice, reflect.Array:
		return "a list"
	case reflect.Struct, reflect.Map:
		return "a mapping (key: value)"
	}
	return "a " + t.String()
}

func nodeKind(t ast.NodeType) string {
	switch t {
	case ast.MappingType:
		return "a mapping (key: value)"
	case ast.SequenceType:
		return "a list"
	}
	return "a " + strings.ToLower(t.String())
}

// keyPathAt finds the node of tk in the tree and returns its key path
// ("thresholds.disk_percent: "), or "" at the top or when not found.
func keyPathAt(body ast.Node, tk *token.Token) string {
	if tk == nil {
		return ""
	}
	var found string
	ast.Walk(visitFunc(func(n ast.Node) bool {
		if found != "" || n == nil {
			return false
		}
		if t := n.GetToken(); t == tk || (t != nil && t.Position != nil && tk.Position != nil &&
			t.Position.Offset == tk.Position.Offset && t.Position.Line == tk.Position.Line) {
			found = n.GetPath()
		}
		return found == ""
	}), body)
	found = strings.TrimPrefix(strings.TrimPrefix(found, "$"), ".")
	if found == "" {
		return ""
	}
	return found + ": "
}

type visitFunc func(ast.Node) bool

func (f visitFunc) Visit(n ast.Node) ast.Visitor {
	if f(n) {
		return f
	}
	return nil
}
