package sandbox

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// CertValidity is how long the demo certificate has left: under the 30-day
// warning threshold, so the TLS check has something to say.
const CertValidity = 20 * 24 * time.Hour

// writeCert writes a self-signed ECDSA certificate (0644) and its key
// (0600) expiring CertValidity after now. Key and signature come from
// crypto/rand: they are the only non-deterministic bytes of a demo tree.
func writeCert(root string, now time.Time, f *faker) (time.Time, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return time.Time{}, fmt.Errorf("generating certificate key: %w", err)
	}
	notAfter := now.Add(CertValidity).Truncate(time.Second)
	tmpl := &x509.Certificate{
		SerialNumber:          new(big.Int).SetUint64(f.r.Uint64() >> 1),
		Subject:               pkix.Name{CommonName: "fossawork.local", Organization: []string{"FossaWork demo"}},
		DNSNames:              []string{"localhost", "fossawork.local"},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:             now.Add(-345 * 24 * time.Hour).Truncate(time.Second),
		NotAfter:              notAfter,
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return time.Time{}, fmt.Errorf("creating certificate: %w", err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return time.Time{}, fmt.Errorf("encoding certificate key: %w", err)
	}
	dir := filepath.Join(root, "certs")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return time.Time{}, fmt.Errorf("creating %s: %w", dir, err)
	}
	crt := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	if err := writeFileTimes(filepath.Join(dir, "fossawork.crt"), crt, 0o644, tmpl.NotBefore); err != nil {
		return time.Time{}, err
	}
	pk := pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER})
	return notAfter, writeFileTimes(filepath.Join(dir, "fossawork.key"), pk, 0o600, tmpl.NotBefore)
}

// sqliteDatabaseURL is the application's DATABASE_URL of its SQLite file
// (relative to backend/, where it runs).
const sqliteDatabaseURL = "sqlite:///./fossawork_v2.db"

// writeEnv plants backend/.env world-readable (0644): a finding for the
// file-mode audit, with secrets the report must never print. databaseURL
// is its DATABASE_URL.
func writeEnv(root, databaseURL string, now time.Time, f *faker) error {
	env := fmt.Sprintf(`# FossaWork V2 backend settings
SECRET_KEY=%s
DATABASE_URL=%s
ALGORITHM=HS256
ACCESS_TOKEN_EXPIRE_MINUTES=1440
FOSSAWORK_MASTER_KEY=%s
WORKFOSSA_USERNAME=dispatch@fossawork.example
WORKFOSSA_PASSWORD=%s
SMTP_SERVER=smtp.fossawork.example
SMTP_PORT=587
SMTP_USERNAME=alerts@fossawork.example
SMTP_PASSWORD=%s
PUSHOVER_TOKEN=a%s
PUSHOVER_USER_KEY=u%s
LOG_LEVEL=INFO
`, f.hexToken(32), databaseURL, f.token(44), f.token(18), f.token(20), f.token(29), f.token(29))
	return writeFileTimes(filepath.Join(root, "backend", ".env"), []byte(env), 0o644, now.AddDate(0, -3, 0))
}

// freeLoopbackAddr asks the kernel for a free loopback port. Another
// process may take it before the backend binds it; the backend then fails
// to start with a clear error rather than serving somewhere else.
func freeLoopbackAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("finding a free loopback port: %w", err)
	}
	addr := l.Addr().String()
	if err := l.Close(); err != nil {
		return "", fmt.Errorf("releasing %s: %w", addr, err)
	}
	return addr, nil
}
