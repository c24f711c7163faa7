package config

import (
	"errors"
	"fmt"
	"strings"

	"github.com/goccy/go-yaml/ast"
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
