package config

import (
	"strconv"
	"strings"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/token"
)

// atNode decodes a scalar node's text with parse, and positions its error
// so the operator gets file:line:column for a bad duration or mode too.
func atNode(node ast.Node, parse func([]byte) error) error {
	text := strings.Trim(node.String(), `"'`)
	if err := parse([]byte(text)); err != nil {
		return atToken(node.GetToken(), "%s", err.Error())
	}
	return nil
}

// UnmarshalYAML decodes a duration node with its position in errors.
func (d *Duration) UnmarshalYAML(node ast.Node) error { return atNode(node, d.UnmarshalText) }

// UnmarshalYAML decodes a mode node with its position in errors.
func (m *Mode) UnmarshalYAML(node ast.Node) error { return atNode(node, m.UnmarshalText) }

// resolveNode sees through anchors and aliases (an alias of an anchor not
// yet defined stands for nothing, as in the library).
func resolveNode(n ast.Node, aliases map[*ast.AliasNode]ast.Node) ast.Node {
	for range MaxDepth {
		switch v := n.(type) {
		case *ast.AnchorNode:
			n = v.Value
		case *ast.AliasNode:
			n = aliases[v]
		default:
			return n
		}
	}
	return nil
}

// tree is a document's body and what its aliases stand for: what a check
// after decoding needs to point at a key.
type tree struct {
	body    ast.Node
	aliases map[*ast.AliasNode]ast.Node
}

// locate finds where the file sets the key path key
// ("health.endpoints[0].url"): at the key (a list item: at the item).
// When the file does not set the key, exact is false and tk is the
// nearest enclosing key the file sets, or nil.
func (t tree) locate(key string) (tk *token.Token, exact bool) {
	if t.body == nil || key == "" {
		return nil, false
	}
	node := t.body
	var last *token.Token
	for _, seg := range keySegments(key) {
		node = resolveNode(node, t.aliases)
		if seg.index < 0 {
			mv := t.entry(node, seg.name, 0)
			if mv == nil {
				return last, false
			}
			last, node = keyToken(mv.Key), mv.Value
			continue
		}
		seq, ok := node.(*ast.SequenceNode)
		if !ok || seg.index >= len(seq.Values) {
			return last, false
		}
		node = seq.Values[seg.index]
		last = firstToken(node)
	}
	return last, true
}

// entry finds key name in the mapping n, the mapping's own entry first,
// then in what it merges (<<: *anchor), like the decoder.
func (t tree) entry(n ast.Node, name string, depth int) *ast.MappingValueNode {
	entries, ok := mapEntries(n)
	if !ok || depth > MaxDepth {
		return nil
	}
	var found *ast.MappingValueNode
	var merges []ast.Node
	for _, mv := range entries {
		switch {
		case mv.Key == nil:
		case mv.Key.IsMergeKey():
			merges = append(merges, mv.Value)
		case keyName(mv.Key) == name:
			found = mv
		}
	}
	for _, m := range merges {
		if found != nil {
			break
		}
		m = resolveNode(m, t.aliases)
		if seq, ok := m.(*ast.SequenceNode); ok {
			for _, item := range seq.Values {
				if found == nil {
					found = t.entry(resolveNode(item, t.aliases), name, depth+1)
				}
			}
			continue
		}
		found = t.entry(m, name, depth+1)
	}
	return found
}

// firstToken is where a value starts: a block mapping's token is its
// first ":", its first key is where the reader looks.
func firstToken(n ast.Node) *token.Token {
	switch v := n.(type) {
	case *ast.MappingNode:
		if !v.IsFlowStyle && len(v.Values) > 0 && v.Values[0].Key != nil {
			return keyToken(v.Values[0].Key)
		}
	case *ast.MappingValueNode:
		if v.Key != nil {
			return keyToken(v.Key)
		}
	}
	return n.GetToken()
}

// keyToken is the token of a mapping key's text ("? key" keys too).
func keyToken(k ast.MapKeyNode) *token.Token {
	if mk, ok := k.(*ast.MappingKeyNode); ok && mk.Value != nil {
		return mk.Value.GetToken()
	}
	return k.GetToken()
}

type keySegment struct {
	name  string
	index int // -1 for a name
}

// keySegments splits "health.endpoints[0].expect[1]" into health,
// endpoints, [0], expect, [1].
func keySegments(key string) []keySegment {
	var out []keySegment
	for part := range strings.SplitSeq(key, ".") {
		name, rest, _ := strings.Cut(part, "[")
		out = append(out, keySegment{name: name, index: -1})
		for rest != "" {
			num, after, _ := strings.Cut(rest, "]")
			i, err := strconv.Atoi(num)
			if err != nil {
				break
			}
			out = append(out, keySegment{index: i})
			_, rest, _ = strings.Cut(after, "[")
		}
	}
	return out
}
