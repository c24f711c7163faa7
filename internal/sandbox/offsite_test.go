package sandbox

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"filippo.io/age"

	"github.com/fossawork/fossamaint/internal/config"
)

// TestWriteOffsite: the config names the server, the variables and the
// identity but holds no key; the identity (0600) decrypts for the
// configured recipient; the credentials file (0600) exports the keys.
func TestWriteOffsite(t *testing.T) {
	dir := t.TempDir()
	o := &Offsite{Endpoint: "http://127.0.0.1:9", Region: "us-east-1", Bucket: "demo-bucket",
		KeyID: "fossa0123456789ab", Secret: "0123456789abcdef0123456789abcdef01234567"}
	cfg := demoConfig(dir, "/bin/true", "127.0.0.1:1", false)
	s, err := writeOffsite(dir, o, time.Date(2026, 11, 28, 3, 0, 0, 0, time.UTC), &cfg)
	if err != nil {
		t.Fatal(err)
	}
	path, err := writeConfig(dir, cfg)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{o.KeyID, o.Secret} {
		if strings.Contains(string(raw), secret) {
			t.Errorf("%s holds a key of the S3 server", path)
		}
	}
	got, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	off := got.Backups.Offsite
	if !off.Enabled() || !off.Encrypted() || off.URL != "s3://demo-bucket/fossawork" || off.Endpoint != o.Endpoint || !off.PathStyle ||
		off.Auth.KeyIDEnv != OffsiteKeyIDEnv || off.Auth.KeyEnv != OffsiteKeyEnv || config.InstallationID(got) != "demo" {
		t.Errorf("backups.offsite = %+v, installation %q", off, config.InstallationID(got))
	}
	for _, f := range []string{s.IdentityFile, s.EnvFile} {
		if fi, err := os.Stat(f); err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: %v, mode %v; want 0600", f, err, fi.Mode().Perm())
		}
	}
	if got.Path(off.Encrypt.IdentityFile) != s.IdentityFile {
		t.Errorf("identity_file resolves to %s, want %s", got.Path(off.Encrypt.IdentityFile), s.IdentityFile)
	}
	key, err := os.ReadFile(s.IdentityFile)
	if err != nil {
		t.Fatal(err)
	}
	ids, err := age.ParseIdentities(strings.NewReader(string(key)))
	if err != nil || len(ids) != 1 {
		t.Fatalf("identity file: %d identities, %v", len(ids), err)
	}
	if r := ids[0].(*age.X25519Identity).Recipient().String(); r != off.Encrypt.Recipients[0] {
		t.Errorf("identity's recipient %s, config's %v", r, off.Encrypt.Recipients)
	}
	env, err := os.ReadFile(s.EnvFile)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"export " + OffsiteKeyIDEnv + "=" + o.KeyID + "\n", "export " + OffsiteKeyEnv + "=" + o.Secret + "\n"} {
		if !strings.Contains(string(env), want) {
			t.Errorf("%s lacks %q", s.EnvFile, want)
		}
	}
	if _, err := prepareDir(dir, false, false); err == nil {
		t.Error("prepareDir accepted a directory with an offsite/ entry without withOffsite")
	}
	if _, err := prepareDir(filepath.Join(dir, OffsiteDir, ".."), false, true); err == nil {
		t.Error("prepareDir accepted a directory with more than offsite/")
	}
	only := t.TempDir()
	if err := os.Mkdir(filepath.Join(only, OffsiteDir), 0o700); err != nil {
		t.Fatal(err)
	}
	if _, err := prepareDir(only, false, true); err != nil {
		t.Errorf("prepareDir refused a directory holding only the S3 server's offsite/: %v", err)
	}
}
