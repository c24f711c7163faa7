package redact

import (
	"bytes"
	"encoding/json"
)

// JSON redacts a JSON document without breaking it: each string is
// decoded, redacted as text and encoded again (strings that do not change
// keep their bytes, so the layout is untouched), and a string value under
// a secret-named key ("password": "x") is replaced whole. Numbers, literals
// and structure pass as they are. ok is false, and nothing is done, when b
// is not one valid JSON document (JSON lines need one call per line). A
// key that is a path or a file name ("/etc/passwd") labels no secret.
func (r *Redactor) JSON(b []byte) (out []byte, ok bool) {
	if !json.Valid(b) {
		return nil, false
	}
	out = make([]byte, 0, len(b))
	secretValue := false // the last key named a secret
	for i := 0; i < len(b); {
		c := b[i]
		if c != '"' {
			if c == ',' || c == '{' || c == '[' {
				secretValue = false
			}
			out = append(out, c)
			i++
			continue
		}
		end := stringEnd(b, i)
		raw := b[i:end]
		var s string
		_ = json.Unmarshal(raw, &s) // valid: json.Valid passed
		j := end
		for j < len(b) && isSpace(b[j]) {
			j++
		}
		isKey := j < len(b) && b[j] == ':'
		var red string
		switch {
		case isKey:
			red = r.String(s)
			secretValue = labelKey(s)
		case secretValue && s != "" && s != Marker:
			red = Marker
		default:
			red = r.String(s)
		}
		if red == s {
			out = append(out, raw...)
		} else {
			out = appendJSONString(out, red)
		}
		i = end
	}
	return out, true
}

// stringEnd returns the index just past the string starting at b[i] (a
// quote) in valid JSON.
func stringEnd(b []byte, i int) int {
	for j := i + 1; j < len(b); j++ {
		switch b[j] {
		case '\\':
			j++
		case '"':
			return j + 1
		}
	}
	return len(b)
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// appendJSONString appends s encoded as a JSON string, without escaping
// <, > and & (the documents are not HTML).
func appendJSONString(dst []byte, s string) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	return append(dst, bytes.TrimSuffix(buf.Bytes(), []byte("\n"))...)
}
