package cli

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

func TestWriteJSONCarriesTheSchemaVersionFirst(t *testing.T) {
	var nilList []string
	for _, tc := range []struct {
		name string
		v    any
		want string
	}{
		{"object", struct {
			A string `json:"a"`
		}{"<x>"}, `{"schema_version":1,"a":"<x>"}`},
		{"empty object", struct{}{}, `{"schema_version":1}`},
		{"list", []int{1, 2}, `{"schema_version":1,"items":[1,2]}`},
		{"nil list", nilList, `{"schema_version":1,"items":[]}`},
		{"named nil list", namedList{"backups", nilList}, `{"schema_version":1,"backups":[]}`},
		{"named list", namedList{"runs", []string{"a"}}, `{"schema_version":1,"runs":["a"]}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := writeJSON(&b, tc.v); err != nil {
				t.Fatal(err)
			}
			var compact bytes.Buffer
			if err := json.Compact(&compact, b.Bytes()); err != nil {
				t.Fatalf("not JSON: %v\n%s", err, b.String())
			}
			if got := compact.String(); got != tc.want {
				t.Errorf("got %s, want %s", got, tc.want)
			}
			if !strings.HasSuffix(b.String(), "}\n") {
				t.Errorf("output does not end in a newline: %q", b.String())
			}
		})
	}
}
