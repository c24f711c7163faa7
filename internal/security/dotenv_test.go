package security

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/fossawork/fossamaint/internal/redact"
)

func TestParseDotenv(t *testing.T) {
	cases := []struct {
		name string
		in   string
		want []EnvVar
	}{
		{"plain", "A=1\nB = two words \n", []EnvVar{{"A", "1", 1}, {"B", "two words", 2}}},
		{"export and comments", "# comment\n\nexport TOKEN=abc # trailing\n  # indented\nURL=http://x/#anchor\n",
			[]EnvVar{{"TOKEN", "abc", 3}, {"URL", "http://x/#anchor", 5}}},
		{"double quotes with escapes", `PASSWORD="p@ss \"word\"\n2" # c` + "\n", []EnvVar{{"PASSWORD", "p@ss \"word\"\n2", 1}}},
		{"single quotes are literal", `SECRET_KEY='a\nb # not a comment'` + "\n", []EnvVar{{"SECRET_KEY", `a\nb # not a comment`, 1}}},
		{"multi-line quoted", "KEY=\"line1\nline2\"\nNEXT=3\n", []EnvVar{{"KEY", "line1\nline2", 1}, {"NEXT", "3", 3}}},
		{"unterminated quote reads the line", "A=\"open\nB=2\n", []EnvVar{{"A", `"open`, 1}, {"B", "2", 2}}},
		{"CRLF", "A=1\r\nB='x'\r\n", []EnvVar{{"A", "1", 1}, {"B", "x", 2}}},
		{"empty value", "EMPTY=\nQ=''\n", []EnvVar{{"EMPTY", "", 1}, {"Q", "", 2}}},
		{"junk lines skipped", "just text\n=novalue\n9BAD=1\nbad key=1\nexport\nexportX=1\nOK=1", []EnvVar{{"exportX", "1", 6}, {"OK", "1", 7}}},
		{"equals in value", "DATABASE_URL=postgresql://u:p=w@h/db?x=1\n", []EnvVar{{"DATABASE_URL", "postgresql://u:p=w@h/db?x=1", 1}}},
		{"commented assignment is not read", "# PASSWORD=\"x\ny\"\nA=1\n", []EnvVar{{"A", "1", 3}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := ParseDotenv([]byte(tc.in))
			if !slices.Equal(got, tc.want) {
				t.Errorf("ParseDotenv(%q)\n got %+v\nwant %+v", tc.in, got, tc.want)
			}
		})
	}
}

func TestEnvSecrets(t *testing.T) {
	dir := t.TempDir()
	env := `# FossaWork V2 backend
SECRET_KEY=f0ss4w0rk-jwt-signing-secret
export WORKFOSSA_PASSWORD="hunter2 with spaces"
API_TOKEN='tok_live_123456'
DATABASE_URL=postgresql://fossa:p%40ss%3Aword@db.internal:5432/fossawork
SQLITE_URL=sqlite:///./fossawork_v2.db
DB_PASSWD=abc
SMTP_PASSWORD=true
ENCRYPTION_KEY=short
DEBUG=false
PORT=8000
LOG_LEVEL=INFO
DUP_TOKEN=tok_live_123456
`
	path := filepath.Join(dir, ".env")
	if err := os.WriteFile(path, []byte(env), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := EnvSecrets(path)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"f0ss4w0rk-jwt-signing-secret",
		"hunter2 with spaces",
		"tok_live_123456",
		"p%40ss%3Aword",
		"p@ss:word",
		"short",
	}
	if !slices.Equal(got, want) {
		t.Fatalf("EnvSecrets = %q\nwant %q", got, want)
	}
	for i := 1; i < len(got); i++ {
		if len(got[i]) > len(got[i-1]) {
			t.Errorf("not longest first: %q", got)
		}
	}
}

func TestEnvSecretsMissingAndUnreadable(t *testing.T) {
	dir := t.TempDir()
	got, err := EnvSecrets(filepath.Join(dir, ".env"))
	if got != nil || err != nil {
		t.Fatalf("missing file: %q, %v; want nil, nil", got, err)
	}
	if _, err := EnvSecrets(dir); err == nil || !strings.Contains(err.Error(), dir) {
		t.Fatalf("a directory: %v, want an error naming it", err)
	}
}

func FuzzParseDotenv(f *testing.F) {
	f.Add([]byte("A=1\nexport B=\"x\\\"y\"\n# c\nC='multi\nline'\n"))
	f.Add([]byte("DATABASE_URL=postgresql://u:pw@h/db\nSECRET=\"unterminated\n"))
	f.Add([]byte("\r\n=\n\"\n'\nexport \nK=\"\\"))
	f.Add([]byte{0xff, '=', 0xfe, '\n'})
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > maxFuzzLen {
			return
		}
		vars := ParseDotenv(data)
		lines := strings.Count(string(data), "\n") + 1
		for _, v := range vars {
			if !validKey(v.Key) || v.Line < 1 || v.Line > lines {
				t.Fatalf("bad var %+v from %q", v, data)
			}
			if utf8.Valid(data) && !utf8.ValidString(v.Value) {
				t.Fatalf("valid input gave invalid UTF-8 value %q", v.Value)
			}
		}
		for _, s := range Secrets(vars) {
			if len(s) < redact.MinSecretLen {
				t.Fatalf("short secret %q", s)
			}
		}
	})
}

// TestSecretsSkipsSettingNumbers: ACCESS_TOKEN_EXPIRE_MINUTES=1440 is a
// setting; redacting "1440" cut a report's timestamps in half.
func TestSecretsSkipsSettingNumbers(t *testing.T) {
	vars := ParseDotenv([]byte("ACCESS_TOKEN_EXPIRE_MINUTES=1440\nSMTP_PASSWORD_PORT=587\nAPI_KEY=12345678901234\nSECRET_KEY=s3cr3t-v4lue\n"))
	got := Secrets(vars)
	want := []string{"12345678901234", "s3cr3t-v4lue"}
	if !slices.Equal(got, want) {
		t.Fatalf("Secrets = %q, want %q", got, want)
	}
}
