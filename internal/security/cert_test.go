package security

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"io/fs"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fossawork/fossamaint/internal/finding"
)

var (
	notBefore = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	notAfter  = time.Date(2025, 4, 1, 0, 0, 0, 0, time.UTC)
)

type testCerts struct {
	selfSigned, leaf, ca []byte // DER
	keyPEM               []byte
}

func makeCerts(t testing.TB) testCerts {
	t.Helper()
	key := func() *ecdsa.PrivateKey {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	create := func(tmpl, parent *x509.Certificate, pub, signer *ecdsa.PrivateKey) []byte {
		der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &pub.PublicKey, signer)
		if err != nil {
			t.Fatal(err)
		}
		return der
	}
	serverKey, caKey := key(), key()
	server := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "fossawork.example"},
		DNSNames: []string{"fossawork.example", "www.fossawork.example"}, NotBefore: notBefore, NotAfter: notAfter,
	}
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "Test CA"}, IsCA: true,
		BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign, NotBefore: notBefore, NotAfter: notAfter.AddDate(5, 0, 0),
	}
	var c testCerts
	c.selfSigned = create(server, server, serverKey, serverKey)
	c.ca = create(caTmpl, caTmpl, caKey, caKey)
	caCert, err := x509.ParseCertificate(c.ca)
	if err != nil {
		t.Fatal(err)
	}
	c.leaf = create(server, caCert, serverKey, caKey)
	kder, err := x509.MarshalECPrivateKey(serverKey)
	if err != nil {
		t.Fatal(err)
	}
	c.keyPEM = pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder})
	return c
}

func pemCert(der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

func cat(parts ...[]byte) []byte {
	var out []byte
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

func TestCertExpiry(t *testing.T) {
	c := makeCerts(t)
	dir := t.TempDir()
	now := notAfter.Add(-(29*24 + 12) * time.Hour) // 29.5 days left
	cases := []struct {
		name       string
		data       []byte
		now        time.Time
		daysLeft   int
		expired    bool
		selfSigned bool
		count      int
		wantErr    string
	}{
		{"self-signed PEM", pemCert(c.selfSigned), now, 29, false, true, 1, ""},
		{"CA-issued PEM", pemCert(c.leaf), now, 29, false, false, 1, ""},
		{"bundle with key and text first", cat([]byte("Bag Attributes\n"), c.keyPEM, pemCert(c.leaf), pemCert(c.ca)), now, 29, false, false, 2, ""},
		{"DER", c.selfSigned, now, 29, false, true, 1, ""},
		{"expired an hour ago", pemCert(c.leaf), notAfter.Add(time.Hour), -1, true, false, 1, ""},
		{"expires in exactly a day", pemCert(c.leaf), notAfter.Add(-24 * time.Hour), 1, false, false, 1, ""},
		{"key only", c.keyPEM, now, 0, false, false, 0, "no CERTIFICATE block"},
		{"garbage", []byte("not a certificate at all"), now, 0, false, false, 0, "parsing certificate"},
		{"empty", nil, now, 0, false, false, 0, "empty file"},
		{"truncated PEM", pemCert(c.leaf)[:200], now, 0, false, false, 0, "parsing certificate"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "_")+".crt")
			if err := os.WriteFile(path, tc.data, 0o600); err != nil {
				t.Fatal(err)
			}
			info, err := CertExpiry(path, tc.now)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !strings.Contains(err.Error(), path) {
					t.Fatalf("error %v, want one naming %s and saying %q", err, path, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if info.DaysLeft != tc.daysLeft || info.Expired != tc.expired || info.SelfSigned != tc.selfSigned ||
				info.Certificates != tc.count || info.CommonName != "fossawork.example" || len(info.DNSNames) != 2 ||
				!info.NotAfter.Equal(notAfter) || info.Path != path {
				t.Errorf("info %+v", info)
			}
		})
	}
}

func TestCertExpiryMissing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "fossawork.crt")
	if _, err := CertExpiry(path, notBefore); !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), path) {
		t.Fatalf("error %v: want fs.ErrNotExist naming the file", err)
	}
}

func TestEvaluateCert(t *testing.T) {
	base := CertInfo{Path: "/etc/ssl/certs/fossawork.crt", CommonName: "fossawork.example", NotBefore: notBefore, NotAfter: notAfter}
	with := func(f func(*CertInfo)) CertInfo { c := base; f(&c); return c }
	cases := []struct {
		name     string
		info     CertInfo
		severity finding.Severity
		wantMsg  string
	}{
		{"plenty left", with(func(c *CertInfo) { c.DaysLeft = 60 }), finding.Info, "valid until 2025-04-01 00:00 UTC (60 days left)"},
		{"at the threshold", with(func(c *CertInfo) { c.DaysLeft = 30 }), finding.Info, "30 days left"},
		{"under the threshold", with(func(c *CertInfo) { c.DaysLeft = 29 }), finding.Warning, "in 29 days (warning under 30): renew it"},
		{"expired", with(func(c *CertInfo) { c.DaysLeft, c.Expired = -3, true }), finding.Critical, "expired on 2025-04-01 00:00 UTC, 3 days ago"},
		{"one day left", with(func(c *CertInfo) { c.DaysLeft = 1 }), finding.Warning, "in 1 day (warning under 30)"},
		{"expired yesterday", with(func(c *CertInfo) { c.DaysLeft, c.Expired = -1, true }), finding.Critical, ", 1 day ago"},
		{"not yet valid", with(func(c *CertInfo) { c.DaysLeft, c.NotYetValid = 100, true }), finding.Warning, "not valid before 2025-01-01"},
		{"self-signed is said", with(func(c *CertInfo) { c.DaysLeft, c.SelfSigned = 60, true }), finding.Info, "(fossawork.example), self-signed,"},
		{"DNS name when no CN", with(func(c *CertInfo) { c.DaysLeft, c.CommonName, c.DNSNames = 60, "", []string{"alt.example"} }), finding.Info, "(alt.example)"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sev, msg := EvaluateCert(tc.info, 30)
			if sev != tc.severity || !strings.Contains(msg, tc.wantMsg) || !strings.Contains(msg, base.Path) {
				t.Errorf("EvaluateCert = %q, %q; want %q containing %q", sev, msg, tc.severity, tc.wantMsg)
			}
		})
	}
}

func FuzzParseCert(f *testing.F) {
	c := makeCerts(f)
	f.Add(pemCert(c.leaf))
	f.Add(cat(c.keyPEM, pemCert(c.leaf), pemCert(c.ca)))
	f.Add(c.selfSigned)
	f.Add([]byte("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		info, err := ParseCert(data, notBefore)
		if err == nil && info.Certificates < 1 {
			t.Fatalf("parsed without a certificate: %+v", info)
		}
	})
}
