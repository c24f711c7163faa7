package config

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/token"
)

// fieldDecoder decodes a document over a Config one key at a time, so
// that one mistake does not hide the next: it collects every unknown key
// (with the nearest valid one), every value of the wrong kind and every
// bad value, each with its position and key path, and leaves a key with a
// problem at its default (in a list item: at its zero value, see sequence). Scalars are decoded by the YAML library, so what
// a scalar may be is what the library has always accepted.
type fieldDecoder struct {
	// aliases are the values aliases stand for (see treeCheck).
	aliases map[*ast.AliasNode]ast.Node
	errs    []*posError
	// failed are the key paths with a problem, so that validation does
	// not also report on the defaults they kept.
	failed []string
}

// fail records a problem of the value at path, positioned at its key
// (at, or the value's own token for the document or a list item).
func (d *fieldDecoder) fail(at *token.Token, path, format string, a ...any) {
	pe := atToken(at, format, a...)
	pe.key = path
	d.errs = append(d.errs, pe)
	d.failed = append(d.failed, path)
}

// decode decodes n over v, the value at key path whose key is at at.
func (d *fieldDecoder) decode(n ast.Node, v reflect.Value, path string, at *token.Token) {
	n = d.resolve(n)
	if n == nil || n.Type() == ast.NullType {
		return // an empty value keeps the default
	}
	if at == nil {
		at = firstToken(n)
	}
	switch {
	case v.Kind() == reflect.Struct:
		d.mapping(n, v, path, at)
	case v.Kind() == reflect.Slice:
		d.sequence(n, v, path, at)
	default:
		d.scalar(n, v, path, at)
	}
}

func (d *fieldDecoder) resolve(n ast.Node) ast.Node { return resolveNode(n, d.aliases) }

func (d *fieldDecoder) mapping(n ast.Node, v reflect.Value, path string, at *token.Token) {
	entries, ok := mapEntries(n)
	if !ok {
		d.fail(at, path, "%s", mismatch(n, "a mapping (key: value)"))
		return
	}
	fields := fieldsOf(v.Type())
	// Merged mappings (<<: *anchor) first: the mapping's own keys win.
	for _, mv := range entries {
		if mv.Key != nil && mv.Key.IsMergeKey() {
			d.merge(mv.Value, v, path, keyToken(mv.Key))
		}
	}
	for _, mv := range entries {
		if mv.Key == nil || mv.Key.IsMergeKey() {
			continue
		}
		name := keyName(mv.Key)
		i, ok := fields.index[name]
		if !ok {
			d.unknown(mv.Key, name, path, fields.names)
			continue
		}
		d.decode(mv.Value, v.Field(i), joinKey(path, name), keyToken(mv.Key))
	}
}

func (d *fieldDecoder) merge(n ast.Node, v reflect.Value, path string, at *token.Token) {
	n = d.resolve(n)
	if seq, ok := n.(*ast.SequenceNode); ok {
		for _, item := range seq.Values {
			if item = d.resolve(item); item != nil {
				d.mapping(item, v, path, firstToken(item))
			}
		}
		return
	}
	if n != nil {
		d.mapping(n, v, path, at)
	}
}

// unknown reports a key the struct at path does not have, with the
// nearest valid key at that level, or where the key belongs when it is
// valid at another level.
func (d *fieldDecoder) unknown(k ast.MapKeyNode, name, path string, valid []string) {
	// The key path in front says where: "window.duraton: unknown field
	// "duraton"; did you mean duration?".
	msg := fmt.Sprintf("unknown field %q", name)
	if s := suggest(name, valid); s != "" {
		msg += fmt.Sprintf("; did you mean %s?", s)
	} else if elsewhere := keyPathsNamed(name); len(elsewhere) > 0 {
		msg += fmt.Sprintf("; it belongs under %s", strings.Join(elsewhere, " or "))
	} else {
		msg += fmt.Sprintf(" (valid here: %s)", strings.Join(valid, ", "))
	}
	pe := atToken(keyToken(k), "%s", msg)
	pe.key = joinKey(path, name)
	d.errs = append(d.errs, pe)
}

func (d *fieldDecoder) sequence(n ast.Node, v reflect.Value, path string, at *token.Token) {
	seq, ok := n.(*ast.SequenceNode)
	if !ok {
		d.fail(at, path, "%s", mismatch(n, "a list"))
		return
	}
	// A list given replaces the default, also when some of its items have
	// a problem: those keep their zero value (their paths are in d.failed)
	// and the rest is validated, so that one mistake in an item does not
	// hide another in the same item. Load and Parse never return a config
	// with a problem, so the zero values are only ever validated.
	out := reflect.MakeSlice(v.Type(), len(seq.Values), len(seq.Values))
	for i, item := range seq.Values {
		d.decode(item, out.Index(i), fmt.Sprintf("%s[%d]", path, i), nil)
	}
	v.Set(out)
}

func (d *fieldDecoder) scalar(n ast.Node, v reflect.Value, path string, at *token.Token) {
	switch n.Type() {
	case ast.MappingType, ast.MappingValueType, ast.SequenceType:
		d.fail(at, path, "%s", mismatch(n, want(v.Type())))
		return
	case ast.FloatType:
		// The library would drop the fraction of a count without a word.
		if k := v.Kind(); k >= reflect.Int && k <= reflect.Uint64 && !hasUnmarshaler(v.Type()) {
			d.fail(at, path, "%s", mismatch(n, want(v.Type())))
			return
		}
	}
	p := reflect.New(v.Type())
	if err := yaml.NodeToValue(n, p.Interface()); err != nil {
		var pe *posError
		var oe *yaml.OverflowError
		switch {
		case errors.As(err, &pe):
			d.fail(at, path, "%s", pe.msg)
		case errors.As(err, &oe):
			d.fail(at, path, "%s is too large: want %s that fits in %s", oe.SrcNum, want(v.Type()), v.Type())
		default:
			d.fail(at, path, "%s", mismatch(n, want(v.Type())))
		}
		return
	}
	v.Set(p.Elem())
}

// mapEntries are the entries of a mapping node.
func mapEntries(n ast.Node) ([]*ast.MappingValueNode, bool) {
	switch m := n.(type) {
	case *ast.MappingNode:
		return m.Values, true
	case *ast.MappingValueNode:
		return []*ast.MappingValueNode{m}, true
	}
	return nil, false
}

// keyName is the text of a mapping key ("? key" keys too).
func keyName(k ast.MapKeyNode) string {
	var n ast.Node = k
	if mk, ok := n.(*ast.MappingKeyNode); ok {
		n = mk.Value
	}
	switch v := n.(type) {
	case nil:
		return ""
	case *ast.StringNode:
		return v.Value
	}
	if tk := n.GetToken(); tk != nil {
		return tk.Value
	}
	return n.String()
}

func joinKey(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

var unmarshalerType = reflect.TypeFor[interface{ UnmarshalYAML(ast.Node) error }]()

func hasUnmarshaler(t reflect.Type) bool { return reflect.PointerTo(t).Implements(unmarshalerType) }

// mismatch says that node n is not what the key wants, naming the value
// and its YAML kind: `"high" is a string, not a number`, `a list is not a
// number`.
func mismatch(n ast.Node, wanted string) string {
	text := strings.TrimSpace(n.String())
	if len(text) > 40 {
		text = text[:37] + "..."
	}
	kind := ""
	switch n.Type() {
	case ast.StringType, ast.LiteralType:
		text, kind = fmt.Sprintf("%q", strings.Trim(text, `"'`)), "a string"
	case ast.IntegerType:
		kind = "a whole number"
	case ast.FloatType, ast.InfinityType, ast.NanType:
		kind = "a number with a fraction"
	case ast.BoolType:
		kind = "true or false"
	case ast.MappingType, ast.MappingValueType:
		return "a mapping (key: value) is not " + wanted
	case ast.SequenceType:
		return "a list is not " + wanted
	default:
		text = fmt.Sprintf("%q", text)
	}
	if kind == "" {
		return fmt.Sprintf("%s is not %s", text, wanted)
	}
	return fmt.Sprintf("%s is %s, not %s", text, kind, wanted)
}

// want says what a field's type holds, in YAML's words.
func want(t reflect.Type) string {
	switch t {
	case reflect.TypeFor[Duration]():
		return "a duration (e.g. 30s, 4h, 7d, 1d12h)"
	case reflect.TypeFor[Mode]():
		return `an octal file mode (e.g. "0600")`
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
	return "another kind of value"
}

// structFields are a struct type's YAML keys: their field index, and the
// names in declaration order (for suggestions and messages).
type structFields struct {
	index map[string]int
	names []string
}

var fieldCache sync.Map // reflect.Type -> structFields

func fieldsOf(t reflect.Type) structFields {
	if f, ok := fieldCache.Load(t); ok {
		return f.(structFields)
	}
	f := structFields{index: map[string]int{}}
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ",")
		if name == "" || name == "-" {
			continue
		}
		f.index[name] = i
		f.names = append(f.names, name)
	}
	fieldCache.Store(t, f)
	return f
}

// allKeyPaths are every key path of Config, lists written "[]"
// ("health.endpoints[].url").
var allKeyPaths = sync.OnceValue(func() []string {
	var out []string
	var walk func(t reflect.Type, path string)
	walk = func(t reflect.Type, path string) {
		f := fieldsOf(t)
		for _, name := range f.names {
			p := joinKey(path, name)
			out = append(out, p)
			ft := t.Field(f.index[name]).Type
			if ft.Kind() == reflect.Slice && ft.Elem().Kind() == reflect.Struct {
				walk(ft.Elem(), p+"[]")
			} else if ft.Kind() == reflect.Struct {
				walk(ft, p)
			}
		}
	}
	walk(reflect.TypeFor[Config](), "")
	return out
})

// keyPathsNamed are the parents of the keys called name, anywhere
// ("weekday" -> "window"); "top level" for a top-level key.
func keyPathsNamed(name string) []string {
	var out []string
	for _, p := range allKeyPaths() {
		parent, last := "", p
		if i := strings.LastIndexByte(p, '.'); i >= 0 {
			parent, last = p[:i], p[i+1:]
		}
		if last == name {
			if parent == "" {
				parent = "the top level"
			}
			out = append(out, parent)
		}
	}
	return out
}
