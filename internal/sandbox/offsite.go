package sandbox

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"filippo.io/age"

	"github.com/fossawork/fossamaint/internal/config"
	"github.com/fossawork/fossamaint/internal/durable"
)

// OffsiteDir is where, inside the installation, the demo's S3 server
// keeps its bucket, log and pidfile (started before Generate, which
// accepts it as an entry of the directory), and where Generate writes the
// age identity and the credentials file of the demo's off-site copies.
const OffsiteDir = "offsite"

// The variables backups.offsite.auth names for the demo's keys: the keys
// themselves are never in the config.
const (
	OffsiteKeyIDEnv = "DEMO_S3_ACCESS_KEY_ID"
	OffsiteKeyEnv   = "DEMO_S3_SECRET_ACCESS_KEY"
)

// OffsitePrefix is the prefix of backups.offsite.url in the bucket, and
// OffsiteInstallationID the demo's installation.id, under which its
// objects are filed.
const (
	OffsitePrefix         = "fossawork"
	OffsiteInstallationID = "demo"
)

// Offsite is the demo's S3 server (Options.Offsite): backups.offsite
// points at it.
type Offsite struct {
	// Endpoint is http://127.0.0.1:port.
	Endpoint, Region, Bucket string
	KeyID, Secret            string
}

// OffsiteSetup is what Generate made for the off-site copies.
type OffsiteSetup struct {
	// URL is backups.offsite.url.
	URL string
	// Env is the credentials as NAME=value, for the process that runs
	// the weekly procedure; EnvFile holds the same as export lines (0600).
	Env     []string
	EnvFile string
	// IdentityFile is the age identity (0600) that decrypts the copies,
	// Recipient its public key.
	IdentityFile, Recipient string
}

// writeOffsite makes the age identity and the credentials file in
// dir/OffsiteDir and sets cfg's backups.offsite and installation.id.
func writeOffsite(dir string, o *Offsite, now time.Time, cfg *config.Config) (*OffsiteSetup, error) {
	odir := filepath.Join(dir, OffsiteDir)
	if err := os.MkdirAll(odir, 0o700); err != nil {
		return nil, fmt.Errorf("creating %s: %w", odir, err)
	}
	id, err := age.GenerateX25519Identity()
	if err != nil {
		return nil, fmt.Errorf("generating the demo's age identity: %w", err)
	}
	s := &OffsiteSetup{URL: "s3://" + o.Bucket + "/" + OffsitePrefix,
		Env:          []string{OffsiteKeyIDEnv + "=" + o.KeyID, OffsiteKeyEnv + "=" + o.Secret},
		EnvFile:      filepath.Join(odir, "s3.env"),
		IdentityFile: filepath.Join(odir, "age-identity.txt"),
		Recipient:    id.Recipient().String()}
	// As age-keygen writes it.
	key := fmt.Sprintf("# created: %s\n# public key: %s\n%s\n", now.Format(time.RFC3339), s.Recipient, id)
	if err := durable.WriteFile(s.IdentityFile, []byte(key), 0o600, "age identity"); err != nil {
		return nil, err
	}
	var env strings.Builder
	env.WriteString("# The demo's S3 server's keys, named by backups.offsite.auth in fossamaint.yaml.\n")
	for _, kv := range s.Env {
		env.WriteString("export " + kv + "\n")
	}
	if err := durable.WriteFile(s.EnvFile, []byte(env.String()), 0o600, "credentials"); err != nil {
		return nil, err
	}
	cfg.Installation.ID = OffsiteInstallationID
	off := &cfg.Backups.Offsite
	off.URL, off.Endpoint, off.Region, off.PathStyle = s.URL, o.Endpoint, o.Region, true
	off.Auth.KeyIDEnv, off.Auth.KeyEnv = OffsiteKeyIDEnv, OffsiteKeyEnv
	off.Encrypt.Recipients = []string{s.Recipient}
	off.Encrypt.IdentityFile = filepath.Join(OffsiteDir, "age-identity.txt")
	return s, nil
}
