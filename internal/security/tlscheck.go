package security

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"strings"
	"time"

	"github.com/fossawork/fossamaint/internal/finding"
)

// TLS target kinds.
const (
	TLSKindFile     = "file"
	TLSKindEndpoint = "endpoint"
)

// DefaultTLSTimeout bounds one endpoint's connect and handshake.
const DefaultTLSTimeout = 10 * time.Second

// maxCertFile bounds what is read of a certificate or key file: a
// misconfigured path pointing at a database must not be slurped whole.
const maxCertFile = 4 << 20

// Problem is one thing wrong with a certificate, with what to do about it.
type Problem struct {
	Severity       finding.Severity `json:"severity"`
	Message        string           `json:"message"`
	Recommendation string           `json:"recommendation,omitempty"`
}

// TLSTarget is a certificate file (with an optional private key) or a
// live endpoint to check.
type TLSTarget struct {
	Kind string `json:"kind"`
	// Target is the file path or the endpoint's host:port.
	Target  string `json:"target"`
	KeyFile string `json:"key_file,omitempty"`
	// ServerName is the name the certificate must cover. For endpoints it
	// is also the SNI sent; empty means the address's host. For files,
	// empty skips the hostname check.
	ServerName string `json:"server_name,omitempty"`
}

// TLSReport is what one target's check found. Problem messages do not
// repeat the target.
type TLSReport struct {
	Target     string    `json:"target"`
	Kind       string    `json:"kind"`
	ServerName string    `json:"server_name,omitempty"`
	KeyFile    string    `json:"key_file,omitempty"`
	Subject    string    `json:"subject,omitempty"`
	Issuer     string    `json:"issuer,omitempty"`
	DNSNames   []string  `json:"dns_names,omitempty"`
	NotBefore  time.Time `json:"not_before,omitzero"`
	NotAfter   time.Time `json:"not_after,omitzero"`
	// DaysLeft is floor((NotAfter - now) / 24h): negative once expired.
	DaysLeft int `json:"days_left"`
	// Chain lists subjects from the leaf up: the verified chain, or as far
	// as the file or the server's certificates lead.
	Chain []string `json:"chain"`
	// Verified: the chain reaches a trusted root (hostname aside).
	Verified bool `json:"verified"`
	// Protocol is the TLS version an endpoint negotiated.
	Protocol string `json:"protocol,omitempty"`
	// Missing: the certificate file does not exist.
	Missing  bool      `json:"missing,omitempty"`
	Problems []Problem `json:"problems"`
}

// Severity is the worst problem's severity, finding.Info when none.
func (r TLSReport) Severity() finding.Severity {
	worst := finding.Info
	for _, p := range r.Problems {
		worst = finding.Worst(worst, p.Severity)
	}
	return worst
}

func (r *TLSReport) add(sev finding.Severity, rec, format string, a ...any) {
	r.Problems = append(r.Problems, Problem{Severity: sev, Message: fmt.Sprintf(format, a...), Recommendation: rec})
}

// TLSOptions are the thresholds and trust for CheckTLS.
type TLSOptions struct {
	// Now is the instant expiry is judged at.
	Now time.Time
	// WarnDays and CriticalDays: fewer days left than these is a warning,
	// critical.
	WarnDays, CriticalDays int
	// Roots are the trusted roots; nil means the system's.
	Roots *x509.CertPool
	// Timeout bounds one endpoint's connect and handshake (default
	// DefaultTLSTimeout).
	Timeout time.Duration
}

// ParseTLSEndpoint reads "host:port" or "host:port,sni" (IPv6 as
// "[::1]:443").
func ParseTLSEndpoint(s string) (TLSTarget, error) {
	addr, sni, _ := strings.Cut(strings.TrimSpace(s), ",")
	addr, sni = strings.TrimSpace(addr), strings.TrimSpace(sni)
	host, port, err := net.SplitHostPort(addr)
	if err != nil || host == "" || port == "" {
		return TLSTarget{}, fmt.Errorf("TLS endpoint %q: want host:port or host:port,sni", s)
	}
	if strings.ContainsAny(sni, " \t/") {
		return TLSTarget{}, fmt.Errorf("TLS endpoint %q: %q is not a server name", s, sni)
	}
	return TLSTarget{Kind: TLSKindEndpoint, Target: addr, ServerName: sni}, nil
}

// TLSTargets lists certificate files (each with its key from keys,
// cert path to key path, when there) then endpoints ("host:port[,sni]").
// Paths are taken as given: resolve them against the root first.
func TLSTargets(certs []string, keys map[string]string, endpoints []string) ([]TLSTarget, error) {
	out := make([]TLSTarget, 0, len(certs)+len(endpoints))
	for _, c := range certs {
		out = append(out, TLSTarget{Kind: TLSKindFile, Target: c, KeyFile: keys[c]})
	}
	for _, e := range endpoints {
		t, err := ParseTLSEndpoint(e)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

// LoadCAFile reads PEM roots for TLSOptions.Roots.
func LoadCAFile(path string) (*x509.CertPool, error) {
	data, err := readLimited(path)
	if err != nil {
		return nil, fmt.Errorf("reading CA file %s: %w", path, err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(data) {
		return nil, fmt.Errorf("CA file %s holds no PEM certificate", path)
	}
	return pool, nil
}

// CheckTLS checks each target in order; ctx cancels the rest.
func CheckTLS(ctx context.Context, targets []TLSTarget, opts TLSOptions) []TLSReport {
	opts = opts.withRoots()
	out := make([]TLSReport, 0, len(targets))
	for _, t := range targets {
		if t.Kind == TLSKindEndpoint {
			out = append(out, CheckTLSEndpoint(ctx, t, opts))
		} else {
			out = append(out, CheckTLSFile(ctx, t, opts))
		}
	}
	return out
}

// withRoots resolves nil Roots to the system pool once; without one (a
// minimal container) nothing is trusted and chains say so.
func (o TLSOptions) withRoots() TLSOptions {
	if o.Roots == nil {
		pool, err := x509.SystemCertPool()
		if err != nil {
			pool = x509.NewCertPool()
		}
		o.Roots = pool
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTLSTimeout
	}
	return o
}

func newTLSReport(t TLSTarget, kind string) TLSReport {
	return TLSReport{Target: t.Target, Kind: kind, ServerName: t.ServerName, KeyFile: t.KeyFile,
		Chain: []string{}, Problems: []Problem{}}
}

// CheckTLSFile checks a PEM or DER certificate file: expiry, chain (the
// certificates after the first are its intermediates), strength, the
// hostname when t.ServerName is set, and that t.KeyFile is its key.
func CheckTLSFile(ctx context.Context, t TLSTarget, opts TLSOptions) TLSReport {
	opts = opts.withRoots()
	r := newTLSReport(t, TLSKindFile)
	if err := ctx.Err(); err != nil {
		r.add(finding.Warning, "", "not checked: %v", err)
		return r
	}
	data, err := readLimited(t.Target)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		r.Missing = true
		r.add(finding.Info, "Remove it from security.tls_certs if this host serves no TLS itself.", "no certificate file")
		return r
	case err != nil:
		r.add(finding.Warning, "Run the check as a user that can read the certificate.", "cannot read the certificate: %v", err)
		return r
	}
	certs, err := parseBundle(data)
	if err != nil {
		r.add(finding.Critical, "Replace the file with the PEM certificate chain the CA issued.", "not a usable certificate file: %v", err)
		return r
	}
	r.evaluate(certs, t.ServerName, opts, finding.Warning)
	if t.KeyFile != "" {
		r.checkKey(certs[0], t.KeyFile)
	}
	return r
}

// CheckTLSEndpoint connects to t.Target with SNI, takes the certificates
// the server presents without trusting them, then verifies them itself so
// every problem is reported rather than only the first.
func CheckTLSEndpoint(ctx context.Context, t TLSTarget, opts TLSOptions) TLSReport {
	opts = opts.withRoots()
	if t.ServerName == "" {
		if host, _, err := net.SplitHostPort(t.Target); err == nil {
			t.ServerName = host
		}
	}
	r := newTLSReport(t, TLSKindEndpoint)
	state, err := fetchChain(ctx, t.Target, t.ServerName, opts.Timeout)
	if err != nil {
		r.add(finding.Warning, "Check that the server is up and listens for TLS on this port.", "TLS handshake failed: %v", err)
		return r
	}
	r.Protocol = tls.VersionName(state.Version)
	if state.Version < tls.VersionTLS12 {
		r.add(finding.Warning, "Allow only TLS 1.2 and 1.3 in the server's configuration.", "the server negotiated %s", r.Protocol)
	}
	if len(state.PeerCertificates) == 0 {
		r.add(finding.Critical, "", "the server presented no certificate")
		return r
	}
	r.evaluate(state.PeerCertificates, t.ServerName, opts, finding.Critical)
	return r
}

// fetchChain completes a handshake only to read the server's certificates:
// verification is CheckTLSEndpoint's, with its own roots and clock.
func fetchChain(ctx context.Context, addr, sni string, timeout time.Duration) (tls.ConnectionState, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	d := tls.Dialer{Config: &tls.Config{
		ServerName:         sni,
		InsecureSkipVerify: true, // the chain is verified afterwards, with every problem named
		MinVersion:         tls.VersionTLS10,
	}}
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return tls.ConnectionState{}, fmt.Errorf("connecting to %s: %w", addr, err)
	}
	defer conn.Close()
	return conn.(*tls.Conn).ConnectionState(), nil
}
