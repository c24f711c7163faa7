package offsite

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"filippo.io/age"
	"github.com/minio/minio-go/v7"

	"github.com/fossawork/fossamaint/internal/backup"
	"github.com/fossawork/fossamaint/internal/ctxio"
)

// ObjectCheck is one object read back and hashed.
type ObjectCheck struct {
	Name string `json:"name"`
	Key  string `json:"key"`
	OK   bool   `json:"ok"`
	// StoredSHA256 is the hash of what the bucket returned (the
	// ciphertext when encrypted); SHA256 the plaintext's, empty when it
	// could not be decrypted (no identity).
	StoredSHA256 string `json:"stored_sha256,omitempty"`
	SHA256       string `json:"sha256,omitempty"`
	Error        string `json:"error,omitempty"`
}

// ErrMismatch is wrapped when a remote object does not match its remote
// manifest.
var ErrMismatch = errors.New("off-site copy does not match its remote manifest")

// readObject streams one object through SHA-256 (and, with identities,
// through age and a second SHA-256) into w, and compares both with the
// manifest. Problems with the object are in the check; only a cancelled
// ctx is returned as an error.
func (r *Remote) readObject(ctx context.Context, m RemoteManifest, o Object, ids []age.Identity, w io.Writer) (ObjectCheck, error) {
	c := ObjectCheck{Name: o.Name, Key: r.o.objectKey(m.Kind, o.Name, m.Encrypted)}
	err := r.streamObject(ctx, m, o, ids, w, &c)
	if ctx.Err() != nil {
		return c, fmt.Errorf("reading %s: %w", c.Key, ctx.Err())
	}
	if err != nil {
		c.Error = err.Error()
		return c, nil
	}
	c.OK = true
	return c, nil
}

func (r *Remote) streamObject(ctx context.Context, m RemoteManifest, o Object, ids []age.Identity, w io.Writer, c *ObjectCheck) error {
	obj, err := r.c.GetObject(ctx, r.o.Bucket, c.Key, minio.GetObjectOptions{})
	if err != nil {
		return err
	}
	defer obj.Close()
	storedHash, plainHash := sha256.New(), sha256.New()
	stored := &ctxio.CountingWriter{W: storedHash}
	src := io.TeeReader(obj, stored)
	plain := &ctxio.CountingWriter{W: plainHash}
	decrypt := m.Encrypted && ids != nil
	switch {
	case decrypt:
		err := decryptTo(io.MultiWriter(w, plain), src, ids)
		// Hash what follows the last chunk too (age refuses trailing
		// data, but the stored hash must cover the whole object), and
		// after a failure the rest: a damaged object is a mismatch, not
		// a key that does not fit.
		if _, cerr := io.Copy(io.Discard, src); cerr != nil {
			return cerr
		}
		if err != nil {
			if p := cipherMismatch(hex.EncodeToString(storedHash.Sum(nil)), stored.N, o); p != "" {
				return fmt.Errorf("%w: %s (decrypting: %v)", ErrMismatch, p, err)
			}
			return fmt.Errorf("decrypting: %w", err)
		}
	case m.Encrypted:
		if _, err := io.Copy(io.Discard, src); err != nil {
			return err
		}
	default:
		if _, err := io.Copy(io.MultiWriter(w, plain), src); err != nil {
			return err
		}
	}
	c.StoredSHA256 = hex.EncodeToString(storedHash.Sum(nil))
	var problems []string
	if m.Encrypted {
		if p := cipherMismatch(c.StoredSHA256, stored.N, o); p != "" {
			problems = append(problems, p)
		}
	}
	if !m.Encrypted || decrypt {
		c.SHA256 = hex.EncodeToString(plainHash.Sum(nil))
		if c.SHA256 != o.SHA256 || plain.N != o.Size {
			problems = append(problems, fmt.Sprintf("content has sha256 %s and %d bytes, the remote manifest says %s and %d", c.SHA256, plain.N, o.SHA256, o.Size))
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("%w: %s", ErrMismatch, strings.Join(problems, "; "))
	}
	return nil
}

// decryptTo writes the plaintext of the age stream src to w.
func decryptTo(w io.Writer, src io.Reader, ids []age.Identity) error {
	dr, err := age.Decrypt(src, ids...)
	if err != nil {
		return err
	}
	_, err = io.Copy(w, dr)
	return err
}

// cipherMismatch says how the stored bytes (sha256 sum, n bytes) differ
// from the manifest's ciphertext hash and size; "" when they match.
func cipherMismatch(sum string, n int64, o Object) string {
	if sum == o.CipherSHA256 && n == o.CipherSize {
		return ""
	}
	return fmt.Sprintf("stored object has sha256 %s and %d bytes, the remote manifest says %s and %d", sum, n, o.CipherSHA256, o.CipherSize)
}

// Fetched is a remote backup downloaded into a directory.
type Fetched struct {
	ID  ID     `json:"id"`
	Dir string `json:"dir"`
	// Backup is the downloaded database as the local listing would show
	// it, its manifest beside it: what backup.VerifyDeep and a restore
	// take.
	Backup   backup.Backup  `json:"backup"`
	Manifest RemoteManifest `json:"-"`
	Objects  []ObjectCheck  `json:"objects"`
}

// OK is true when every object matched its remote manifest.
func (f Fetched) OK() bool {
	for _, o := range f.Objects {
		if !o.OK {
			return false
		}
	}
	return len(f.Objects) > 0
}

// Fetch downloads the remote backup id into dir (which should be a
// private temp dir: os.MkdirTemp), decrypting with the identity file when
// it is encrypted, and hashes every object on the way. Objects that fail
// their check are in the result (OK false); errors mean it could not be
// fetched at all (no such backup, no identity, ctx ended).
func (r *Remote) Fetch(ctx context.Context, id ID, dir string) (Fetched, error) {
	f := Fetched{ID: id, Dir: dir}
	ctx, cancel := r.withTimeout(ctx)
	defer cancel()
	m, err := r.manifestOf(ctx, id)
	if err != nil {
		return f, err
	}
	f.Manifest = m
	var ids []age.Identity
	if m.Encrypted {
		if ids, err = r.o.identities(); err != nil {
			return f, err
		}
	}
	// Files first, symlinks after: no file is ever written through a
	// link the manifest names.
	for _, o := range m.Objects {
		if o.Link != "" {
			continue
		}
		c, err := r.fetchObject(ctx, m, o, ids, dir)
		if err != nil {
			return f, err
		}
		f.Objects = append(f.Objects, c)
	}
	for _, o := range m.Objects {
		if o.Link == "" {
			continue
		}
		if err := makeLink(dir, o.Name, o.Link); err != nil {
			return f, err
		}
	}
	f.Backup = fetchedBackup(m, dir)
	return f, nil
}

// fetchObject writes one object to dir/<name> (0600, a new file).
func (r *Remote) fetchObject(ctx context.Context, m RemoteManifest, o Object, ids []age.Identity, dir string) (ObjectCheck, error) {
	path, err := localPath(dir, o.Name)
	if err != nil {
		return ObjectCheck{}, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return ObjectCheck{}, err
	}
	file, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return ObjectCheck{}, err
	}
	c, err := r.readObject(ctx, m, o, ids, file)
	if cerr := file.Close(); cerr != nil && err == nil && c.OK {
		c.OK, c.Error = false, cerr.Error()
	}
	return c, err
}

// localPath is dir/name after checking that no directory on the way is a
// symlink (the names were checked when the manifest was parsed).
func localPath(dir, name string) (string, error) {
	p := dir
	segs := strings.Split(name, "/")
	for _, s := range segs[:len(segs)-1] {
		p = filepath.Join(p, s)
		if fi, err := os.Lstat(p); err == nil && fi.Mode()&os.ModeSymlink != 0 {
			return "", fmt.Errorf("%s: %s is a symlink: refusing to write through it", name, p)
		}
	}
	return filepath.Join(p, segs[len(segs)-1]), nil
}

func makeLink(dir, name, target string) error {
	p, err := localPath(dir, name)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return err
	}
	return os.Symlink(target, p)
}

// fetchedBackup describes the downloaded database like backup.List does.
func fetchedBackup(m RemoteManifest, dir string) backup.Backup {
	db := filepath.Join(dir, filepath.FromSlash(m.Database))
	b := backup.Backup{Path: db, Kind: m.Kind, Time: m.Time, TimeSource: m.TimeSource, HasManifest: true,
		ManifestPath: filepath.Join(dir, filepath.FromSlash(m.Manifest))}
	if o, ok := m.object(m.Database); ok {
		b.Size = o.Size
	}
	return b
}
