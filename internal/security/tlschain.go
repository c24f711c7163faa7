package security

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/fossawork/fossamaint/internal/finding"
	"github.com/fossawork/fossamaint/internal/human"
)

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
		r.add(finding.Critical, renew, "expired on %s, %s ago", until, human.Count(-r.DaysLeft, "day", "days"))
	case opts.Now.Before(leaf.NotBefore):
		r.add(finding.Critical, "Check the system clock, or install the certificate currently valid.",
			"not valid before %s", leaf.NotBefore.UTC().Format("2006-01-02 15:04 MST"))
	case r.DaysLeft < opts.CriticalDays:
		r.add(finding.Critical, renew, "expires on %s, in %s (critical under %d)", until, human.Count(r.DaysLeft, "day", "days"), opts.CriticalDays)
	case r.DaysLeft < opts.WarnDays:
		r.add(finding.Warning, renew, "expires on %s, in %s (warning under %d)", until, human.Count(r.DaysLeft, "day", "days"), opts.WarnDays)
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
