package offsite

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"filippo.io/age"
	"filippo.io/age/agessh"
	"github.com/fossawork/fossamaint/internal/ctxio"
)

// recipients parses the configured recipients and the recipients file:
// age X25519 keys (age1...), post-quantum hybrid ones (age1pq1...) and SSH
// public keys (ssh-ed25519, ssh-rsa). The strings are returned too, for
// the remote manifest.
func (o Options) recipients() (_ []age.Recipient, _ []string, err error) {
	defer markConfig(&err)
	lines := append([]string{}, o.Recipients...)
	if o.RecipientsFile != "" {
		data, err := os.ReadFile(o.RecipientsFile)
		if err != nil {
			return nil, nil, fmt.Errorf("backups.offsite.encrypt.recipients_file: %w", err)
		}
		sc := bufio.NewScanner(bytes.NewReader(data))
		for sc.Scan() {
			if l := strings.TrimSpace(sc.Text()); l != "" && !strings.HasPrefix(l, "#") {
				lines = append(lines, l)
			}
		}
	}
	var out []age.Recipient
	for i, l := range lines {
		r, err := parseRecipient(l)
		if err != nil {
			return nil, nil, fmt.Errorf("backups.offsite.encrypt recipient %d: %w", i+1, err)
		}
		out = append(out, r)
	}
	if len(out) == 0 {
		return nil, nil, errors.New("backups.offsite.encrypt: no recipients")
	}
	return out, lines, nil
}

func parseRecipient(s string) (age.Recipient, error) {
	if strings.HasPrefix(s, "ssh-") {
		return agessh.ParseRecipient(s)
	}
	rs, err := age.ParseRecipients(strings.NewReader(s))
	if err != nil {
		return nil, err
	}
	return rs[0], nil
}

// identities reads IdentityFile: an age identity file (AGE-SECRET-KEY-1...
// lines) or an unencrypted OpenSSH private key. Errors never quote the
// file's content.
func (o Options) identities() (_ []age.Identity, err error) {
	defer markConfig(&err)
	if o.IdentityFile == "" {
		return nil, errors.New("the off-site copies are encrypted and backups.offsite.encrypt.identity_file is not set: give the age identity (private key) that decrypts them")
	}
	data, err := os.ReadFile(o.IdentityFile)
	if err != nil {
		return nil, fmt.Errorf("backups.offsite.encrypt.identity_file: %w", err)
	}
	if bytes.Contains(data, []byte("PRIVATE KEY-----")) {
		id, err := agessh.ParseIdentity(data)
		if err != nil {
			return nil, fmt.Errorf("backups.offsite.encrypt.identity_file %s: not a usable SSH private key (an encrypted one is not supported): %w", o.IdentityFile, err)
		}
		return []age.Identity{id}, nil
	}
	ids, err := age.ParseIdentities(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("backups.offsite.encrypt.identity_file %s: %w", o.IdentityFile, err)
	}
	return ids, nil
}

// encryption encrypts objects to the configured recipients.
type encryption struct {
	recipients []age.Recipient
	names      []string
}

func (o Options) encryption() (*encryption, error) {
	rs, names, err := o.recipients()
	if err != nil {
		return nil, err
	}
	return &encryption{recipients: rs, names: names}, nil
}

// errStopped ends the encrypting goroutine when the upload gave up.
var errStopped = errors.New("upload stopped")

// put encrypts req.src on the fly (age streams in 64 KiB chunks: memory
// stays at the upload's parts) and uploads the ciphertext; the encrypting
// goroutine also hashes the plaintext, beside the upload pipeline.
// req.check is given the plaintext's hash and size; the returned stats
// are the ciphertext's. An encrypted stream is new randomness every time,
// so it is never resumed.
func (e *encryption) put(ctx context.Context, r *Remote, req putRequest) (putStats, error) {
	src, check := req.src, req.check
	pr, pw := io.Pipe()
	plain := sha256.New()
	counted := &ctxio.CountingWriter{W: plain}
	errc := make(chan error, 1)
	go func() {
		w, err := age.Encrypt(pw, e.recipients...)
		if err == nil {
			if _, err = io.Copy(w, io.TeeReader(src, counted)); err == nil {
				err = w.Close()
			}
		}
		pw.CloseWithError(err)
		errc <- err
	}()
	waited := false
	req.src, req.resumable = pr, false
	req.check = func(string, int64) error {
		waited = true
		if err := <-errc; err != nil {
			return fmt.Errorf("encrypting: %w", err)
		}
		return check(hex.EncodeToString(plain.Sum(nil)), counted.N)
	}
	st, err := r.put(ctx, req)
	pr.CloseWithError(errStopped)
	if !waited {
		<-errc
	}
	return st, err
}
