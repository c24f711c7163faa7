package security

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"net"
	"os"
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

// evaluate fills the report from a leaf-first list of certificates.
// untrusted is the severity of a chain that does not reach a trusted root:
// a warning for a file, critical for a live server clients reject.
func (r *TLSReport) evaluate(certs []*x509.Certificate, name string, opts TLSOptions, untrusted finding.Severity) {
	leaf := certs[0]
	r.Subject, r.Issuer = leaf.Subject.String(), leaf.Issuer.String()
	r.DNSNames = leaf.DNSNames
	r.NotBefore, r.NotAfter = leaf.NotBefore, leaf.NotAfter
	r.DaysLeft = int(math.Floor(leaf.NotAfter.Sub(opts.Now).Hours() / 24))
	r.checkValidity(leaf, opts)
	weakSig := r.checkStrength(certs)
	if name != "" {
		if err := leaf.VerifyHostname(name); err != nil {
			r.add(finding.Critical, "Install a certificate whose names include it, or use a name the certificate covers.",
				"the certificate does not cover %s (it covers %s)", name, coveredNames(leaf))
		}
	}
	r.checkChain(certs, opts, untrusted, weakSig)
}

func (r *TLSReport) checkValidity(leaf *x509.Certificate, opts TLSOptions) {
	until := leaf.NotAfter.UTC().Format("2006-01-02 15:04 MST")
	renew := "Renew the certificate, install it and reload the web server."
	switch {
	case opts.Now.After(leaf.NotAfter):
		r.add(finding.Critical, renew, "expired on %s, %d days ago", until, -r.DaysLeft)
	case opts.Now.Before(leaf.NotBefore):
		r.add(finding.Critical, "Check the system clock, or install the certificate currently valid.",
			"not valid before %s", leaf.NotBefore.UTC().Format("2006-01-02 15:04 MST"))
	case r.DaysLeft < opts.CriticalDays:
		r.add(finding.Critical, renew, "expires on %s, in %d days (critical under %d)", until, r.DaysLeft, opts.CriticalDays)
	case r.DaysLeft < opts.WarnDays:
		r.add(finding.Warning, renew, "expires on %s, in %d days (warning under %d)", until, r.DaysLeft, opts.WarnDays)
	}
}

// weakSignatures are the algorithms clients no longer accept.
var weakSignatures = map[x509.SignatureAlgorithm]bool{
	x509.MD2WithRSA: true, x509.MD5WithRSA: true, x509.SHA1WithRSA: true,
	x509.DSAWithSHA1: true, x509.DSAWithSHA256: true, x509.ECDSAWithSHA1: true,
}

// checkStrength flags weak keys (RSA under 2048 bits, ECDSA under 256,
// DSA) and MD5/SHA-1 signatures on the leaf and intermediates. A root's
// own signature is never checked by clients, so a self-signed certificate
// above the leaf is skipped. It reports whether a weak signature was seen.
func (r *TLSReport) checkStrength(certs []*x509.Certificate) bool {
	weakSig := false
	for i, c := range certs {
		if i > 0 && isSelfSigned(c) {
			continue
		}
		role := "the certificate"
		if i > 0 {
			role = fmt.Sprintf("intermediate %q", c.Subject.CommonName)
		}
		if desc, weak := keyWeakness(c); weak {
			r.add(finding.Warning, "Reissue it with an RSA key of at least 2048 bits or an ECDSA P-256 key.", "%s has a weak key (%s)", role, desc)
		}
		if weakSignatures[c.SignatureAlgorithm] {
			weakSig = true
			r.add(finding.Critical, "Reissue it signed with SHA-256 or better; clients reject MD5 and SHA-1 signatures.",
				"%s has a weak signature (%s)", role, c.SignatureAlgorithm)
		}
	}
	return weakSig
}

func keyWeakness(c *x509.Certificate) (string, bool) {
	switch k := c.PublicKey.(type) {
	case *rsa.PublicKey:
		bits := k.N.BitLen()
		return fmt.Sprintf("RSA %d bits", bits), bits < 2048
	case *ecdsa.PublicKey:
		bits := k.Curve.Params().BitSize
		return fmt.Sprintf("ECDSA %s", k.Curve.Params().Name), bits < 256
	case ed25519.PublicKey:
		return "Ed25519", false
	}
	if c.PublicKeyAlgorithm == x509.DSA {
		return "DSA", true
	}
	return c.PublicKeyAlgorithm.String(), false
}

// checkChain verifies the leaf against the roots with the other
// certificates as intermediates. The clock is clamped into the leaf's
// validity so an expired leaf, already reported, does not hide a broken
// chain.
func (r *TLSReport) checkChain(certs []*x509.Certificate, opts TLSOptions, untrusted finding.Severity, weakSig bool) {
	leaf := certs[0]
	inter := x509.NewCertPool()
	for _, c := range certs[1:] {
		inter.AddCert(c)
	}
	at := opts.Now
	if at.After(leaf.NotAfter) {
		at = leaf.NotAfter
	}
	if at.Before(leaf.NotBefore) {
		at = leaf.NotBefore
	}
	chains, err := leaf.Verify(x509.VerifyOptions{Intermediates: inter, Roots: opts.Roots, CurrentTime: at,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}})
	if err == nil {
		r.Verified = true
		r.Chain = subjects(chains[0])
		return
	}
	path := issuerPath(certs)
	r.Chain = subjects(path)
	anchor := anchorOf(path[len(path)-1], opts.Roots, at)
	var unknown x509.UnknownAuthorityError
	var invalid x509.CertificateInvalidError
	var insecure x509.InsecureAlgorithmError
	switch {
	case errors.As(err, &insecure):
		if !weakSig {
			r.add(finding.Critical, "Reissue the chain with SHA-256 signatures.", "the chain uses an insecure algorithm: %v", err)
		}
	case errors.As(err, &unknown) && anchor != nil:
		// Every link is present; a signature inside failed, most likely
		// the weak one already reported.
		r.Chain = append(r.Chain, subjects(anchor[1:])...)
		if !weakSig {
			r.add(untrusted, "Install the chain the CA issued for this certificate.", "the chain does not verify: %v", err)
		}
	case errors.As(err, &unknown):
		r.untrustedChain(path, untrusted)
	case errors.As(err, &invalid) && invalid.Reason == x509.IncompatibleUsage:
		r.add(finding.Warning, "Reissue it with the serverAuth extended key usage.", "the certificate is not valid for TLS servers (extended key usage)")
	case errors.As(err, &invalid) && invalid.Reason == x509.Expired:
		r.add(finding.Critical, "Install the CA's current intermediate certificates.", "a certificate in the chain is outside its validity: %v", err)
	default:
		r.add(untrusted, "Install the full chain the CA issued.", "the chain does not verify: %v", err)
	}
}

// untrustedChain names why the chain stops: a self-signed certificate, a
// root nobody trusts, or an issuer neither supplied nor trusted.
func (r *TLSReport) untrustedChain(path []*x509.Certificate, sev finding.Severity) {
	top := path[len(path)-1]
	switch {
	case len(path) == 1 && isSelfSigned(top):
		r.add(sev, "Use a certificate from a trusted CA, or name the CA that clients trust in security.tls_ca_file.",
			"self-signed: not issued by a trusted CA")
	case isSelfSigned(top):
		r.add(sev, "Name the private CA in security.tls_ca_file if clients trust it; otherwise use a public CA.",
			"the chain ends at root %q, which is not trusted", top.Subject.String())
	default:
		where := "the file"
		if r.Kind == TLSKindEndpoint {
			where = "the certificates the server sent"
		}
		r.add(sev, "Install the full chain (leaf then intermediates, e.g. fullchain.pem) so clients can verify it.",
			"chain incomplete: issuer %q of %q is neither in %s nor a trusted root", top.Issuer.String(), top.Subject.String(), where)
	}
}

// anchorOf is c's chain to a trusted root (c first), nil when c is
// neither a trusted root nor issued by one.
func anchorOf(c *x509.Certificate, roots *x509.CertPool, at time.Time) []*x509.Certificate {
	chains, err := c.Verify(x509.VerifyOptions{Roots: roots, CurrentTime: at, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}})
	if err != nil || len(chains) == 0 {
		return nil
	}
	return chains[0]
}

// issuerPath follows issuers from the leaf through the given certificates
// as far as they go, without loops. A link signed with an insecure
// algorithm still counts: the weakness is reported on its own.
func issuerPath(certs []*x509.Certificate) []*x509.Certificate {
	path := []*x509.Certificate{certs[0]}
	used := map[int]bool{0: true}
	for cur := certs[0]; !isSelfSigned(cur); {
		next := -1
		for i, c := range certs {
			if !used[i] && signedBy(cur, c) {
				next = i
				break
			}
		}
		if next < 0 {
			break
		}
		used[next] = true
		cur = certs[next]
		path = append(path, cur)
	}
	return path
}

func signedBy(c, parent *x509.Certificate) bool {
	if string(c.RawIssuer) != string(parent.RawSubject) {
		return false
	}
	var insecure x509.InsecureAlgorithmError
	err := c.CheckSignatureFrom(parent)
	return err == nil || errors.As(err, &insecure)
}

// isSelfSigned: issued by its own subject and verifiable with its own key.
// CheckSignatureFrom would also demand the CA flag, which many self-signed
// server certificates lack.
func isSelfSigned(c *x509.Certificate) bool {
	return string(c.RawIssuer) == string(c.RawSubject) &&
		c.CheckSignature(c.SignatureAlgorithm, c.RawTBSCertificate, c.Signature) == nil
}

func subjects(certs []*x509.Certificate) []string {
	out := make([]string, len(certs))
	for i, c := range certs {
		out[i] = c.Subject.String()
	}
	return out
}

func coveredNames(c *x509.Certificate) string {
	var names []string
	names = append(names, c.DNSNames...)
	for _, ip := range c.IPAddresses {
		names = append(names, ip.String())
	}
	if len(names) == 0 {
		return "no names (no subjectAltName)"
	}
	return strings.Join(names, ", ")
}

// checkKey loads the certificate with its key as a server would.
func (r *TLSReport) checkKey(leaf *x509.Certificate, keyPath string) {
	data, err := readLimited(keyPath)
	if err != nil {
		r.add(finding.Warning, "Run the check as a user that can read the key (usually root).", "cannot read the key file %s: %v", keyPath, err)
		return
	}
	keyPEM, err := asKeyPEM(data)
	if err != nil {
		r.add(finding.Critical, "Point security.tls_keys at the certificate's private key.", "the key file %s is not a private key: %v", keyPath, err)
		return
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: leaf.Raw})
	if _, err := tls.X509KeyPair(certPEM, keyPEM); err != nil {
		if strings.Contains(err.Error(), "does not match") {
			r.add(finding.Critical, "Install the key the certificate was issued for (the web server will not start with this pair).",
				"the key file %s does not match the certificate", keyPath)
			return
		}
		r.add(finding.Critical, "Point security.tls_keys at the certificate's private key.", "the key file %s cannot be used: %v", keyPath, err)
	}
}

// asKeyPEM passes PEM through and wraps a DER key (PKCS#8, PKCS#1 or
// SEC 1) as PKCS#8 PEM, the form tls.X509KeyPair reads.
func asKeyPEM(data []byte) ([]byte, error) {
	if block, _ := pem.Decode(data); block != nil {
		return data, nil
	}
	var key any
	var err error
	if key, err = x509.ParsePKCS8PrivateKey(data); err != nil {
		if key, err = x509.ParsePKCS1PrivateKey(data); err != nil {
			if key, err = x509.ParseECPrivateKey(data); err != nil {
				return nil, errors.New("neither PEM nor a DER private key")
			}
		}
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

// parseBundle reads every certificate of a PEM bundle (skipping keys and
// text between blocks) or, without any PEM block, of concatenated DER.
// The first is the leaf, as web servers expect.
func parseBundle(data []byte) ([]*x509.Certificate, error) {
	var certs []*x509.Certificate
	sawPEM := false
	for rest := data; ; {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		sawPEM = true
		if block.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("certificate %d: %w", len(certs)+1, err)
		}
		certs = append(certs, c)
	}
	switch {
	case len(certs) > 0:
		return certs, nil
	case sawPEM:
		return nil, errors.New("PEM data holds no CERTIFICATE block")
	case len(data) == 0:
		return nil, errors.New("empty file")
	}
	certs, err := x509.ParseCertificates(data)
	if err != nil {
		return nil, fmt.Errorf("neither PEM nor DER: %w", err)
	}
	if len(certs) == 0 {
		return nil, errors.New("no certificate")
	}
	return certs, nil
}

func readLimited(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxCertFile+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxCertFile {
		return nil, fmt.Errorf("%s is larger than %d bytes: not a certificate or key file", path, maxCertFile)
	}
	return data, nil
}
