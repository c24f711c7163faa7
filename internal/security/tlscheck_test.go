package security

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fossawork/fossamaint/internal/finding"
	"github.com/fossawork/fossamaint/internal/testkit"
)

// tlsNow is the instant every TLS test judges at.
var tlsNow = time.Date(2026, 1, 10, 12, 0, 0, 0, time.UTC)

type issued struct {
	cert *x509.Certificate
	key  crypto.Signer
}

type certSpec struct {
	cn       string
	dns      []string
	from, to time.Time
	ca       bool
	key      crypto.Signer // nil: a fresh P-256 key
	sigAlg   x509.SignatureAlgorithm
}

var serial atomic.Int64

// issue creates a certificate signed by parent, or self-signed when nil.
func issue(t testing.TB, s certSpec, parent *issued) *issued {
	t.Helper()
	if s.key == nil {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		s.key = k
	}
	if s.from.IsZero() {
		s.from, s.to = tlsNow.AddDate(0, -2, 0), tlsNow.AddDate(0, 10, 0)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(serial.Add(1)), Subject: pkix.Name{CommonName: s.cn, Organization: []string{"Fossa Test"}},
		DNSNames: s.dns, NotBefore: s.from, NotAfter: s.to, SignatureAlgorithm: s.sigAlg,
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true, IsCA: s.ca,
	}
	if s.ca {
		tmpl.KeyUsage, tmpl.ExtKeyUsage = x509.KeyUsageCertSign|x509.KeyUsageCRLSign, nil
	}
	signer, parentCert := s.key, tmpl
	if parent != nil {
		signer, parentCert = parent.key, parent.cert
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parentCert, s.key.Public(), signer)
	if err != nil {
		t.Fatalf("creating %s: %v", s.cn, err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return &issued{cert: c, key: s.key}
}

// testPKI is a root, an intermediate and a leaf for app.example.
type testPKI struct {
	root, inter, leaf *issued
	roots             *x509.CertPool
}

func newPKI(t testing.TB) testPKI {
	var p testPKI
	p.root = issue(t, certSpec{cn: "Fossa Test Root", ca: true, from: tlsNow.AddDate(-5, 0, 0), to: tlsNow.AddDate(5, 0, 0)}, nil)
	p.inter = issue(t, certSpec{cn: "Fossa Test Intermediate", ca: true, from: tlsNow.AddDate(-1, 0, 0), to: tlsNow.AddDate(2, 0, 0)}, p.root)
	p.leaf = issue(t, certSpec{cn: "app.example", dns: []string{"app.example"}}, p.inter)
	p.roots = x509.NewCertPool()
	p.roots.AddCert(p.root.cert)
	return p
}

func certPEM(certs ...*issued) []byte {
	var b []byte
	for _, c := range certs {
		b = append(b, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.cert.Raw})...)
	}
	return b
}

func keyPEM(t testing.TB, k crypto.Signer) []byte {
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
}

func tlsOpts(roots *x509.CertPool) TLSOptions {
	return TLSOptions{Now: tlsNow, WarnDays: 30, CriticalDays: 7, Roots: roots, Timeout: 5 * time.Second}
}

// wantProblems checks the report's problems: each want is "severity:
// substring", in order, and nothing else.
func wantProblems(t *testing.T, r TLSReport, want ...string) {
	t.Helper()
	if len(r.Problems) != len(want) {
		t.Fatalf("problems %+v, want %q", r.Problems, want)
	}
	for i, w := range want {
		sev, sub, _ := strings.Cut(w, ": ")
		if p := r.Problems[i]; p.Severity.String() != sev || !strings.Contains(p.Message, sub) {
			t.Errorf("problem %d = %+v, want %s", i, p, w)
		}
	}
}

func TestCheckTLSFile(t *testing.T) {
	dir := t.TempDir()
	p := newPKI(t)
	in := func(days int) certSpec {
		return certSpec{cn: "app.example", dns: []string{"app.example"}, from: tlsNow.AddDate(0, -3, 0), to: tlsNow.Add(time.Duration(days)*24*time.Hour + time.Hour)}
	}
	rsa1024, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	self := issue(t, certSpec{cn: "self.example", dns: []string{"self.example"}}, nil)
	expiredInter := issue(t, certSpec{cn: "Old Intermediate", ca: true, from: tlsNow.AddDate(-3, 0, 0), to: tlsNow.AddDate(0, -1, 0)}, p.root)
	tests := []struct {
		name       string
		data       []byte
		roots      *x509.CertPool
		serverName string
		verified   bool
		chain      int
		want       []string
	}{
		{"full chain", certPEM(p.leaf, p.inter), p.roots, "", true, 3, nil},
		{"chain with the root too", certPEM(p.leaf, p.inter, p.root), p.roots, "app.example", true, 3, nil},
		{"DER leaf and intermediate", append(slices.Clone(p.leaf.cert.Raw), p.inter.cert.Raw...), p.roots, "", true, 3, nil},
		{"intermediate missing", certPEM(p.leaf), p.roots, "", false, 1, []string{`warning: chain incomplete: issuer "CN=Fossa Test Intermediate,O=Fossa Test"`}},
		{"root not trusted", certPEM(p.leaf, p.inter, p.root), x509.NewCertPool(), "", false, 3, []string{`warning: ends at root "CN=Fossa Test Root,O=Fossa Test"`}},
		{"self-signed", certPEM(self), x509.NewCertPool(), "", false, 1, []string{"warning: self-signed"}},
		{"self-signed and trusted", certPEM(self), poolOf(self), "", true, 1, nil},
		{"hostname mismatch", certPEM(p.leaf, p.inter), p.roots, "www.example", true, 3, []string{"critical: does not cover www.example (it covers app.example)"}},
		{"20 days left", certPEM(issue(t, in(20), p.inter), p.inter), p.roots, "", true, 3, []string{"warning: in 20 days (warning under 30)"}},
		{"3 days left", certPEM(issue(t, in(3), p.inter), p.inter), p.roots, "", true, 3, []string{"critical: in 3 days (critical under 7)"}},
		{"expired", certPEM(issue(t, in(-4), p.inter), p.inter), p.roots, "", true, 3, []string{"critical: expired on"}},
		{"not yet valid", certPEM(issue(t, certSpec{cn: "n", dns: []string{"n.example"}, from: tlsNow.AddDate(0, 0, 2), to: tlsNow.AddDate(1, 0, 0)}, p.inter), p.inter),
			p.roots, "", true, 3, []string{"critical: not valid before 2026-01-12"}},
		{"SHA-1 signature", certPEM(issue(t, certSpec{cn: "sha1", dns: []string{"sha1.example"}, sigAlg: x509.ECDSAWithSHA1}, p.inter), p.inter),
			p.roots, "", false, 3, []string{"critical: weak signature (ECDSA-SHA1)"}},
		{"RSA 1024 key", certPEM(issue(t, certSpec{cn: "weak", dns: []string{"weak.example"}, key: rsa1024}, p.inter), p.inter),
			p.roots, "", true, 3, []string{"warning: weak key (RSA 1024 bits)"}},
		{"expired intermediate", certPEM(issue(t, certSpec{cn: "late", dns: []string{"late.example"}}, expiredInter), expiredInter),
			p.roots, "", false, 2, []string{"critical: a certificate in the chain is outside its validity"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := testkit.WriteFile(t, filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "_")+".pem"), tc.data, 0o600)
			r := CheckTLSFile(context.Background(), TLSTarget{Kind: TLSKindFile, Target: path, ServerName: tc.serverName}, tlsOpts(tc.roots))
			wantProblems(t, r, tc.want...)
			if r.Verified != tc.verified || len(r.Chain) != tc.chain || r.Kind != TLSKindFile || r.Target != path {
				t.Errorf("verified %v chain %q kind %s, want %v and %d", r.Verified, r.Chain, r.Kind, tc.verified, tc.chain)
			}
		})
	}
}

func poolOf(cs ...*issued) *x509.CertPool {
	p := x509.NewCertPool()
	for _, c := range cs {
		p.AddCert(c.cert)
	}
	return p
}

func TestCheckTLSFileFields(t *testing.T) {
	p := newPKI(t)
	path := testkit.WriteFile(t, filepath.Join(t.TempDir(), "fullchain.pem"), certPEM(p.leaf, p.inter), 0o600)
	r := CheckTLSFile(context.Background(), TLSTarget{Kind: TLSKindFile, Target: path}, tlsOpts(p.roots))
	want := []string{"CN=app.example,O=Fossa Test", "CN=Fossa Test Intermediate,O=Fossa Test", "CN=Fossa Test Root,O=Fossa Test"}
	if !slices.Equal(r.Chain, want) || r.Subject != want[0] || r.Issuer != want[1] {
		t.Errorf("chain %q subject %q issuer %q", r.Chain, r.Subject, r.Issuer)
	}
	if wantDays := int(p.leaf.cert.NotAfter.Sub(tlsNow).Hours() / 24); r.DaysLeft != wantDays || r.Severity() != finding.Info {
		t.Errorf("days %d (want %d), severity %s", r.DaysLeft, wantDays, r.Severity())
	}
}

func TestCheckTLSFileKey(t *testing.T) {
	dir := t.TempDir()
	p := newPKI(t)
	other, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	derKey, err := x509.MarshalECPrivateKey(p.leaf.key.(*ecdsa.PrivateKey))
	if err != nil {
		t.Fatal(err)
	}
	cert := testkit.WriteFile(t, filepath.Join(dir, "cert.pem"), certPEM(p.leaf, p.inter), 0o600)
	tests := []struct {
		name, key string
		want      []string
	}{
		{"matching PEM key", testkit.WriteFile(t, filepath.Join(dir, "good.key"), keyPEM(t, p.leaf.key), 0o600), nil},
		{"matching DER key", testkit.WriteFile(t, filepath.Join(dir, "good.der"), derKey, 0o600), nil},
		{"key of another certificate", testkit.WriteFile(t, filepath.Join(dir, "other.key"), keyPEM(t, other), 0o600), []string{"critical: does not match the certificate"}},
		{"a certificate as key", testkit.WriteFile(t, filepath.Join(dir, "cert-as.key"), certPEM(p.leaf), 0o600), []string{"critical: cannot be used"}},
		{"garbage key", testkit.WriteFile(t, filepath.Join(dir, "garbage.key"), []byte("not a key"), 0o600), []string{"critical: is not a private key"}},
		{"missing key", filepath.Join(dir, "none.key"), []string{"warning: cannot read the key file"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := CheckTLSFile(context.Background(), TLSTarget{Kind: TLSKindFile, Target: cert, KeyFile: tc.key}, tlsOpts(p.roots))
			wantProblems(t, r, tc.want...)
		})
	}
}

func TestCheckTLSFileBadInput(t *testing.T) {
	dir := t.TempDir()
	p := newPKI(t)
	unreadable := testkit.WriteFile(t, filepath.Join(dir, "unreadable.pem"), certPEM(p.leaf), 0o600)
	if err := os.Chmod(unreadable, 0); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, path string
		want       []string
		missing    bool
	}{
		{"missing", filepath.Join(dir, "none.pem"), []string{"info: no certificate file"}, true},
		{"empty", testkit.WriteFile(t, filepath.Join(dir, "empty.pem"), nil, 0o600), []string{"critical: empty file"}, false},
		{"garbage", testkit.WriteFile(t, filepath.Join(dir, "garbage.pem"), []byte("hello\x00\xff"), 0o600), []string{"critical: neither PEM nor DER"}, false},
		{"key only", testkit.WriteFile(t, filepath.Join(dir, "key.pem"), keyPEM(t, p.leaf.key), 0o600), []string{"critical: no CERTIFICATE block"}, false},
		{"corrupt block", testkit.WriteFile(t, filepath.Join(dir, "corrupt.pem"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte{0x30, 0x03, 1, 2, 3}}), 0o600),
			[]string{"critical: certificate 1:"}, false},
		{"a directory", dir, []string{"warning: cannot read"}, false},
	}
	if os.Geteuid() != 0 {
		tests = append(tests, struct {
			name, path string
			want       []string
			missing    bool
		}{"unreadable", unreadable, []string{"warning: cannot read the certificate"}, false})
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := CheckTLSFile(context.Background(), TLSTarget{Kind: TLSKindFile, Target: tc.path}, tlsOpts(p.roots))
			wantProblems(t, r, tc.want...)
			if r.Missing != tc.missing {
				t.Errorf("missing %v", r.Missing)
			}
		})
	}
}

// sniServer serves app.example's full chain, legacy.example's leaf alone
// and default.example's certificate to every other name.
func sniServer(t *testing.T, p testPKI) string {
	t.Helper()
	pair := func(key crypto.Signer, chain ...*issued) *tls.Certificate {
		c := &tls.Certificate{PrivateKey: key, Leaf: chain[0].cert}
		for _, x := range chain {
			c.Certificate = append(c.Certificate, x.cert.Raw)
		}
		return c
	}
	legacy := issue(t, certSpec{cn: "legacy.example", dns: []string{"legacy.example"}}, p.inter)
	def := issue(t, certSpec{cn: "default.example", dns: []string{"default.example"}}, p.inter)
	byName := map[string]*tls.Certificate{
		"app.example":    pair(p.leaf.key, p.leaf, p.inter),
		"legacy.example": pair(legacy.key, legacy),
	}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	srv.TLS = &tls.Config{
		Certificates: []tls.Certificate{*pair(def.key, def, p.inter)},
		GetCertificate: func(h *tls.ClientHelloInfo) (*tls.Certificate, error) {
			if c, ok := byName[h.ServerName]; ok {
				return c, nil
			}
			return pair(def.key, def, p.inter), nil
		},
	}
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the unreachable tests hang up mid-handshake
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv.Listener.Addr().String()
}

func TestCheckTLSEndpoint(t *testing.T) {
	p := newPKI(t)
	addr := sniServer(t, p)
	tests := []struct {
		name, endpoint string
		verified       bool
		subject        string
		want           []string
	}{
		{"right name", addr + ",app.example", true, "CN=app.example,O=Fossa Test", nil},
		{"name the server has no certificate for", addr + ",www.example", true, "CN=default.example,O=Fossa Test",
			[]string{"critical: does not cover www.example (it covers default.example)"}},
		{"server omits the intermediate", addr + ",legacy.example", false, "CN=legacy.example,O=Fossa Test",
			[]string{`critical: chain incomplete: issuer "CN=Fossa Test Intermediate,O=Fossa Test" of "CN=legacy.example,O=Fossa Test" is neither in the certificates the server sent`}},
		{"IP without SNI", addr, true, "CN=default.example,O=Fossa Test", []string{"critical: does not cover 127.0.0.1"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			target, err := ParseTLSEndpoint(tc.endpoint)
			if err != nil {
				t.Fatal(err)
			}
			r := CheckTLS(context.Background(), []TLSTarget{target}, tlsOpts(p.roots))[0]
			wantProblems(t, r, tc.want...)
			if r.Kind != TLSKindEndpoint || r.Verified != tc.verified || r.Subject != tc.subject || r.Protocol != "TLS 1.3" {
				t.Errorf("report %+v", r)
			}
		})
	}
}

func TestCheckTLSEndpointUnreachable(t *testing.T) {
	// One listener closes every connection, the other never answers: both
	// are warnings, and the silent one is bounded by the timeout.
	closing, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	silent, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { closing.Close(); silent.Close() })
	go func() {
		for {
			c, err := closing.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	opts := tlsOpts(x509.NewCertPool())
	opts.Timeout = 300 * time.Millisecond
	for _, addr := range []string{closing.Addr().String(), silent.Addr().String()} {
		r := CheckTLSEndpoint(context.Background(), TLSTarget{Kind: TLSKindEndpoint, Target: addr}, opts)
		wantProblems(t, r, "warning: TLS handshake failed")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r := CheckTLSEndpoint(ctx, TLSTarget{Kind: TLSKindEndpoint, Target: silent.Addr().String()}, opts)
	wantProblems(t, r, "warning: TLS handshake failed")
}

func TestParseTLSEndpoint(t *testing.T) {
	tests := []struct {
		in, addr, sni string
		ok            bool
	}{
		{"example.com:443", "example.com:443", "", true},
		{"127.0.0.1:8443,app.example", "127.0.0.1:8443", "app.example", true},
		{" [::1]:443 , app.example ", "[::1]:443", "app.example", true},
		{"example.com", "", "", false},
		{":443", "", "", false},
		{"example.com:", "", "", false},
		{"a:1,bad name", "", "", false},
		{"", "", "", false},
	}
	for _, tc := range tests {
		got, err := ParseTLSEndpoint(tc.in)
		if (err == nil) != tc.ok || got.Target != tc.addr || got.ServerName != tc.sni {
			t.Errorf("ParseTLSEndpoint(%q) = %+v, %v", tc.in, got, err)
		}
		if tc.ok && got.Kind != TLSKindEndpoint {
			t.Errorf("kind %q", got.Kind)
		}
	}
}

func TestLoadCAFile(t *testing.T) {
	dir := t.TempDir()
	p := newPKI(t)
	pool, err := LoadCAFile(testkit.WriteFile(t, filepath.Join(dir, "ca.pem"), certPEM(p.root), 0o600))
	if err != nil {
		t.Fatal(err)
	}
	path := testkit.WriteFile(t, filepath.Join(dir, "chain.pem"), certPEM(p.leaf, p.inter), 0o600)
	if r := CheckTLSFile(context.Background(), TLSTarget{Kind: TLSKindFile, Target: path}, tlsOpts(pool)); !r.Verified {
		t.Errorf("not verified with the CA file: %+v", r.Problems)
	}
	if _, err := LoadCAFile(testkit.WriteFile(t, filepath.Join(dir, "empty.pem"), []byte("nothing"), 0o600)); err == nil {
		t.Error("a CA file without certificates loaded")
	}
	if _, err := LoadCAFile(filepath.Join(dir, "none.pem")); err == nil {
		t.Error("a missing CA file loaded")
	}
}

func TestTLSReportSeverity(t *testing.T) {
	r := TLSReport{Problems: []Problem{{Severity: finding.Info}, {Severity: finding.Critical}, {Severity: finding.Warning}}}
	if r.Severity() != finding.Critical || (TLSReport{}).Severity() != finding.Info {
		t.Error("severity is not the worst problem's")
	}
}

func FuzzParseBundle(f *testing.F) {
	p := newPKI(f)
	f.Add(certPEM(p.leaf, p.inter))
	f.Add(p.leaf.cert.Raw)
	f.Add([]byte("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		certs, err := parseBundle(data)
		if err == nil && len(certs) == 0 {
			t.Fatal("no error and no certificate")
		}
		if err == nil {
			path := issuerPath(certs)
			if len(path) == 0 || len(path) > len(certs) {
				t.Fatalf("issuer path of %d from %d certificates", len(path), len(certs))
			}
		}
	})
}

func FuzzParseTLSEndpoint(f *testing.F) {
	for _, s := range []string{"example.com:443", "[::1]:443,app", "a:b,c,d", ":", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseTLSEndpoint(s)
		if err != nil {
			return
		}
		if _, _, err := net.SplitHostPort(got.Target); err != nil {
			t.Fatalf("%q parsed to unusable address %q", s, got.Target)
		}
	})
}

func TestTLSTargets(t *testing.T) {
	got, err := TLSTargets([]string{"/a.pem", "/b.pem"}, map[string]string{"/b.pem": "/b.key"}, []string{"app.example:443,www.example"})
	want := []TLSTarget{{Kind: TLSKindFile, Target: "/a.pem"}, {Kind: TLSKindFile, Target: "/b.pem", KeyFile: "/b.key"},
		{Kind: TLSKindEndpoint, Target: "app.example:443", ServerName: "www.example"}}
	if err != nil || !slices.Equal(got, want) {
		t.Errorf("TLSTargets = %+v, %v", got, err)
	}
	if _, err := TLSTargets(nil, nil, []string{"no-port"}); err == nil {
		t.Error("an endpoint without a port was accepted")
	}
}
