package config

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/fossawork/fossamaint/internal/redact"
)

// Installation names this installation among others: in the names of its
// off-site objects and in the fleet history's rows.
type Installation struct {
	// ID is a short stable name ([a-z0-9][a-z0-9._-]*, at most 63
	// characters), e.g. "eu-west-acme". Empty: InstallationID derives one
	// from the host name and root, stable while neither changes. Set it
	// before the first off-site push: objects are filed under it.
	ID string `yaml:"id"`
}

// Offsite is where verified backups are copied off this machine: an
// S3-compatible bucket (AWS S3, MinIO, Backblaze B2, Cloudflare R2, Wasabi,
// versitygw). Empty URL: no off-site copies.
type Offsite struct {
	// URL is s3://bucket[/prefix]. Objects go under
	// <prefix>/<installation id>/, so installations may share a bucket.
	URL string `yaml:"url"`
	// Endpoint is the server: host[:port], or a URL whose http:// scheme
	// turns TLS off (loopback test servers). Empty: s3.amazonaws.com.
	Endpoint string `yaml:"endpoint"`
	// Region is the bucket's region; empty lets the client ask.
	Region string `yaml:"region"`
	// PathStyle addresses the bucket as endpoint/bucket rather than
	// bucket.endpoint (MinIO, versitygw and most self-hosted servers).
	PathStyle bool `yaml:"path_style"`
	// Auth is where the credentials come from; keys never live in this
	// file.
	Auth OffsiteAuth `yaml:"auth"`
	// Encrypt, when it has recipients, encrypts every object on this
	// machine with age before upload: the provider never sees the data.
	Encrypt OffsiteEncrypt `yaml:"encrypt"`
	// PartSize is the multipart part size in MiB (5 to 5120).
	PartSize int `yaml:"part_size_mib"`
	// Timeout bounds one push or download of one backup, retries included.
	Timeout Duration `yaml:"timeout"`
	// Retries is how many times a failed request is tried again (with
	// backoff) before the object is given up for this run.
	Retries int `yaml:"retries"`
	// Prune applies retention (backups.keep_*) to the remote copies too;
	// otherwise what it would remove is only reported. Objects under
	// object lock are never reported as removed.
	Prune bool `yaml:"prune"`
}

// OffsiteAuth names the credentials of the bucket. The variables named by
// KeyIDEnv and KeyEnv are read first; when they are unset, File (an AWS
// shared credentials file) is read, section Profile. (The keys' names
// avoid the words the output redactor hides values after.)
type OffsiteAuth struct {
	// KeyIDEnv names the variable holding the access key id (default
	// AWS_ACCESS_KEY_ID); KeyEnv the one holding the secret access key
	// (default AWS_SECRET_ACCESS_KEY).
	KeyIDEnv string `yaml:"key_id_env"`
	KeyEnv   string `yaml:"key_env"`
	// File is an AWS shared credentials file (INI: [profile],
	// aws_access_key_id, aws_secret_access_key); relative to root.
	File    string `yaml:"file"`
	Profile string `yaml:"profile"`
}

// OffsiteEncrypt is the age encryption of off-site copies.
type OffsiteEncrypt struct {
	// Recipients are age public keys (age1...) or SSH public keys.
	Recipients []string `yaml:"recipients"`
	// RecipientsFile holds more, one per line (# comments allowed).
	RecipientsFile string `yaml:"recipients_file"`
	// IdentityFile is the age identity (private key) that decrypts for
	// verify --offsite and restore --from-offsite; it need not be on the
	// machines that only push.
	IdentityFile string `yaml:"identity_file"`
}

// Enabled is true when off-site copies are configured.
func (o Offsite) Enabled() bool { return o.URL != "" }

// Encrypted is true when objects are encrypted before upload.
func (o Offsite) Encrypted() bool {
	return len(o.Encrypt.Recipients) > 0 || o.Encrypt.RecipientsFile != ""
}

// BucketPrefix splits URL into its bucket and its prefix (no leading or
// trailing slash); ok is false when URL is not s3://bucket[/prefix].
func (o Offsite) BucketPrefix() (bucket, prefix string, ok bool) {
	u, err := url.Parse(o.URL)
	if err != nil || u.Scheme != "s3" || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return "", "", false
	}
	return u.Host, strings.Trim(u.Path, "/"), true
}

func defaultOffsite() Offsite {
	return Offsite{
		Auth:     OffsiteAuth{KeyIDEnv: "AWS_ACCESS_KEY_ID", KeyEnv: "AWS_SECRET_ACCESS_KEY", Profile: "default"},
		Encrypt:  OffsiteEncrypt{Recipients: []string{}},
		PartSize: 16,
		Timeout:  Duration(time.Hour),
		Retries:  4,
	}
}

// History configures where runs are recorded besides the local history.
type History struct {
	// URL, postgres://..., makes every run also be written to one central
	// PostgreSQL database shared by a fleet of installations. The local
	// history stays the source of truth: what could not be written is
	// written later, when the central database is reachable again.
	URL string `yaml:"url"`
	// Timeout bounds one catch-up with the central database.
	Timeout Duration `yaml:"timeout"`
}

func defaultHistory() History { return History{Timeout: Duration(30 * time.Second)} }

var installationIDRe = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,62}$`)

// ValidInstallationID reports whether id may name an installation.
func ValidInstallationID(id string) bool { return installationIDRe.MatchString(id) }

// InstallationID is installation.id, or when empty one derived from the
// host name and the resolved root: <host>-<8 hex of sha256(root)>, lower
// case, characters outside [a-z0-9.-] replaced by '-'. Deterministic: it
// writes nothing (a dry run may call it).
func InstallationID(c Config) string {
	if c.Installation.ID != "" {
		return c.Installation.ID
	}
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "host"
	}
	host = strings.ToLower(host)
	host = strings.Map(func(r rune) rune {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') || r == '.' || r == '-' {
			return r
		}
		return '-'
	}, host)
	host = strings.Trim(host, ".-")
	if host == "" {
		host = "host"
	}
	if len(host) > 40 {
		host = host[:40]
	}
	root, err := filepath.Abs(c.Root)
	if err != nil {
		root = c.Root
	}
	sum := sha256.Sum256([]byte(root))
	return host + "-" + hex.EncodeToString(sum[:])[:8]
}

func (c Config) validateOffsite(add addFunc) {
	if !installationIDRe.MatchString(c.Installation.ID) && c.Installation.ID != "" {
		add("installation.id", "%q is not an id: use lower-case letters, digits, '.', '_' and '-' (at most 63, starting with a letter or digit)", c.Installation.ID)
	}
	o := c.Backups.Offsite
	if o.URL != "" {
		if _, _, ok := o.BucketPrefix(); !ok {
			add("backups.offsite.url", "%s is not s3://bucket[/prefix] (the endpoint is backups.offsite.endpoint)", redact.URL(o.URL))
		}
	}
	if e := o.Endpoint; e != "" {
		if strings.Contains(e, "://") {
			if u, err := url.Parse(e); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") {
				add("backups.offsite.endpoint", "%s is not host[:port] or http(s)://host[:port]", redact.URL(e))
			}
		} else if strings.ContainsAny(e, "/?#@ ") {
			add("backups.offsite.endpoint", "%q is not host[:port] or http(s)://host[:port]", e)
		}
	}
	if o.PartSize < 5 || o.PartSize > 5120 {
		add("backups.offsite.part_size_mib", "%d is out of range [5, 5120] (S3's part size limits, in MiB)", o.PartSize)
	}
	if o.Timeout.D() <= 0 {
		add("backups.offsite.timeout", "must be positive")
	}
	if o.Retries < 0 || o.Retries > 20 {
		add("backups.offsite.retries", "%d is out of range [0, 20]", o.Retries)
	}
	for i, r := range o.Encrypt.Recipients {
		if !strings.HasPrefix(r, "age1") && !strings.HasPrefix(r, "ssh-") {
			add(fmt.Sprintf("backups.offsite.encrypt.recipients[%d]", i), "%q is not an age recipient (age1...) or an SSH public key", r)
		}
	}
	if c.History.URL != "" && !IsPostgresURL(c.History.URL) {
		add("history.url", "%s is not a PostgreSQL URL (postgres://user@host:5432/fleet)", redact.URL(c.History.URL))
	}
	if c.History.Timeout.D() <= 0 {
		add("history.timeout", "must be positive")
	}
}
