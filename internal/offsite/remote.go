package offsite

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/minio/minio-go/v7"
)

// Remote is one installation's area of the bucket.
type Remote struct {
	o    Options
	c    *minio.Client
	core *minio.Core
}

// New checks o and prepares the client; nothing is sent until a method
// is called.
func New(o Options) (*Remote, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	c, err := o.newClient()
	if err != nil {
		return nil, err
	}
	return &Remote{o: o, c: c, core: &minio.Core{Client: c}}, nil
}

// Options are the options the remote was made with.
func (r *Remote) Options() Options { return r.o }

// Where names the installation's area: s3://bucket/prefix/installation/.
func (r *Remote) Where() string { return "s3://" + r.o.Bucket + "/" + r.o.root() }

// checksumHeader is the S3 checksum header a server verifies the body
// against (x-amz-checksum-sha256, base64 of the digest).
const checksumHeader = "x-amz-checksum-sha256"

func b64(sum []byte) string { return base64.StdEncoding.EncodeToString(sum) }

// putSmall stores data under key in one PUT with its SHA-256 as a checksum
// the server verifies.
func (r *Remote) putSmall(ctx context.Context, key string, data []byte, contentType string) error {
	return r.putSmallSum(ctx, key, data, sha256.Sum256(data), contentType)
}

// putSmallSum is putSmall with the SHA-256 of data already computed: it
// is both the checksum and the signed payload hash (no streaming
// signature hashing the body once more, as in sendPart).
func (r *Remote) putSmallSum(ctx context.Context, key string, data []byte, sum [sha256.Size]byte, contentType string) error {
	_, err := r.core.PutObject(ctx, r.o.Bucket, key, bytes.NewReader(data), int64(len(data)), "",
		hex.EncodeToString(sum[:]), minio.PutObjectOptions{ContentType: contentType, DisableContentSha256: true,
			UserMetadata: map[string]string{checksumHeader: b64(sum[:])}})
	if err != nil {
		return fmt.Errorf("uploading %s: %w", key, err)
	}
	return nil
}

// getSmall reads a small object (a remote manifest) whole, at most limit
// bytes.
func (r *Remote) getSmall(ctx context.Context, key string, limit int64) ([]byte, error) {
	obj, err := r.c.GetObject(ctx, r.o.Bucket, key, minio.GetObjectOptions{})
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", key, err)
	}
	defer obj.Close()
	data, err := io.ReadAll(io.LimitReader(obj, limit+1))
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", key, err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("reading %s: larger than %d bytes", key, limit)
	}
	return data, nil
}

// notFound says whether err is S3's "no such key" (or bucket).
func notFound(err error) bool {
	resp := s3Error(err)
	return resp.StatusCode == http.StatusNotFound || resp.Code == "NoSuchKey"
}

// s3Error is the S3 error response err wraps, if any (minio-go's own
// ToErrorResponse does not look through wrapping).
func s3Error(err error) minio.ErrorResponse {
	var resp minio.ErrorResponse
	if errors.As(err, &resp) {
		return resp
	}
	return minio.ToErrorResponse(err)
}

// s3Answer says whether err is an answer of the server (an S3 error
// response) rather than a failure to reach it.
func s3Answer(err error) bool { return s3Error(err).Code != "" }

// withTimeout bounds one backup's transfer by the configured timeout.
func (r *Remote) withTimeout(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, r.o.Timeout)
}

// since is a duration for results, from the wall clock (durations are
// measured, not decided on).
func since(t time.Time) time.Duration { return time.Since(t) }
