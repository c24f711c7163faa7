package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"strconv"
)

// jsonSchemaVersion is the version of the shape of every --json output. It
// is the first key of each: a script checks it and knows the fields it
// reads mean what they meant. Raise it when a field changes meaning or
// goes away (adding a field does not raise it).
const jsonSchemaVersion = 1

func (a *app) encodeJSON(v any) error { return writeJSON(a.stdout, v) }

// encodeList writes a list under its name, so that the output is an
// object with a schema_version like every other; a nil list is [].
func (a *app) encodeList(name string, list any) error {
	return writeJSON(a.stdout, namedList{name: name, list: list})
}

type namedList struct {
	name string
	list any
}

func (l namedList) MarshalJSON() ([]byte, error) {
	items, err := marshal(l.list)
	if err != nil {
		return nil, err
	}
	if string(items) == "null" {
		items = []byte("[]")
	}
	return fmt.Appendf(nil, "{%s:%s}", strconv.Quote(l.name), items), nil
}

// writeJSON writes v as indented JSON, the shape of every --json: an
// object whose first key is schema_version. A v that is not an object
// (a list) goes under "items"; commands name their lists with encodeList.
func writeJSON(w io.Writer, v any) error {
	body, err := marshal(v)
	if err != nil {
		return fmt.Errorf("encoding json: %w", err)
	}
	head := fmt.Appendf(nil, `{"schema_version":%d`, jsonSchemaVersion)
	var out []byte
	switch {
	case isObject(body) && string(bytes.TrimSpace(body[1:])) == "}":
		out = append(head, '}')
	case isObject(body):
		out = append(append(head, ','), body[1:]...)
	default:
		if string(body) == "null" && isListType(v) {
			body = []byte("[]")
		}
		out = append(append(append(head, `,"items":`...), body...), '}')
	}
	var b bytes.Buffer
	if err := json.Indent(&b, out, "", "  "); err != nil {
		return fmt.Errorf("encoding json: %w", err)
	}
	b.WriteByte('\n')
	_, err = w.Write(b.Bytes())
	return err
}

// marshal is json.Marshal without HTML escaping: templates hold <*>, and
// this is not HTML.
func marshal(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSpace(b.Bytes()), nil
}

func isObject(b []byte) bool { return len(b) > 0 && b[0] == '{' }

func isListType(v any) bool {
	k := reflect.TypeOf(v)
	return k != nil && (k.Kind() == reflect.Slice || k.Kind() == reflect.Array)
}
