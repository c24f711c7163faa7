package security

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"time"

	"github.com/fossawork/fossamaint/internal/finding"
	"github.com/fossawork/fossamaint/internal/human"
)

// CertInfo describes the first certificate of a PEM bundle or DER file.
type CertInfo struct {
	Path       string    `json:"path"`
	CommonName string    `json:"common_name"`
	DNSNames   []string  `json:"dns_names,omitempty"`
	Issuer     string    `json:"issuer"`
	NotBefore  time.Time `json:"not_before"`
	NotAfter   time.Time `json:"not_after"`
	// DaysLeft is floor((NotAfter - now) / 24h): negative once expired.
	DaysLeft    int  `json:"days_left"`
	Expired     bool `json:"expired"`
	NotYetValid bool `json:"not_yet_valid,omitempty"`
	SelfSigned  bool `json:"self_signed"`
	// Certificates counts the certificates in the file (a bundle has more
	// than one; only the first, the server's, is described).
	Certificates int `json:"certificates"`
}

// CertExpiry reads a certificate file and describes its first certificate
// as of now.
func CertExpiry(path string, now time.Time) (CertInfo, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return CertInfo{Path: path}, fmt.Errorf("reading certificate %s: %w", path, err)
	}
	info, err := ParseCert(data, now)
	info.Path = path
	if err != nil {
		return info, fmt.Errorf("parsing certificate %s: %w", path, err)
	}
	return info, nil
}

// ParseCert describes the first certificate of a PEM bundle or DER data
// (read as parseBundle reads them).
func ParseCert(data []byte, now time.Time) (CertInfo, error) {
	certs, err := parseBundle(data)
	if err != nil {
		return CertInfo{}, err
	}
	cert := certs[0]
	info := CertInfo{
		CommonName:   cert.Subject.CommonName,
		DNSNames:     cert.DNSNames,
		Issuer:       cert.Issuer.String(),
		NotBefore:    cert.NotBefore,
		NotAfter:     cert.NotAfter,
		DaysLeft:     int(math.Floor(cert.NotAfter.Sub(now).Hours() / 24)),
		Expired:      now.After(cert.NotAfter),
		NotYetValid:  now.Before(cert.NotBefore),
		Certificates: len(certs),
	}
	// Self-signed: issued by its own subject and verifiable with its own
	// key. CheckSignatureFrom would also demand the CA flag, which many
	// self-signed server certificates lack.
	info.SelfSigned = bytes.Equal(cert.RawIssuer, cert.RawSubject) &&
		cert.CheckSignature(cert.SignatureAlgorithm, cert.RawTBSCertificate, cert.Signature) == nil
	return info, nil
}

// EvaluateCert grades a certificate: critical once expired, warning under
// warnDays left or before its validity starts, info otherwise.
func EvaluateCert(info CertInfo, warnDays int) (severity finding.Severity, message string) {
	name := info.CommonName
	if name == "" && len(info.DNSNames) > 0 {
		name = info.DNSNames[0]
	}
	subject := fmt.Sprintf("certificate %s (%s)", info.Path, name)
	if info.SelfSigned {
		subject += ", self-signed,"
	}
	until := info.NotAfter.UTC().Format("2006-01-02 15:04 MST")
	switch {
	case info.Expired:
		return finding.Critical, fmt.Sprintf("%s expired on %s, %s ago: renew and install it, then reload the web server",
			subject, until, human.Count(-info.DaysLeft, "day", "days"))
	case info.NotYetValid:
		return finding.Warning, fmt.Sprintf("%s is not valid before %s: check the system clock or the certificate",
			subject, info.NotBefore.UTC().Format("2006-01-02 15:04 MST"))
	case info.DaysLeft < warnDays:
		return finding.Warning, fmt.Sprintf("%s expires on %s, in %s (warning under %d): renew it",
			subject, until, human.Count(info.DaysLeft, "day", "days"), warnDays)
	}
	return finding.Info, fmt.Sprintf("%s valid until %s (%s left)", subject, until, human.Count(info.DaysLeft, "day", "days"))
}
