package offsite

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"

	"github.com/fossawork/fossamaint/internal/backup"
	"github.com/fossawork/fossamaint/internal/testkit"
)

// TestEncryptedPushHidesPlaintext: no object in the backend contains the
// marker every row and .env hold, the remote manifest records both
// hashes, and a fetch gives back every file byte for byte.
func TestEncryptedPushHidesPlaintext(t *testing.T) {
	srv := testkit.S3(t)
	s := newSite(t, 300)
	daily := s.take(t, backup.KindDaily, t0)
	r := remoteFor(t, srv, "site-a", withAge(t))
	res := push(t, r, s.list(t, t0), t0)
	if len(res.Pushed) != 1 || !res.Pushed[0].Encrypted || res.Pushed[0].Stored <= res.Pushed[0].Bytes {
		t.Fatalf("pushed %+v", res.Pushed)
	}
	files := 0
	err := filepath.WalkDir(filepath.Join(srv.Root, srv.Bucket), func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		files++
		if strings.Contains(p, "/index/") {
			if bytes.Contains(data, []byte(marker)) {
				t.Errorf("remote manifest %s holds the plaintext marker", p)
			}
			return nil
		}
		if !strings.HasSuffix(p, EncryptedSuffix) || !bytes.HasPrefix(data, []byte("age-encryption.org/v1\n")) {
			t.Errorf("%s is not an age file", p)
		}
		if bytes.Contains(data, []byte(marker)) || bytes.Contains(data, []byte("SQLite format 3")) {
			t.Errorf("%s holds plaintext", p)
		}
		return nil
	})
	if err != nil || files < 6 {
		t.Fatalf("walked %d backend files: %v", files, err)
	}
	l, err := r.List(context.Background(), t0)
	if err != nil {
		t.Fatal(err)
	}
	m := l.Backups[0].Manifest
	db, _ := m.object(m.Database)
	if db.SHA256 != daily.Manifest.SHA256 || db.CipherSHA256 == "" || db.CipherSHA256 == db.SHA256 {
		t.Errorf("remote manifest entry %+v", db)
	}
	dir := t.TempDir()
	f, err := r.Fetch(context.Background(), l.Backups[0].ID, dir)
	if err != nil || !f.OK() {
		t.Fatalf("fetch: %v %+v", err, f.Objects)
	}
	setDir := filepath.Dir(daily.Path)
	for _, rel := range []string{testkit.DBName, "manifest.json", ".env", "data/settings.json", "data/users/u1.json"} {
		want, _ := os.ReadFile(filepath.Join(setDir, rel))
		got, err := os.ReadFile(filepath.Join(dir, "20261128", rel))
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s differs after fetch (%v)", rel, err)
		}
	}
	if target, err := os.Readlink(filepath.Join(dir, "20261128", "data", "current.json")); err != nil || target != "settings.json" {
		t.Errorf("symlink: %q %v", target, err)
	}
	deep, err := backup.VerifyDeep(context.Background(), f.Backup, backup.VerifyOptions{})
	if err != nil || !deep.Verified() {
		t.Errorf("the fetched set does not verify as a local backup: %v %v", err, deep.Problems())
	}
}

// TestEncryptedVerifyWithoutIdentity checks the ciphertext only and says
// so; a restore test needs the identity.
func TestEncryptedVerifyWithoutIdentity(t *testing.T) {
	srv := testkit.S3(t)
	s := newSite(t, 50)
	s.take(t, backup.KindWeekly, t0)
	r := remoteFor(t, srv, "site-a", withAge(t))
	res := push(t, r, s.list(t, t0), t0)
	pushOnly := remoteFor(t, srv, "site-a", withAge(t), func(o *Options) { o.IdentityFile = "" })
	v, err := pushOnly.Verify(context.Background(), res.Pushed[0].ID, VerifyOptions{})
	if err != nil || !v.OK || v.PlaintextChecked || len(v.Notes) == 0 {
		t.Fatalf("verify without identity: %v %+v", err, v)
	}
	if _, err := pushOnly.Verify(context.Background(), res.Pushed[0].ID, VerifyOptions{RestoreTest: true}); err == nil ||
		!strings.Contains(err.Error(), "identity_file") {
		t.Errorf("a restore test without identity: %v", err)
	}
	// Another identity cannot decrypt: a problem, not a pass.
	wrong := remoteFor(t, srv, "site-a", withAge(t))
	v, err = wrong.Verify(context.Background(), res.Pushed[0].ID, VerifyOptions{})
	if err != nil || v.OK {
		t.Errorf("verify with the wrong identity: %v %+v", err, v)
	}
}

// TestSSHRecipient encrypts to an ssh-ed25519 public key and decrypts
// with its OpenSSH private key.
func TestSSHRecipient(t *testing.T) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	sshPub, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	block, err := ssh.MarshalPrivateKey(priv, "")
	if err != nil {
		t.Fatal(err)
	}
	keyFile := testkit.WriteFile(t, filepath.Join(t.TempDir(), "id_ed25519"), pem.EncodeToMemory(block), 0o600)
	o := Options{Recipients: []string{strings.TrimSpace(string(ssh.MarshalAuthorizedKey(sshPub)))}, IdentityFile: keyFile}
	srv := testkit.S3(t)
	s := newSite(t, 20)
	s.take(t, backup.KindWeekly, t0)
	r := remoteFor(t, srv, "site-a", func(x *Options) { x.Recipients, x.IdentityFile = o.Recipients, o.IdentityFile })
	res := push(t, r, s.list(t, t0), t0)
	v, err := r.Verify(context.Background(), res.Pushed[0].ID, VerifyOptions{RestoreTest: true})
	if err != nil || !v.OK || !v.PlaintextChecked {
		t.Fatalf("ssh-encrypted backup: %v %+v", err, v)
	}
}

func TestRecipientErrors(t *testing.T) {
	dir := t.TempDir()
	secret := "AGE-SECRET-KEY-1QQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQ"
	bad := testkit.WriteFile(t, filepath.Join(dir, "recipients"), []byte("# ok\n"+secret+"\n"), 0o600)
	for name, o := range map[string]Options{
		"not a key":      {Recipients: []string{"age1nonsense"}},
		"secret as file": {RecipientsFile: bad},
		"missing file":   {RecipientsFile: filepath.Join(dir, "nope")},
	} {
		_, _, err := o.recipients()
		if err == nil {
			t.Errorf("%s: accepted", name)
			continue
		}
		if strings.Contains(err.Error(), secret) {
			t.Errorf("%s: the error quotes the key: %v", name, err)
		}
		if !errors.Is(err, ErrConfig) {
			t.Errorf("%s: not ErrConfig: %v", name, err)
		}
	}
	idFile := testkit.WriteFile(t, filepath.Join(dir, "id"), []byte(secret+"x\n"), 0o600)
	if _, err := (Options{IdentityFile: idFile}).identities(); err == nil || strings.Contains(err.Error(), secret) {
		t.Errorf("a bad identity file: %v", err)
	}
	if _, err := (Options{}).identities(); !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), "identity_file") {
		t.Errorf("no identity file: %v", err)
	}
}

// TestEncryptedFlippedByteIsDamage: a changed byte of an encrypted object
// (in age's header or in its payload) makes it undecryptable; the check
// says the stored object does not match its sha256, not only that it
// could not be decrypted (which reads as a wrong identity file). With
// the wrong identity on an intact object it stays a decryption problem.
func TestEncryptedFlippedByteIsDamage(t *testing.T) {
	srv := testkit.S3(t)
	s := newSite(t, 200)
	s.take(t, backup.KindWeekly, t0)
	key := withAge(t)
	r := remoteFor(t, srv, "site-a", key)
	id := push(t, r, s.list(t, t0), t0).Pushed[0].ID
	wrong := remoteFor(t, srv, "site-a", withAge(t))
	v, err := wrong.Verify(context.Background(), id, VerifyOptions{})
	if err != nil || v.OK || len(v.Problems) == 0 || !strings.Contains(v.Problems[0], "decrypting") || strings.Contains(v.Problems[0], "sha256") {
		t.Fatalf("intact copy, wrong identity: %v %+v", err, v.Problems)
	}
	file := srv.ObjectFile("fleet/backups/site-a/" + string(id) + EncryptedSuffix)
	for _, at := range []int64{100, 4096} {
		flipByte(t, file, at)
		for _, restore := range []bool{false, true} {
			v, err := r.Verify(context.Background(), id, VerifyOptions{RestoreTest: restore})
			if err != nil {
				t.Fatal(err)
			}
			if v.OK || len(v.Problems) == 0 || !strings.Contains(v.Problems[0], "does not match its remote manifest: stored object has sha256") {
				t.Errorf("byte %d flipped (restore test %v): %+v", at, restore, v.Problems)
			}
		}
		flipByte(t, file, at)
	}
}
