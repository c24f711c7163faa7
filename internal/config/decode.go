package config

import (
	"bytes"
	"fmt"
	"reflect"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
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
func (d document) body() (ast.Node, map[*ast.AliasNode]ast.Node, error) {
	var body ast.Node
	for _, doc := range d.file.Docs {
		if doc.Body == nil || doc.Body.Type() == ast.CommentType {
			continue
		}
		if body != nil {
			return nil, nil, atToken(doc.Start, "a second YAML document: fossamaint reads one (remove the --- line and what follows, or merge it into the first)")
		}
		body = doc.Body
	}
	if body == nil {
		return nil, nil, nil
	}
	c := treeCheck{anchors: map[string]anchor{}, aliases: map[*ast.AliasNode]ast.Node{}}
	c.walk(body)
	return body, c.aliases, c.err
}

// treeCheck walks the tree before it is decoded: the library expands
// every alias in full, so a few lines of anchors referring to anchors
// would build billions of values.
type treeCheck struct {
	values  int               // values decoding will build, aliases expanded
	anchors map[string]anchor // the anchors defined so far
	// aliases are what each alias stands for: the value of the anchor of
	// its name defined last before it, or nil.
	aliases map[*ast.AliasNode]ast.Node
	err     error
}

// anchor is an anchored value and how many values it holds.
type anchor struct {
	node   ast.Node
	values int
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
		c.anchors[nameOf(n.Name)] = anchor{node: n.Value, values: added}
	case *ast.AliasNode:
		// An alias of an anchor still being walked (its own value) is
		// resolved to nothing by the library.
		a := c.anchors[nameOf(n.Value)]
		c.aliases[n] = a.node
		c.count(n, a.values)
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

// decodeInto decodes body over cfg key by key (see fieldDecoder) and
// returns every problem, and the key paths that kept their default
// because of one.
func decodeInto(body ast.Node, cfg *Config, aliases map[*ast.AliasNode]ast.Node) (errs []*posError, failed []string) {
	d := fieldDecoder{aliases: aliases}
	defer func() {
		// The library has panicked on odd documents before (FuzzParse found
		// one): a config file must not crash fossamaint.
		if r := recover(); r != nil {
			errs = append(d.errs, &posError{msg: fmt.Sprintf(
				"the YAML library failed on this file (%v): simplify the YAML around the last change", r)})
			failed = d.failed
		}
	}()
	d.decode(body, reflect.ValueOf(cfg).Elem(), "", nil)
	return d.errs, d.failed
}
