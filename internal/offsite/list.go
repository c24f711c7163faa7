package offsite

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/fossawork/fossamaint/internal/backup"
	"github.com/fossawork/fossamaint/internal/human"
)

// maxRemoteManifest bounds the size of a remote manifest read back (a
// daily set with a large data directory lists many files).
const maxRemoteManifest = 64 << 20

// RemoteBackup is one backup whose remote manifest is in the bucket.
type RemoteBackup struct {
	ID   ID          `json:"id"`
	Kind backup.Kind `json:"kind"`
	// Time is when it was taken (in the zone of now given to List).
	Time time.Time     `json:"time"`
	Age  human.Seconds `json:"age_seconds"`
	// Size is the plaintext bytes of its objects; Stored what the bucket
	// holds.
	Size      int64     `json:"size_bytes"`
	Stored    int64     `json:"stored_bytes"`
	Encrypted bool      `json:"encrypted"`
	Objects   int       `json:"objects"`
	PushedAt  time.Time `json:"pushed_at"`
	// Problem says why the remote manifest could not be used; such a
	// backup is listed, never pruned, and fails verification.
	Problem  string          `json:"problem,omitempty"`
	Manifest *RemoteManifest `json:"-"`
}

// Listing is what List found.
type Listing struct {
	Where   string         `json:"where"`
	Backups []RemoteBackup `json:"backups"`
	// Pending are unfinished uploads (an interrupted push; invisible
	// under their final names).
	Pending []Pending `json:"pending_uploads"`
}

// Pending is one unfinished multipart upload.
type Pending struct {
	Key       string    `json:"key"`
	Initiated time.Time `json:"initiated"`
}

// List reads every remote manifest of the installation, newest first.
// Ages count from now, and times are shown in now's zone.
func (r *Remote) List(ctx context.Context, now time.Time) (Listing, error) {
	l := Listing{Where: r.Where(), Backups: []RemoteBackup{}, Pending: []Pending{}}
	index, err := r.index(ctx)
	if err != nil {
		return l, err
	}
	for id, e := range index {
		rb := RemoteBackup{ID: id, Kind: id.Kind(), Problem: e.Problem, Manifest: e.Manifest}
		if m := e.Manifest; m != nil {
			rb.Time, rb.Encrypted, rb.Objects, rb.PushedAt = m.Time.In(now.Location()), m.Encrypted, len(m.Objects), m.PushedAt
			rb.Stored = m.StoredSize()
			for _, o := range m.Objects {
				rb.Size += o.Size
			}
			rb.Age = human.Seconds(now.Sub(rb.Time))
		}
		l.Backups = append(l.Backups, rb)
	}
	slices.SortFunc(l.Backups, func(a, b RemoteBackup) int {
		if c := b.Time.Compare(a.Time); c != 0 {
			return c
		}
		return strings.Compare(string(a.ID), string(b.ID))
	})
	pending, err := r.pendingUploads(ctx, r.o.root())
	if err != nil {
		return l, err
	}
	for _, p := range pending {
		l.Pending = append(l.Pending, Pending{Key: p.Key, Initiated: p.Initiated})
	}
	return l, nil
}

// indexEntry is one remote manifest read back.
type indexEntry struct {
	Manifest *RemoteManifest
	Problem  string
}

// index reads the installation's remote manifests by ID. One that cannot
// be parsed is an entry with a Problem; failing to list or read is an
// error.
func (r *Remote) index(ctx context.Context) (map[ID]indexEntry, error) {
	out := map[ID]indexEntry{}
	prefix := r.o.root() + indexDir
	for obj := range r.c.ListObjects(ctx, r.o.Bucket, minio.ListObjectsOptions{Prefix: prefix, Recursive: true}) {
		if obj.Err != nil {
			if notFound(obj.Err) {
				return nil, fmt.Errorf("listing %s: %w (does bucket %s exist?)", r.Where(), obj.Err, r.o.Bucket)
			}
			return nil, fmt.Errorf("listing %s: %w", r.Where(), obj.Err)
		}
		id, ok := r.o.idOfIndexKey(obj.Key)
		if !ok {
			continue
		}
		data, err := r.getSmall(ctx, obj.Key, maxRemoteManifest)
		if err != nil {
			if notFound(err) {
				continue // removed since the listing
			}
			return nil, err
		}
		m, err := ParseRemoteManifest(id, data)
		if err != nil {
			out[id] = indexEntry{Problem: err.Error()}
			continue
		}
		out[id] = indexEntry{Manifest: &m}
	}
	return out, nil
}

// manifestOf reads the remote manifest of id.
func (r *Remote) manifestOf(ctx context.Context, id ID) (RemoteManifest, error) {
	data, err := r.getSmall(ctx, r.o.indexKey(id), maxRemoteManifest)
	if err != nil {
		if notFound(err) {
			return RemoteManifest{}, fmt.Errorf("%w: %s (`fossamaint backup list --offsite` shows them)", ErrNotRemote, id)
		}
		return RemoteManifest{}, err
	}
	return ParseRemoteManifest(id, data)
}

// StaleAfter is the age past which an unfinished upload of this
// installation is abandoned and the sweep aborts it.
const StaleAfter = 24 * time.Hour

// Sweep aborts this installation's unfinished uploads initiated more than
// StaleAfter before now (dryRun: lists them only) and returns their keys.
func (r *Remote) Sweep(ctx context.Context, now time.Time, dryRun bool) ([]string, error) {
	pending, err := r.pendingUploads(ctx, r.o.root())
	if err != nil {
		return nil, err
	}
	swept, _, err := r.sweep(ctx, pending, now, dryRun)
	return swept, err
}

// sweep is Sweep over the listing pending; it also returns the uploads
// it left (all of them when dry).
func (r *Remote) sweep(ctx context.Context, pending []minio.ObjectMultipartInfo, now time.Time, dryRun bool) (swept []string, left []minio.ObjectMultipartInfo, err error) {
	swept = []string{}
	for _, p := range pending {
		if p.Initiated.IsZero() || now.Sub(p.Initiated) <= StaleAfter {
			left = append(left, p)
			continue
		}
		if !dryRun {
			if err := r.core.AbortMultipartUpload(ctx, r.o.Bucket, p.Key, p.UploadID); err != nil && !notFound(err) {
				return swept, nil, fmt.Errorf("aborting the stale upload of %s: %w", p.Key, err)
			}
		} else {
			left = append(left, p)
		}
		swept = append(swept, p.Key)
	}
	return swept, left, nil
}

func removeOpts() minio.RemoveObjectOptions { return minio.RemoveObjectOptions{} }
