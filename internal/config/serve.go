package config

import (
	"net"
	"strconv"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/fossawork/fossamaint/internal/redact"
)

// Serve configures `fossamaint serve`, the dashboard.
type Serve struct {
	// Addr is host:port to listen on. A non-loopback address needs Auth:
	// serve refuses to start without it.
	Addr string    `yaml:"addr"`
	Auth ServeAuth `yaml:"auth"`
	TLS  ServeTLS  `yaml:"tls"`
	// Actions offers the dashboard's actions (verify the newest backup, a
	// weekly dry run), as POSTs; they need Auth: without it there are none.
	Actions bool `yaml:"actions"`
}

// ServeAuth is how the dashboard's users sign in: a bearer token, a
// bcrypt password hash, or both. Neither: no authentication, which serve
// accepts on a loopback address only.
type ServeAuth struct {
	// Token is a bearer token (Authorization: Bearer TOKEN, or typed
	// into the login form), usually ${FOSSAMAINT_SERVE_TOKEN}. Redacted
	// everywhere.
	Token string `yaml:"token"`
	// PasswordHash is a bcrypt hash of the login form's password
	// (htpasswd -nbBC 12 "" PASSWORD | cut -d: -f2).
	PasswordHash string `yaml:"password_hash"`
	// SessionTTL is how long a login lasts.
	SessionTTL Duration `yaml:"session_ttl"`
}

// Enabled is true when a token or a password hash is set.
func (a ServeAuth) Enabled() bool { return a.Token != "" || a.PasswordHash != "" }

// ServeTLS are the certificate and key files (PEM) of an HTTPS dashboard;
// both or neither. Relative paths resolve against root.
type ServeTLS struct {
	Cert string `yaml:"cert"`
	Key  string `yaml:"key"`
}

// MinServeTokenLen is the shortest bearer token accepted.
const MinServeTokenLen = 16

func defaultServe() Serve {
	return Serve{Addr: "127.0.0.1:8090", Auth: ServeAuth{SessionTTL: Duration(12 * time.Hour)}, Actions: true}
}

func (c Config) validateServe(add addFunc) {
	s := c.Serve
	if host, port, err := net.SplitHostPort(s.Addr); err != nil {
		add("serve.addr", "%q is not host:port (e.g. 127.0.0.1:8090, or 0.0.0.0:8090 with serve.auth)", s.Addr)
	} else if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		add("serve.addr", "port %q of %q is not a port number (0 to 65535)", port, s.Addr)
	} else if host != "" && net.ParseIP(host) == nil && host != "localhost" && !validHostname(host) {
		add("serve.addr", "host %q of %q is not an IP address or a host name", host, s.Addr)
	}
	if t := s.Auth.Token; t != "" && len(t) < MinServeTokenLen {
		// Never quote the token, even a bad one. The message starts with
		// the count: after "token:" a word would read as the secret and
		// be redacted from the message.
		add("serve.auth.token", "%d characters are too few: use at least %d (e.g. the output of `openssl rand -hex 32`)", len(t), MinServeTokenLen)
	}
	if h := s.Auth.PasswordHash; h != "" {
		if _, err := bcrypt.Cost([]byte(h)); err != nil {
			// Starts with a number, for the same reason as the token's.
			add("serve.auth.password_hash", "%d characters that are not a bcrypt hash (60 characters starting $2a$, $2b$ or $2y$): make one with `htpasswd -nbBC 12 \"\" PASSWORD | cut -d: -f2`", len(h))
		}
	}
	if ttl := s.Auth.SessionTTL.D(); ttl < time.Minute || ttl > 30*24*time.Hour {
		add("serve.auth.session_ttl", "%s is out of range [1m, 30d]", s.Auth.SessionTTL)
	}
	switch {
	case s.TLS.Cert != "" && s.TLS.Key == "":
		add("serve.tls.key", "must be set with serve.tls.cert (both or neither)")
	case s.TLS.Cert == "" && s.TLS.Key != "":
		add("serve.tls.cert", "must be set with serve.tls.key (both or neither)")
	}
}

// validHostname is a DNS name: letters, digits, dashes and dots.
func validHostname(h string) bool {
	if len(h) > 253 {
		return false
	}
	for _, r := range h {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '.':
		default:
			return false
		}
	}
	return true
}

func (s Serve) redacted() Serve {
	if s.Auth.Token != "" {
		s.Auth.Token = redact.Marker
	}
	if s.Auth.PasswordHash != "" {
		s.Auth.PasswordHash = redact.Marker
	}
	return s
}

func (s Serve) secrets() []string {
	return []string{s.Auth.Token, s.Auth.PasswordHash}
}
