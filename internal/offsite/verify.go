package offsite

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"filippo.io/age"

	"github.com/fossawork/fossamaint/internal/backup"
	"github.com/fossawork/fossamaint/internal/human"
)

// VerifyOptions tune Verify.
type VerifyOptions struct {
	// RestoreTest downloads the backup into a private temp dir and runs
	// the local verification on it (backup.VerifyDeep with Deep): its
	// manifest, its check, its restore test. Otherwise the objects are
	// only streamed through their hashes.
	RestoreTest bool
	Deep        backup.VerifyOptions
	// TempDir is where the private temp dir is made ("" : os.TempDir()).
	TempDir string
}

// VerifyResult says whether a remote backup is intact.
type VerifyResult struct {
	ID        ID   `json:"id"`
	OK        bool `json:"ok"`
	Encrypted bool `json:"encrypted"`
	// PlaintextChecked: the content was decrypted and its hash checked
	// (always for a plaintext backup; for an encrypted one only with the
	// identity file).
	PlaintextChecked bool          `json:"plaintext_checked"`
	Objects          []ObjectCheck `json:"objects"`
	Problems         []string      `json:"problems,omitempty"`
	Notes            []string      `json:"notes,omitempty"`
	// RestoreTest is the local verification of the downloaded copy.
	RestoreTest *backup.DeepResult `json:"restore_test,omitempty"`
	Duration    human.Seconds      `json:"duration_seconds"`
}

// Verify reads the remote backup id back and checks every object's
// SHA-256 (the stored bytes, and the plaintext when it can be decrypted)
// against the remote manifest; with o.RestoreTest it also verifies the
// downloaded copy as a local backup, restore test included. Problems are
// in the result; errors mean it could not be verified.
func (r *Remote) Verify(ctx context.Context, id ID, o VerifyOptions) (res VerifyResult, err error) {
	start := time.Now()
	res.ID = id
	defer func() { res.Duration = human.Seconds(since(start)) }()
	if o.RestoreTest {
		return res, r.verifyDownload(ctx, id, o, &res)
	}
	ctx, cancel := r.withTimeout(ctx)
	defer cancel()
	m, err := r.manifestOf(ctx, id)
	if err != nil {
		return res, err
	}
	res.Encrypted = m.Encrypted
	var ids []age.Identity
	if m.Encrypted {
		if ids, err = r.o.identities(); err != nil {
			res.Notes = append(res.Notes, fmt.Sprintf("ciphertext checked only, the plaintext could not be: %v", err))
			ids = nil
		}
	}
	res.PlaintextChecked = !m.Encrypted || ids != nil
	for _, obj := range m.Objects {
		if obj.Link != "" {
			continue
		}
		c, err := r.readObject(ctx, m, obj, ids, io.Discard)
		if err != nil {
			return res, err
		}
		res.Objects = append(res.Objects, c)
	}
	res.finish()
	return res, nil
}

// verifyDownload fetches id into a private temp dir, removed after, and
// verifies it there like a local backup.
func (r *Remote) verifyDownload(ctx context.Context, id ID, o VerifyOptions, res *VerifyResult) error {
	dir, err := os.MkdirTemp(o.TempDir, "fossamaint-offsite-verify-")
	if err != nil {
		return fmt.Errorf("verifying %s: %w", id, err)
	}
	defer os.RemoveAll(dir)
	f, err := r.Fetch(ctx, id, dir)
	if err != nil {
		return fmt.Errorf("verifying %s: %w", id, err)
	}
	res.Encrypted, res.PlaintextChecked, res.Objects = f.Manifest.Encrypted, true, f.Objects
	if !f.OK() {
		res.finish()
		return nil
	}
	deep, err := backup.VerifyDeep(ctx, f.Backup, o.Deep)
	if err != nil {
		return fmt.Errorf("verifying the download of %s: %w", id, err)
	}
	res.RestoreTest = &deep
	res.finish()
	if !deep.Verified() {
		res.OK = false
		for _, p := range deep.Problems() {
			res.Problems = append(res.Problems, "downloaded copy: "+p)
		}
	}
	return nil
}

// finish sets OK and Problems from the object checks.
func (res *VerifyResult) finish() {
	res.OK = len(res.Objects) > 0
	for _, c := range res.Objects {
		if !c.OK {
			res.OK = false
			res.Problems = append(res.Problems, c.Name+": "+c.Error)
		}
	}
	if len(res.Objects) == 0 {
		res.Problems = append(res.Problems, "the remote manifest lists no objects")
	}
}
