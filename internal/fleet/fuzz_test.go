package fleet

import (
	"strings"
	"testing"

	"github.com/fossawork/fossamaint/internal/redact"
)

// FuzzParseURL: history.url is read without panicking, and what is said
// of a URL that cannot be read never holds its password.
func FuzzParseURL(f *testing.F) {
	for _, s := range []string{"postgres://fleet:s3cret@db.example:5432/fleet?sslmode=require",
		"postgresql://u@/fleet?host=/run/postgresql&password=s3cret", "postgres://u:p@[::1", "postgres://u:pa%zz@h/d",
		"mysql://u:p@h/d", "postgres://u:p@h:99999/d", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		_, err := parseURL(raw)
		if err == nil {
			return
		}
		for _, pw := range redact.PGURLSecrets(raw) {
			if len(pw) >= 4 && strings.Contains(err.Error(), pw) && !strings.Contains(RedactURL(raw), pw) {
				t.Fatalf("error %q holds the password %q", err, pw)
			}
		}
	})
}
