package offsite

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// Options say where the off-site copies go and how. internal/install
// builds them from backups.offsite and installation.id.
type Options struct {
	// Bucket and Prefix come from the s3://bucket/prefix URL; Prefix has
	// no leading or trailing slash and may be empty.
	Bucket, Prefix string
	// Installation is this installation's id: its objects live under
	// <Prefix>/<Installation>/.
	Installation string
	// Endpoint is host[:port] or http(s)://host[:port]; http:// turns TLS
	// off. Empty: s3.amazonaws.com.
	Endpoint  string
	Region    string
	PathStyle bool
	Auth      Auth
	// Recipients (age1..., ssh-...) and the lines of RecipientsFile turn
	// encryption on; IdentityFile decrypts (verify, restore).
	Recipients     []string
	RecipientsFile string
	IdentityFile   string
	// PartSize is the multipart part size in bytes (at least 5 MiB).
	PartSize int64
	// Timeout bounds the push or download of one backup, retries
	// included.
	Timeout time.Duration
	// Retries is how often a failed request is tried again.
	Retries int
	// Prune deletes remote backups the retention policy does not keep;
	// otherwise they are only reported.
	Prune bool
}

// Auth says where the bucket's credentials come from: the variables named
// KeyIDEnv and KeyEnv when both are set, else the AWS shared credentials
// File (empty: $AWS_SHARED_CREDENTIALS_FILE or ~/.aws/credentials),
// section Profile.
type Auth struct {
	KeyIDEnv, KeyEnv string
	File, Profile    string
	// LookupEnv reads a variable; nil is os.LookupEnv (tests inject).
	LookupEnv func(string) (string, bool)
}

// ErrConfig is wrapped by the errors that backups.offsite itself causes
// (a recipient, the recipients or identity file): what the operator fixes
// in the config rather than on the server.
var ErrConfig = errors.New("unusable backups.offsite")

// configError marks an error as ErrConfig; its message is the cause's.
type configError struct{ error }

func (e configError) Unwrap() []error { return []error{e.error, ErrConfig} }

// markConfig marks *err, when set, as ErrConfig.
func markConfig(err *error) {
	if *err != nil {
		*err = configError{*err}
	}
}

// MinPartSize is S3's smallest part (every part but the last).
const MinPartSize = 5 << 20

// Encrypted says whether objects are encrypted before upload.
func (o Options) Encrypted() bool { return len(o.Recipients) > 0 || o.RecipientsFile != "" }

// Validate says what is missing or wrong, naming the backups.offsite key.
func (o Options) Validate() error {
	var errs []error
	if o.Bucket == "" {
		errs = append(errs, errors.New("backups.offsite.url: no bucket (want s3://bucket[/prefix])"))
	}
	if !validSegment(o.Installation) {
		errs = append(errs, fmt.Errorf("installation.id: %q cannot name objects", o.Installation))
	}
	if o.Prefix != "" && !validPrefix(o.Prefix) {
		errs = append(errs, fmt.Errorf("backups.offsite.url: prefix %q has an empty, '.' or '..' segment", o.Prefix))
	}
	if o.PartSize < MinPartSize {
		errs = append(errs, fmt.Errorf("backups.offsite.part_size_mib: %d bytes is below S3's 5 MiB", o.PartSize))
	}
	if o.Timeout <= 0 {
		errs = append(errs, errors.New("backups.offsite.timeout: must be positive"))
	}
	return errors.Join(errs...)
}

func validPrefix(p string) bool {
	for seg := range strings.SplitSeq(p, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return false
		}
	}
	return true
}

// endpoint splits Endpoint into host:port and whether TLS is on.
func (o Options) endpoint() (string, bool, error) {
	e := o.Endpoint
	if e == "" {
		return "s3.amazonaws.com", true, nil
	}
	if !strings.Contains(e, "://") {
		return e, true, nil
	}
	u, err := url.Parse(e)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return "", false, fmt.Errorf("backups.offsite.endpoint: %q is not host[:port] or http(s)://host[:port]", e)
	}
	return u.Host, u.Scheme == "https", nil
}

// credentials resolves Auth: both variables set, or the credentials file.
func (a Auth) credentials() (*credentials.Credentials, error) {
	lookup := a.LookupEnv
	if lookup == nil {
		lookup = os.LookupEnv
	}
	idName, keyName := a.KeyIDEnv, a.KeyEnv
	if idName == "" {
		idName = "AWS_ACCESS_KEY_ID"
	}
	if keyName == "" {
		keyName = "AWS_SECRET_ACCESS_KEY"
	}
	id, idOK := lookup(idName)
	key, keyOK := lookup(keyName)
	if idOK && keyOK && id != "" && key != "" {
		token, _ := lookup("AWS_SESSION_TOKEN")
		return credentials.NewStaticV4(id, key, token), nil
	}
	profile := a.Profile
	if profile == "" {
		profile = "default"
	}
	creds := credentials.NewFileAWSCredentials(a.File, profile)
	v, err := creds.GetWithContext(&credentials.CredContext{Client: http.DefaultClient})
	if err != nil || v.AccessKeyID == "" {
		where := a.File
		if where == "" {
			where = "the AWS shared credentials file (~/.aws/credentials)"
		}
		return nil, fmt.Errorf("no off-site credentials: set %s and %s, or give backups.offsite.auth.file (%s, profile %s has none: %v)",
			idName, keyName, where, profile, err)
	}
	return creds, nil
}

// Secrets are the credential values Auth resolves to, for the redaction
// layer: they must never appear in any output. Unresolvable: none.
func (a Auth) Secrets() []string {
	creds, err := a.credentials()
	if err != nil {
		return nil
	}
	v, err := creds.GetWithContext(&credentials.CredContext{Client: http.DefaultClient})
	if err != nil {
		return nil
	}
	var out []string
	for _, s := range []string{v.AccessKeyID, v.SecretAccessKey, v.SessionToken} {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// newClient connects (lazily: nothing is sent) to the configured server.
func (o Options) newClient() (*minio.Client, error) {
	host, secure, err := o.endpoint()
	if err != nil {
		return nil, err
	}
	creds, err := o.Auth.credentials()
	if err != nil {
		return nil, err
	}
	lookup := minio.BucketLookupAuto
	if o.PathStyle {
		lookup = minio.BucketLookupPath
	}
	retries := o.Retries + 1 // minio-go counts the first try
	if retries < 1 {
		retries = 1
	}
	c, err := minio.New(host, &minio.Options{Creds: creds, Secure: secure, Region: o.Region,
		BucketLookup: lookup, MaxRetries: retries})
	if err != nil {
		return nil, fmt.Errorf("off-site endpoint %s: %w", host, err)
	}
	return c, nil
}
