package redact

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestString(t *testing.T) {
	tests := []struct {
		name, in string
		secrets  []string
		want     string
	}{
		{"listed secret", "connect with s3cr3t-value now", []string{"s3cr3t-value"}, "connect with [REDACTED] now"},
		{"every occurrence", "ab12cd ab12cd", []string{"ab12cd"}, "[REDACTED] [REDACTED]"},
		{"longest secret wins", "key hunter2hunter2", []string{"hunter2", "hunter2hunter2"}, "key [REDACTED]"},
		{"short values are not secrets", "a abc abcd", []string{"abc", "", "abcd"}, "a abc [REDACTED]"},
		{"password=", "login password=hunter22 ok", nil, "login password=[REDACTED] ok"},
		{"env style", "DB_PASSWORD='x9y8z7' set", nil, "DB_PASSWORD='[REDACTED]' set"},
		{"json style", `{"api_key": "AKIA123", "user": "bob"}`, nil, `{"api_key": "[REDACTED]", "user": "bob"}`},
		{"json closing brace", `{"token":abc}`, nil, `{"token":[REDACTED]}`},
		{"query token", "GET /api?user=1&access_token=abc.def&x=2", nil, "GET /api?user=1&access_token=[REDACTED]&x=2"},
		{"bearer", "Authorization: Bearer eyJhbGciOi.J9.x-y_z", nil, "Authorization: Bearer [REDACTED]"},
		{"basic", "authorization=Basic dXNlcjpwYXNz", nil, "authorization=Basic [REDACTED]"},
		{"url userinfo", "postgres://app:pa55w0rd@db:5432/x", nil, "postgres://app:[REDACTED]@db:5432/x"},
		{"url without user", "redis://:pa55w0rd@cache:6379", nil, "redis://:[REDACTED]@cache:6379"},
		{"prose untouched", "Failed password for root from 203.0.113.7", nil, "Failed password for root from 203.0.113.7"},
		{"idempotent", "password=[REDACTED] Bearer [REDACTED]", nil, "password=[REDACTED] Bearer [REDACTED]"},
		{"log style colon", "connecting with password: hunter22", nil, "connecting with password: [REDACTED]"},
		{"count after colon", "bearer_token: 1, password_or_token: 3", nil, "bearer_token: 1, password_or_token: 3"},
		{"json number field", `{"/etc/passwd": 1, "token_ttl": 3600, "secret": null}`, nil, `{"/etc/passwd": 1, "token_ttl": 3600, "secret": null}`},
		{"json array field", `{"secrets_in_logs": [{"kind": "bearer_token"}]}`, nil, `{"secrets_in_logs": [{"kind": "bearer_token"}]}`},
		{"number after =", "pin password=12345678", nil, "pin password=[REDACTED]"},
		{"escaped quote stays", `{"m": "password=abc\"x"}`, nil, `{"m": "password=[REDACTED]\"x"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := New(tt.secrets).String(tt.in); got != tt.want {
				t.Errorf("String(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
	var nilRedactor *Redactor
	if got := nilRedactor.String("token=abc"); got != "token=[REDACTED]" {
		t.Errorf("nil Redactor: %q", got)
	}
}

func TestArgs(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"plain", []string{"uvicorn", "app.main:app", "--port", "8000"}, "uvicorn app.main:app --port 8000"},
		{"password flag value", []string{"mysql", "--password=hunter2", "-u", "root"}, "mysql --password=[REDACTED] -u root"},
		{"password next arg", []string{"tool", "--password", "hunter2", "--verbose"}, "tool --password [REDACTED] --verbose"},
		{"flag then flag", []string{"tool", "--token", "--verbose"}, "tool --token --verbose"},
		{"token assignment", []string{"curl", "https://x/api?a=1", "token=abc123"}, "curl https://x/api?a=1 token=[REDACTED]"},
		{"env style", []string{"env", "API_KEY=s3cr3t", "SECRET_KEY=x", "HOME=/root"}, "env API_KEY=[REDACTED] SECRET_KEY=[REDACTED] HOME=/root"},
		{"header", []string{"curl", "-H", "Authorization: Bearer abc.def"}, "curl -H Authorization: [REDACTED]"},
		{"url credentials", []string{"psql", "postgresql://fossa:pa55@db:5432/fossawork"}, "psql postgresql://fossa:[REDACTED]@db:5432/fossawork"},
		{"url in assignment", []string{"DATABASE_URL=postgresql://u:pass@h/db"}, "DATABASE_URL=postgresql://u:[REDACTED]@h/db"},
		{"listed value anywhere", []string{"run", "--name", "fossa-prod-1"}, "run --name [REDACTED]"},
	}
	r := New([]string{"fossa-prod-1"})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := strings.Join(r.Args(tt.args), " "); got != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
	if Args(nil) != nil {
		t.Error("Args(nil) is not nil")
	}
}

func TestURL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"https://admin:hunter2@example.test/api/health?token=abc123&x=1", "https://admin:[REDACTED]@example.test/api/health?token=[REDACTED]&x=1"},
		{"http://127.0.0.1:8000/health", "http://127.0.0.1:8000/health"},
		{"http://h/?api_key=k&password=p", "http://h/?api_key=[REDACTED]&password=[REDACTED]"},
		{"not a url password=x", "not a url password=[REDACTED]"},
	}
	for _, tt := range tests {
		if got := URL(tt.in); got != tt.want {
			t.Errorf("URL(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestListed(t *testing.T) {
	r := New([]string{"hunter22"})
	if got := string(r.Listed([]byte("a hunter22 b password=x"))); got != "a [REDACTED] b password=x" {
		t.Errorf("Listed = %q: only listed secrets, not labelled ones", got)
	}
}

func FuzzString(f *testing.F) {
	f.Add("password=hunter22 and s3cr3t", "s3cr3t")
	f.Add("Bearer abc.def and a tok_1234 token", "tok_1234")
	f.Add("https://u:p@h/ x=1", "zzzz")
	f.Add("abab abab", "abab")
	f.Fuzz(func(t *testing.T, s, secret string) {
		r := New([]string{secret})
		got := r.String(s)
		// A secret sharing characters with the marker can be rebuilt from
		// the marker and its neighbours; every other must be gone.
		markerish := strings.ContainsAny(secret, "[]REDACT")
		if len(secret) >= MinSecretLen && !markerish && strings.Contains(got, secret) {
			t.Errorf("String(%q) with %q = %q still holds the secret", s, secret, got)
		}
		if again := r.String(got); !markerish && again != got {
			t.Errorf("not idempotent: %q then %q", got, again)
		}
	})
}

func TestWriter(t *testing.T) {
	var b strings.Builder
	w := NewWriter(&b, nil)
	n, err := w.Write([]byte("connect postgres://u:pw12345@db/x as fossa-prod-1\n"))
	if err != nil || n != len("connect postgres://u:pw12345@db/x as fossa-prod-1\n") {
		t.Fatalf("Write = %d, %v", n, err)
	}
	w.SetRedactor(New([]string{"fossa-prod-1"}))
	_, _ = w.Write([]byte("again fossa-prod-1\n"))
	if got, want := b.String(), "connect postgres://u:[REDACTED]@db/x as fossa-prod-1\nagain [REDACTED]\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if w.Underlying() != &b {
		t.Error("Underlying is not the wrapped writer")
	}
}

// FuzzJSONStaysJSON: redacting a JSON document (what --json prints goes
// through the Writer) leaves valid JSON, whatever the keys and values.
func FuzzJSONStaysJSON(f *testing.F) {
	f.Add("password", "hunter22", 1.0, "s3cr3t-x")
	f.Add("/etc/passwd", "postgres://u:p\"w@h/", 3.0, "abcd")
	f.Add("secrets_in_logs", `Bearer x\`, -2.5, "[RED")
	f.Fuzz(func(t *testing.T, key, val string, num float64, secret string) {
		doc, err := json.Marshal(map[string]any{key: val, key + "_n": num, key + "_a": []any{val, num, nil}, "m": key + "=" + val})
		if err != nil {
			return
		}
		got := New([]string{secret}).String(string(doc))
		if !json.Valid([]byte(got)) && !strings.ContainsAny(secret, `"\{}[]:,0123456789.eE+-tfnrul `) {
			t.Fatalf("redacting %s gave invalid JSON %s", doc, got)
		}
	})
}
