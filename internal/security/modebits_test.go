package security

import "testing"

func TestShellQuote(t *testing.T) {
	cases := map[string]string{
		"backend/.env":     "backend/.env",
		"/a b":             "'/a b'",
		"$(rm -rf /)":      "'$(rm -rf /)'",
		"":                 "''",
		"it's":             `'it'\''s'`,
		"/srv/app@1.2/x=y": "/srv/app@1.2/x=y",
	}
	for in, want := range cases {
		if got := shellQuote(in); got != want {
			t.Errorf("shellQuote(%q) = %q, want %q", in, got, want)
		}
	}
}
