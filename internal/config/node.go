package config

import (
	"errors"
	"fmt"
	"strings"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/token"
)

// posError is a value error at a node; Parse adds the file name.
type posError struct {
	line, col int
	msg       string
}

func (e *posError) Error() string { return fmt.Sprintf("%d:%d: %s", e.line, e.col, e.msg) }

// atNode decodes a scalar node's text with parse, and positions its error
// so the operator gets file:line:column for a bad duration or mode too.
func atNode(node ast.Node, parse func([]byte) error) error {
	text := strings.Trim(node.String(), `"'`)
	if err := parse([]byte(text)); err != nil {
		pe := &posError{msg: err.Error()}
		if tk := node.GetToken(); tk != nil && tk.Position != nil {
			pe.line, pe.col = tk.Position.Line, tk.Position.Column
		}
		return pe
	}
	return nil
}

// UnmarshalYAML decodes a duration node with its position in errors.
func (d *Duration) UnmarshalYAML(node ast.Node) error { return atNode(node, d.UnmarshalText) }

// UnmarshalYAML decodes a mode node with its position in errors.
func (m *Mode) UnmarshalYAML(node ast.Node) error { return atNode(node, m.UnmarshalText) }

func asPosError(name string, err error) (*Error, bool) {
	var pe *posError
	if errors.As(err, &pe) {
		return &Error{File: name, Line: pe.line, Column: pe.col, Msg: pe.msg}, true
	}
	return nil, false
}

// keyToken returns the token of the key at path (["backups",
// "daily_dir"]) in the document body, or nil when the file does not set it.
func keyToken(body ast.Node, path []string) *token.Token {
	for i, name := range path {
		mv := mappingEntry(body, name)
		if mv == nil {
			return nil
		}
		if i == len(path)-1 {
			return mv.Key.GetToken()
		}
		body = mv.Value
	}
	return nil
}

// mappingEntry finds key name in the mapping n (seen through anchors and
// tags), the last one if repeated, like the decoder.
func mappingEntry(n ast.Node, name string) *ast.MappingValueNode {
	for {
		switch v := n.(type) {
		case *ast.AnchorNode:
			n = v.Value
			continue
		case *ast.TagNode:
			n = v.Value
			continue
		}
		break
	}
	var entries []*ast.MappingValueNode
	switch m := n.(type) {
	case *ast.MappingNode:
		entries = m.Values
	case *ast.MappingValueNode:
		entries = []*ast.MappingValueNode{m}
	}
	var found *ast.MappingValueNode
	for _, mv := range entries {
		if mv.Key != nil && mv.Key.GetToken() != nil && mv.Key.GetToken().Value == name {
			found = mv
		}
	}
	return found
}
