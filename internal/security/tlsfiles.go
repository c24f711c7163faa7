package security

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/fossawork/fossamaint/internal/finding"
	"github.com/fossawork/fossamaint/internal/human"
)

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
		return nil, fmt.Errorf("%s is larger than %s: not a certificate or key file", path, human.Bytes(maxCertFile))
	}
	return data, nil
}
