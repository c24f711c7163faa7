package cli

import (
	"slices"
	"testing"
)

// A note repeated every second (a pid file missing for hours) is said once,
// and again only after something else was said.
func TestOnceNoter(t *testing.T) {
	tests := []struct {
		in, want []string
	}{
		{nil, nil},
		{[]string{"a", "a", "a"}, []string{"a"}},
		{[]string{"a", "b", "b", "a"}, []string{"a", "b", "a"}},
	}
	for _, tt := range tests {
		var got []string
		note := onceNoter(func(s string) { got = append(got, s) })
		for _, s := range tt.in {
			note(s)
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("notes %q said %q, want %q", tt.in, got, tt.want)
		}
	}
}
