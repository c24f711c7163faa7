package offsite

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/fossawork/fossamaint/internal/backup"
)

// RemoteManifestVersion is the version Push writes.
const RemoteManifestVersion = 1

// RemoteManifest is the index object of one remote backup, written after
// every data object it lists completed: its presence is what makes the
// backup remote. It is never encrypted (listing and retention need it
// without the identity), so it holds hashes and sizes, not content.
type RemoteManifest struct {
	Version      int         `json:"version"`
	Installation string      `json:"installation"`
	ID           ID          `json:"id"`
	Kind         backup.Kind `json:"kind"`
	// Time is when the backup was taken, as the local listing dated it
	// (in the installation's zone); retention counts from it.
	Time       time.Time         `json:"time"`
	TimeSource backup.TimeSource `json:"time_source"`
	// Engine is backup.EnginePostgres for a pg_dump, empty for SQLite.
	Engine string `json:"engine,omitempty"`
	// Database and Manifest are the object names of the database file
	// and of the local manifest that verified it.
	Database string `json:"database"`
	Manifest string `json:"manifest"`
	// Encrypted: every object is age-encrypted to Recipients (public keys,
	// listed so an operator knows which identity decrypts).
	Encrypted  bool      `json:"encrypted"`
	Recipients []string  `json:"recipients,omitempty"`
	PushedAt   time.Time `json:"pushed_at"`
	Objects    []Object  `json:"objects"`
}

// Object is one file of a remote backup. Name is relative to the kind's
// directory ("20261128/.env", "x_20261121_020512.db"). SHA256 and Size are
// the plaintext's; CipherSHA256 and CipherSize what is stored, when
// encrypted. A symlink of a daily set's data copy has Link and no object.
type Object struct {
	Name         string `json:"name"`
	Size         int64  `json:"size"`
	SHA256       string `json:"sha256,omitempty"`
	CipherSize   int64  `json:"cipher_size,omitempty"`
	CipherSHA256 string `json:"cipher_sha256,omitempty"`
	Link         string `json:"link,omitempty"`
}

// StoredSize is what the object takes in the bucket.
func (o Object) StoredSize() int64 {
	if o.CipherSHA256 != "" {
		return o.CipherSize
	}
	return o.Size
}

// StoredSize is the bytes the backup takes in the bucket.
func (m RemoteManifest) StoredSize() int64 {
	var n int64
	for _, o := range m.Objects {
		n += o.StoredSize()
	}
	return n
}

// ParseRemoteManifest decodes and checks the remote manifest of id: the
// version, the id, every object name inside the backup, hashes of 64 hex
// digits, sizes not negative, ciphertext fields on every object of an
// encrypted backup, and the database among the objects. Anything else is
// refused: a remote manifest names the files a restore writes.
func ParseRemoteManifest(id ID, data []byte) (RemoteManifest, error) {
	var m RemoteManifest
	if err := json.Unmarshal(data, &m); err != nil {
		return m, fmt.Errorf("remote manifest of %s: %w", id, err)
	}
	if err := m.validate(id); err != nil {
		return m, fmt.Errorf("remote manifest of %s: %w", id, err)
	}
	return m, nil
}

func (m RemoteManifest) validate(id ID) error {
	switch {
	case m.Version != RemoteManifestVersion:
		return fmt.Errorf("version %d is not %d", m.Version, RemoteManifestVersion)
	case m.ID != id:
		return fmt.Errorf("describes %q", m.ID)
	case m.Kind != id.Kind():
		return fmt.Errorf("kind %q is not the id's %q", m.Kind, id.Kind())
	case m.Time.IsZero():
		return errors.New("no time")
	}
	seen := map[string]bool{}
	for _, o := range m.Objects {
		if err := objectName(id, o.Name); err != nil {
			return err
		}
		if seen[o.Name] {
			return fmt.Errorf("object %s listed twice", o.Name)
		}
		seen[o.Name] = true
		if err := o.validate(m.Encrypted); err != nil {
			return err
		}
	}
	for _, need := range []string{m.Database, m.Manifest} {
		if !seen[need] {
			return fmt.Errorf("database or manifest %q is not among its objects", need)
		}
	}
	return nil
}

func (o Object) validate(encrypted bool) error {
	if o.Link != "" {
		if o.SHA256 != "" || o.CipherSHA256 != "" || o.Size != 0 {
			return fmt.Errorf("object %s: a symlink has no content", o.Name)
		}
		return nil
	}
	if !isSHA256(o.SHA256) || o.Size < 0 {
		return fmt.Errorf("object %s: sha256 %q or size %d is invalid", o.Name, o.SHA256, o.Size)
	}
	if encrypted != (o.CipherSHA256 != "") {
		return fmt.Errorf("object %s: ciphertext hash present is %v in a manifest encrypted %v", o.Name, o.CipherSHA256 != "", encrypted)
	}
	if encrypted && (!isSHA256(o.CipherSHA256) || o.CipherSize <= o.Size) {
		return fmt.Errorf("object %s: ciphertext sha256 %q or size %d is invalid", o.Name, o.CipherSHA256, o.CipherSize)
	}
	return nil
}

func isSHA256(s string) bool {
	if len(s) != 64 {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil
}

// object returns the entry named name.
func (m RemoteManifest) object(name string) (Object, bool) {
	for _, o := range m.Objects {
		if o.Name == name {
			return o, true
		}
	}
	return Object{}, false
}
