package config

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"
)

// A bcrypt hash of "correct horse", cost 4 (the minimum: tests stay fast).
const testHash = "$2a$04$c7HhskWWLIjv/Tb/OzM2WetjT8EMc1iykS6kGjEp/DAXDe7GwsXdq"

func TestServeValidation(t *testing.T) {
	if err := bcrypt.CompareHashAndPassword([]byte(testHash), []byte("correct horse")); err != nil {
		t.Fatalf("the test hash does not match its password: %v", err)
	}
	tests := []struct {
		name, yaml string
		want       string // "" for valid; else file:line:col: key: message prefix
	}{
		{"defaults", "", ""},
		{"token and hash", "serve:\n  addr: 0.0.0.0:8090\n  auth:\n    token: 0123456789abcdef0123\n    password_hash: '" + testHash + "'\n", ""},
		{"ipv6 loopback", "serve:\n  addr: '[::1]:0'\n", ""},
		{"host name", "serve:\n  addr: dash.example.test:443\n", ""},
		{"tls pair", "serve:\n  tls:\n    cert: c.pem\n    key: k.pem\n", ""},
		{"no port", "serve:\n  addr: 127.0.0.1\n", `c.yaml:3:3: serve.addr: "127.0.0.1" is not host:port`},
		{"bad port", "serve:\n  addr: ':http'\n", `c.yaml:3:3: serve.addr: port "http" of ":http" is not a port number`},
		{"bad host", "serve:\n  addr: 'a b:80'\n", `c.yaml:3:3: serve.addr: host "a b" of "a b:80" is not an IP address or a host name`},
		{"short token", "serve:\n  auth:\n    token: abc123\n", "c.yaml:4:5: serve.auth.token: 6 characters are too few: use at least 16"},
		{"plain password", "serve:\n  auth:\n    password_hash: hunter2hunter2\n", "c.yaml:4:5: serve.auth.password_hash: 14 characters that are not a bcrypt hash"},
		{"truncated hash", "serve:\n  auth:\n    password_hash: '" + testHash[:40] + "'\n", "c.yaml:4:5: serve.auth.password_hash: 40 characters that are not a bcrypt hash"},
		{"ttl", "serve:\n  auth:\n    session_ttl: 31d\n", "c.yaml:4:5: serve.auth.session_ttl: 31d is out of range [1m, 30d]"},
		{"cert only", "serve:\n  tls:\n    cert: c.pem\n", "c.yaml:4:5: serve.tls.key: must be set with serve.tls.cert"},
		{"key only", "serve:\n  tls:\n    key: k.pem\n", "c.yaml:4:5: serve.tls.cert: must be set with serve.tls.key"},
		{"actions type", "serve:\n  actions: sometimes\n", `c.yaml:3:3: serve.actions: "sometimes" is a string, not true or false`},
	}
	dir := t.TempDir()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(dir, "c.yaml")
			if err := os.WriteFile(p, []byte("root: .\n"+tt.yaml), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := Load(p)
			got := ""
			if err != nil {
				got = strings.ReplaceAll(err.Error(), dir+string(filepath.Separator), "")
			}
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("want valid, got %v", got)
			case tt.want != "" && !strings.Contains(got, tt.want):
				t.Fatalf("got %q\nwant it to hold %q", got, tt.want)
			}
		})
	}
}

func TestServeDefaults(t *testing.T) {
	s := Default().Serve
	if s.Addr != "127.0.0.1:8090" || s.Auth.SessionTTL.D().Hours() != 12 || !s.Actions || s.Auth.Enabled() {
		t.Fatalf("defaults: %+v", s)
	}
	b, err := Commented()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"\n# The dashboard (fossamaint serve)", "\nserve:\n  addr: 127.0.0.1:8090\n", "    session_ttl: 12h\n"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("config init output lacks %q", want)
		}
	}
}

// TestServeSecretsRedacted: the token and the hash are in Secrets (so
// every output redacts them) and never in Redacted's YAML (config show).
func TestServeSecretsRedacted(t *testing.T) {
	const token = "s3cr3t-dashboard-token-0042"
	cfg, err := Parse("c.yaml", []byte("root: /srv/fw\nserve:\n  auth:\n    token: ${TOK}\n    password_hash: '"+testHash+"'\n"),
		func(k string) (string, bool) { return token, k == "TOK" })
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Serve.Auth.Token != token {
		t.Fatalf("${TOK} not expanded: %q", cfg.Serve.Auth.Token)
	}
	if s := Secrets(cfg); !slices.Contains(s, token) || !slices.Contains(s, testHash) {
		t.Errorf("Secrets = %q: want the token and the hash", s)
	}
	out, err := Marshal(Redacted(cfg))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(out), token) || strings.Contains(string(out), testHash) {
		t.Fatalf("a serve secret survived redaction:\n%s", out)
	}
	if cfg.Serve.Auth.Token != token {
		t.Fatal("Redacted changed its input")
	}
}
