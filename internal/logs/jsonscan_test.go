package logs

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

// scanAll runs the scanner over b and returns the members and validity.
func scanAll(b []byte) ([]jsonMember, bool) {
	s := objectScanner{b: b}
	var out []jsonMember
	var m jsonMember
	for s.next(&m) {
		out = append(out, m)
	}
	return out, s.valid()
}

func TestObjectScanner(t *testing.T) {
	tests := []struct {
		in    string
		valid bool
		keys  string // the members' keys joined by ","
	}{
		{`{}`, true, ""},
		{` { } `, true, ""},
		{`{"a":1,"b":"x","c":null,"d":true,"e":false,"f":[1,{"g":[]}],"h":{"i":"j"}}`, true, "a,b,c,d,e,f,h"},
		{`{"a":-0.5e+10}`, true, "a"},
		{`{"a\u0041":1}`, true, `a\u0041`},
		{`{"a":1,}`, false, "a"},
		{`{"a":01}`, false, "a"},
		{`{"a":1.}`, false, ""},
		{`{"a":.5}`, false, ""},
		{`{"a":-}`, false, ""},
		{`{"a":1e}`, false, ""},
		{`{"a":tru}`, false, ""},
		{`{"a":"x`, false, ""},
		{`{"a":"\x"}`, false, ""},
		{`{"a":"\u12G4"}`, false, ""},
		{"{\"a\":\"tab\there\"}", false, ""},
		{`{"a":1} x`, false, "a"},
		{`{"a":1}}`, false, "a"},
		{`{"a" 1}`, false, ""},
		{`{a:1}`, false, ""},
		{`[1]`, false, ""},
		{`{"a":[1,]}`, false, ""},
		{`{"a":{"b"}}`, false, ""},
		{`{"a":[1 2]}`, false, ""},
		{strings.Repeat("[", 20000), false, ""},
		// encoding/json allows 10000 levels in all, the top object included.
		{`{"a":` + strings.Repeat("[", maxJSONDepth-1) + strings.Repeat("]", maxJSONDepth-1) + `}`, true, "a"},
		{`{"a":` + strings.Repeat("[", maxJSONDepth) + strings.Repeat("]", maxJSONDepth) + `}`, false, ""},
		{`{"a":` + strings.Repeat("[", 100) + strings.Repeat("]", 100) + `}`, true, "a"},
		{``, false, ""},
	}
	for _, tt := range tests {
		members, valid := scanAll([]byte(tt.in))
		var keys []string
		for _, m := range members {
			keys = append(keys, string(m.key))
		}
		if valid != tt.valid || strings.Join(keys, ",") != tt.keys {
			t.Errorf("scan %.40q: valid %v keys %q, want %v %q", tt.in, valid, keys, tt.valid, tt.keys)
		}
		if want := json.Valid([]byte(tt.in)) && strings.HasPrefix(strings.TrimSpace(tt.in), "{"); valid != want {
			t.Errorf("scan %.40q: valid %v, encoding/json says %v", tt.in, valid, want)
		}
	}
}

func TestAppendUnescaped(t *testing.T) {
	tests := []struct{ raw, want string }{
		{`plain`, "plain"},
		{`a\"b\\c\/d`, `a"b\c/d`},
		{`\b\f\n\r\t`, "\b\f\n\r\t"},
		{`\u00e9\u20AC`, "é€"},
		{`\ud83d\ude00`, "😀"},
		{`\ud83d`, "\uFFFD"},
		{`\ude00\ud83d x`, "\uFFFD\uFFFD x"},
		{`\ud83d\u0041`, "\uFFFDA"},
		{`\u0000`, "\x00"},
	}
	for _, tt := range tests {
		if got := string(appendUnescaped(nil, []byte(tt.raw))); got != tt.want {
			t.Errorf("unescape %q = %q, want %q", tt.raw, got, tt.want)
		}
	}
}

// FuzzObjectScanner holds the scanner to encoding/json: the same inputs are
// valid objects, the members come out in the same order with the same
// values, and strings decode to the same text.
func FuzzObjectScanner(f *testing.F) {
	fuzzSeeds(f, false)
	for _, s := range []string{`{"a":"\ud83d\ude00","b":[1,{"c":null}],"d":-1.5e3}`, `{"\u00e9":"\ud83dx"}`, `{"a":1}x`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		members, valid := scanAll(b)
		want := json.Valid(b) && bytes.HasPrefix(bytes.TrimLeft(b, " \t\r\n"), []byte("{"))
		if valid != want {
			t.Fatalf("valid = %v, encoding/json says %v", valid, want)
		}
		if !valid {
			return
		}
		seen := 0
		dec := json.NewDecoder(bytes.NewReader(b))
		if _, err := dec.Token(); err != nil {
			t.Fatal(err)
		}
		for i := 0; dec.More(); i++ {
			tok, err := dec.Token()
			if err != nil {
				t.Fatal(err)
			}
			var raw json.RawMessage
			if err := dec.Decode(&raw); err != nil {
				t.Fatal(err)
			}
			if i >= len(members) {
				t.Fatalf("encoding/json has more than %d members", len(members))
			}
			seen++
			m := members[i]
			key := string(m.key)
			if m.keyEscaped {
				key = string(appendUnescaped(nil, m.key))
			}
			if utf8.Valid(m.key) && key != tok.(string) {
				t.Fatalf("member %d key %q, encoding/json %q", i, key, tok)
			}
			if m.kind != jsonString {
				if !bytes.Equal(m.raw, raw) {
					t.Fatalf("member %d value %q, encoding/json %q", i, m.raw, raw)
				}
				continue
			}
			var s string
			if err := json.Unmarshal(raw, &s); err != nil {
				t.Fatalf("member %d: %v", i, err)
			}
			if got := string(appendUnescaped(nil, m.raw)); utf8.Valid(m.raw) && got != s {
				t.Fatalf("member %d string %q, encoding/json %q", i, got, s)
			}
		}
		if seen != len(members) {
			t.Fatalf("the scanner found %d members, encoding/json %d", len(members), seen)
		}
	})
}

func TestHasSpecialStringByte(t *testing.T) {
	for c := range 256 {
		special := c < 0x20 || c == '"' || c == '\\'
		for pos := range 8 {
			w := []byte("aaaaaaaa")
			w[pos] = byte(c)
			x := uint64(0)
			for i := 7; i >= 0; i-- {
				x = x<<8 | uint64(w[i])
			}
			if got := hasSpecialStringByte(x); got != special {
				t.Fatalf("byte %#x at %d: special = %v, want %v", c, pos, got, special)
			}
		}
	}
}
