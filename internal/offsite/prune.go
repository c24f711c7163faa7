package offsite

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/fossawork/fossamaint/internal/backup"
	"github.com/fossawork/fossamaint/internal/human"
)

// PrunePlan is the local retention policy applied to the remote backups.
type PrunePlan struct {
	Keep    []RemoteBackup
	Remove  []RemoteBackup
	Reasons map[ID][]string
}

// PlanPrune applies pol to the remote backups with the same code as the
// local retention (backup.PlanPrune: restic's forget semantics, each kind
// on its own), as of now. Pins name local files and do not apply; a
// backup whose remote manifest is unusable is kept.
func PlanPrune(remote []RemoteBackup, pol backup.PrunePolicy, now time.Time) PrunePlan {
	pol.Pinned = nil
	byID := map[string]RemoteBackup{}
	var list []backup.Backup
	for _, rb := range remote {
		byID[string(rb.ID)] = rb
		b := backup.Backup{Path: string(rb.ID), Kind: rb.Kind, Time: rb.Time.In(now.Location()),
			Age: human.Seconds(now.Sub(rb.Time))}
		if rb.Problem != "" {
			b.Kind = backup.KindUnknown
		}
		list = append(list, b)
	}
	p := backup.PlanPrune(list, pol)
	plan := PrunePlan{Reasons: map[ID][]string{}}
	for _, b := range p.Keep {
		plan.Keep = append(plan.Keep, byID[b.Path])
	}
	for _, b := range p.Remove {
		plan.Remove = append(plan.Remove, byID[b.Path])
	}
	for path, why := range p.Reasons {
		plan.Reasons[ID(path)] = why
	}
	return plan
}

// PruneResult says what remote retention did (or, dry, would do).
type PruneResult struct {
	Where  string `json:"where"`
	DryRun bool   `json:"dry_run"`
	// Versioned: the bucket keeps versions, so a delete only hides the
	// current one behind a delete marker.
	Versioned bool `json:"versioned"`
	// ObjectLock: the bucket has object lock; locked objects are kept.
	ObjectLock bool            `json:"object_lock"`
	Kept       []Kept          `json:"kept"`
	Removed    []Removed       `json:"removed"`
	Locked     []Locked        `json:"locked"`
	Failed     []Failed        `json:"failed"`
	Reasons    map[ID][]string `json:"reasons"`
}

// Kept is a remote backup the policy keeps.
type Kept struct {
	ID      ID       `json:"id"`
	Reasons []string `json:"reasons"`
}

// Removed is a remote backup the policy removed (or would remove), with
// what a delete means in this bucket.
type Removed struct {
	ID      ID     `json:"id"`
	Outcome string `json:"outcome"`
}

// Locked is a backup the policy would remove but the bucket's object lock
// keeps: never reported as removed.
type Locked struct {
	ID        ID        `json:"id"`
	Until     time.Time `json:"until,omitempty"`
	LegalHold bool      `json:"legal_hold,omitempty"`
}

// Outcomes of a removal.
const (
	OutcomeDeleted     = "deleted"
	OutcomeHidden      = "hidden: the bucket keeps its versions (a delete marker was added)"
	OutcomeWouldDelete = "would delete"
	OutcomeWouldHide   = "would hide: the bucket keeps its versions"
)

// Prune removes what plan removes: for each backup, unless an object of
// it is under retention or legal hold (then it is Locked), its remote
// manifest first (so it stops counting as remote) and then its objects.
// With dryRun nothing is deleted; locks are still read, so the report
// says what a real run would do.
func (r *Remote) Prune(ctx context.Context, plan PrunePlan, now time.Time, dryRun bool) (PruneResult, error) {
	res := PruneResult{Where: r.Where(), DryRun: dryRun, Kept: []Kept{}, Removed: []Removed{}, Locked: []Locked{},
		Failed: []Failed{}, Reasons: plan.Reasons}
	for _, k := range plan.Keep {
		res.Kept = append(res.Kept, Kept{ID: k.ID, Reasons: plan.Reasons[k.ID]})
	}
	if len(plan.Remove) == 0 {
		return res, nil
	}
	if v, err := r.c.GetBucketVersioning(ctx, r.o.Bucket); err == nil {
		res.Versioned = v.Status == "Enabled" || v.Status == "Suspended"
	} else if !s3Answer(err) {
		return res, fmt.Errorf("reading the versioning of bucket %s: %w", r.o.Bucket, err)
	}
	if st, _, _, _, err := r.c.GetObjectLockConfig(ctx, r.o.Bucket); err == nil {
		res.ObjectLock = st == "Enabled"
	} else if !s3Answer(err) {
		return res, fmt.Errorf("reading the object lock of bucket %s: %w", r.o.Bucket, err)
	}
	for _, rb := range plan.Remove {
		keys := r.keysOf(rb)
		if res.ObjectLock {
			l, locked, err := r.lockOf(ctx, rb.ID, keys, now)
			if err != nil {
				return res, err
			}
			if locked {
				res.Locked = append(res.Locked, l)
				continue
			}
		}
		outcome := map[bool]string{false: OutcomeDeleted, true: OutcomeHidden}[res.Versioned]
		if dryRun {
			outcome = map[bool]string{false: OutcomeWouldDelete, true: OutcomeWouldHide}[res.Versioned]
		} else if err := r.remove(ctx, keys); err != nil {
			if ctx.Err() != nil {
				return res, ctx.Err()
			}
			res.Failed = append(res.Failed, Failed{ID: rb.ID, Error: err.Error()})
			continue
		}
		res.Removed = append(res.Removed, Removed{ID: rb.ID, Outcome: outcome})
	}
	return res, nil
}

// keysOf lists a remote backup's keys, its remote manifest first.
func (r *Remote) keysOf(rb RemoteBackup) []string {
	keys := []string{r.o.indexKey(rb.ID)}
	if rb.Manifest == nil {
		return keys
	}
	for _, o := range rb.Manifest.Objects {
		if o.Link == "" {
			keys = append(keys, r.o.objectKey(rb.Kind, o.Name, rb.Manifest.Encrypted))
		}
	}
	return keys
}

// lockOf reads the object lock of each key from its metadata (HEAD: the
// x-amz-object-lock-* headers, one request per object for both retention
// and legal hold): the backup is locked when any object is retained past
// now or under legal hold.
func (r *Remote) lockOf(ctx context.Context, id ID, keys []string, now time.Time) (Locked, bool, error) {
	l := Locked{ID: id}
	for _, k := range keys {
		oi, err := r.c.StatObject(ctx, r.o.Bucket, k, minio.StatObjectOptions{})
		if notFound(err) {
			continue
		}
		if err != nil {
			return l, false, fmt.Errorf("reading the object lock of %s: %w", k, err)
		}
		if s := oi.Metadata.Get("X-Amz-Object-Lock-Retain-Until-Date"); s != "" {
			until, err := time.Parse(time.RFC3339, s)
			if err != nil {
				// Unreadable: treat it as locked for good rather than
				// risk reporting a retained object deleted.
				return Locked{ID: id, Until: now.AddDate(100, 0, 0)}, true, nil
			}
			if until.After(now) && until.After(l.Until) {
				l.Until = until
			}
		}
		if strings.EqualFold(oi.Metadata.Get("X-Amz-Object-Lock-Legal-Hold"), "ON") {
			l.LegalHold = true
		}
	}
	return l, l.LegalHold || !l.Until.IsZero(), nil
}

// remove deletes keys in order; a key already gone is not an error.
func (r *Remote) remove(ctx context.Context, keys []string) error {
	for _, k := range keys {
		if err := r.c.RemoveObject(ctx, r.o.Bucket, k, removeOpts()); err != nil && !notFound(err) {
			return fmt.Errorf("deleting %s: %w", k, err)
		}
	}
	return nil
}
