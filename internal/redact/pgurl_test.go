package redact

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestParsePGURL(t *testing.T) {
	for _, tc := range []struct {
		in                    string
		user, pw, host, path  string
		hasPW                 bool
		redacted, noPasswords string
		password              string
	}{
		{"postgres://app:pw@db:5432/fw?sslmode=require", "app", "pw", "db:5432", "/fw", true,
			"postgres://app:[REDACTED]@db:5432/fw?sslmode=require", "postgres://app@db:5432/fw?sslmode=require", "pw"},
		{"postgresql://app:s3cr#et@/fw?host=/run/postgresql&password=q", "app", "s3cr#et", "", "/fw", true,
			"postgresql://app:[REDACTED]@/fw?host=/run/postgresql&password=[REDACTED]", "postgresql://app@/fw?host=/run/postgresql", "q"},
		{"postgres:///fw?host=/tmp/x", "", "", "", "/fw", false, "postgres:///fw?host=/tmp/x", "postgres:///fw?host=/tmp/x", ""},
		{"postgres://db", "", "", "db", "", false, "postgres://db", "postgres://db", ""},
		{"postgres://app:a%2Fb@h1,h2:5433/fw", "app", "a%2Fb", "h1,h2:5433", "/fw", true,
			"postgres://app:[REDACTED]@h1,h2:5433/fw", "postgres://app@h1,h2:5433/fw", "a/b"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			u, ok := ParsePGURL(tc.in)
			if !ok || u.User != tc.user || u.Password != tc.pw || u.HostPort != tc.host || u.Path != tc.path || u.HasPassword != tc.hasPW {
				t.Fatalf("parsed %+v %v", u, ok)
			}
			if u.String() != tc.in {
				t.Errorf("String %q", u.String())
			}
			if got := u.Redacted(); got != tc.redacted {
				t.Errorf("Redacted %q, want %q", got, tc.redacted)
			}
			without, pw, _ := u.WithoutPasswords()
			if without.String() != tc.noPasswords || pw != tc.password {
				t.Errorf("WithoutPasswords %q %q, want %q %q", without.String(), pw, tc.noPasswords, tc.password)
			}
		})
	}
	if _, ok := ParsePGURL("mysql://u:p@h/d"); ok {
		t.Error("mysql URL parsed")
	}
}

func FuzzParsePGURL(f *testing.F) {
	for _, s := range []string{"postgres://a:b@h/d?password=c", "postgresql://a:b#c@/d?host=/x", "postgres://", "postgres://@/?&=", "postgres://a:s/e@h"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		u, ok := ParsePGURL(s)
		if !ok {
			return
		}
		if u.String() != s {
			t.Fatalf("round trip %q -> %q", s, u.String())
		}
		red := u.Redacted()
		for _, sec := range PGURLSecrets(s) {
			if len(sec) >= 3 && strings.Contains(red, sec) && !strings.Contains(Marker, sec) {
				// A secret may also occur elsewhere in the URL by chance
				// (a host named like it); only fail when the URL had it once.
				if strings.Count(s, sec) == 1 {
					t.Fatalf("Redacted(%q) = %q keeps %q", s, red, sec)
				}
			}
		}
	})
}

// TestScrubPGURL: every form of the password leaves the error's text (the
// URL whole, the password as written, decoded and query-escaped), and the
// error's chain stays.
func TestScrubPGURL(t *testing.T) {
	cause := errors.New("cause")
	for _, tc := range []struct{ raw, text string }{
		{"postgres://app:s3cr%40t@db/fw", "dial postgres://app:s3cr%40t@db/fw failed"},
		{"postgres://app:s3cr%40t@db/fw", "password s3cr@t rejected"},
		{"postgres://app@db/fw?password=s3cr%40t+x", "option password=s3cr%40t%2Bx"},
		{"postgresql://app:s3cr#et@/fw?host=/run/postgresql", "bad password s3cr#et"},
	} {
		err := ScrubPGURL(fmt.Errorf("%s: %w", tc.text, cause), tc.raw)
		if strings.Contains(err.Error(), "s3cr") || !strings.Contains(err.Error(), Marker) {
			t.Errorf("%q: scrubbed to %q", tc.text, err)
		}
		if !errors.Is(err, cause) {
			t.Errorf("%q: the chain is lost", tc.text)
		}
	}
	plain := errors.New("no password here")
	if ScrubPGURL(plain, "postgres://app:s3cr@db/fw") != plain || ScrubPGURL(nil, "postgres://a:b@h/d") != nil {
		t.Error("an error without the password is not returned as it is")
	}
}
