package offsite

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/fossawork/fossamaint/internal/backup"
	"github.com/fossawork/fossamaint/internal/human"
	"github.com/minio/minio-go/v7"
)

// PushOptions tune Push.
type PushOptions struct {
	// Now is the time of the push (the remote manifest's pushed_at, the
	// age of unfinished uploads the sweep aborts).
	Now time.Time
	// DryRun says what would be pushed and swept, sending nothing.
	DryRun bool
	// Progress, when set, is told the bytes of each part sent.
	Progress func(ProgressEvent)
	// Policy, when set, is the local retention policy: a backup it does
	// not keep (still there because pruning is off) is skipped, since
	// off-site it would be outside the same policy at once.
	Policy *backup.PrunePolicy
}

// ProgressEvent says how far the push of one backup is.
type ProgressEvent struct {
	ID ID
	// Object is the object being sent; Done and Total count the bytes of
	// the whole backup (plaintext; Done may pass Total by the encryption
	// overhead).
	Object      string
	Done, Total int64
}

// PushResult says what a push did (or, dry, would do).
type PushResult struct {
	Where  string `json:"where"`
	DryRun bool   `json:"dry_run"`
	// Pushed are the backups uploaded (or that would be).
	Pushed []Pushed `json:"pushed"`
	// Remote are the verified backups already there.
	Remote []ID `json:"already_remote"`
	// Skipped are local backups not pushed, with why (not verified).
	Skipped []Skipped `json:"skipped"`
	// Failed are the backups whose push failed; the next push tries
	// again (a plaintext upload resumes where it stopped).
	Failed []Failed `json:"failed"`
	// Swept are the unfinished uploads older than a day that were (or
	// would be) aborted.
	Swept []string `json:"swept_uploads"`
}

// Pushed is one backup sent.
type Pushed struct {
	ID      ID    `json:"id"`
	Objects int   `json:"objects"`
	Bytes   int64 `json:"bytes"`
	// Stored is the bytes sent (ciphertext when encrypted).
	Stored    int64 `json:"stored_bytes"`
	Encrypted bool  `json:"encrypted"`
	// ReusedParts counts the parts an interrupted upload had already sent.
	ReusedParts int `json:"reused_parts,omitempty"`
	// Replaced: a remote copy under this name held other content (the
	// local backup was taken again under the same name).
	Replaced bool          `json:"replaced,omitempty"`
	Duration human.Seconds `json:"duration_seconds"`
}

// Skipped is a local backup that is not pushed.
type Skipped struct {
	Path   string `json:"path"`
	Reason string `json:"reason"`
}

// Failed is a backup whose push failed.
type Failed struct {
	ID    ID     `json:"id"`
	Error string `json:"error"`
}

// OK is true when nothing failed.
func (r PushResult) OK() bool { return len(r.Failed) == 0 }

// Push uploads each verified local backup of list that is not remote yet,
// newest first, each within the configured timeout: its objects, then its
// remote manifest. A backup whose push fails is reported and the next one
// is tried; only a cancelled ctx stops the push early. Unfinished uploads
// of this installation older than a day are aborted first.
func (r *Remote) Push(ctx context.Context, list []backup.Backup, o PushOptions) (PushResult, error) {
	res := PushResult{Where: r.Where(), DryRun: o.DryRun, Pushed: []Pushed{}, Remote: []ID{}, Skipped: []Skipped{},
		Failed: []Failed{}, Swept: []string{}}
	// The installation's unfinished uploads, listed once: the stale ones
	// are swept, the rest resumed or aborted when their object is pushed.
	all, err := r.pendingUploads(ctx, r.o.root())
	if err != nil {
		return res, err
	}
	res.Swept, all, err = r.sweep(ctx, all, o.Now, o.DryRun)
	if err != nil {
		return res, err
	}
	pending := map[string][]minio.ObjectMultipartInfo{}
	for _, p := range all {
		pending[p.Key] = append(pending[p.Key], p)
	}
	index, err := r.index(ctx)
	if err != nil {
		return res, err
	}
	var enc *encryption
	if r.o.Encrypted() && !o.DryRun {
		if enc, err = r.o.encryption(); err != nil {
			return res, err
		}
	}
	var outside map[string]bool
	if o.Policy != nil {
		outside = map[string]bool{}
		for _, b := range backup.PlanPrune(list, *o.Policy).Remove {
			outside[b.Path] = true
		}
	}
	for _, b := range list {
		if b.Kind == backup.KindUnknown {
			continue
		}
		if outside[b.Path] {
			res.Skipped = append(res.Skipped, Skipped{Path: b.Path, Reason: "outside the retention policy (the next prune removes it)"})
			continue
		}
		lb, why := pushable(b)
		if why != "" {
			res.Skipped = append(res.Skipped, Skipped{Path: b.Path, Reason: why})
			continue
		}
		old, there := index[lb.ID]
		if there && old.Problem == "" && sameContent(old.Manifest, lb) {
			res.Remote = append(res.Remote, lb.ID)
			continue
		}
		p := Pushed{ID: lb.ID, Objects: len(lb.Files), Encrypted: enc != nil || (o.DryRun && r.o.Encrypted()), Replaced: there}
		for _, f := range lb.Files {
			p.Bytes += f.Size
		}
		if o.DryRun {
			res.Pushed = append(res.Pushed, p)
			continue
		}
		if err := r.pushOne(ctx, lb, there, enc, pending, o, &p); err != nil {
			if ctx.Err() != nil {
				return res, fmt.Errorf("pushing backup %s: %w", lb.ID, ctx.Err())
			}
			res.Failed = append(res.Failed, Failed{ID: lb.ID, Error: err.Error()})
			continue
		}
		res.Pushed = append(res.Pushed, p)
	}
	return res, nil
}

// sameContent: the remote copy holds this local backup (same database
// hash and size).
func sameContent(m *RemoteManifest, lb localBackup) bool {
	if m == nil {
		return false
	}
	o, ok := m.object(lb.Database)
	return ok && o.SHA256 == lb.Manifest.SHA256 && o.Size == lb.Manifest.Size
}

// pushOne sends one backup within the timeout: its remote manifest goes
// first when it is replaced (so it stops counting as remote), and last
// after every object completed.
func (r *Remote) pushOne(parent context.Context, lb localBackup, replace bool, enc *encryption,
	pending map[string][]minio.ObjectMultipartInfo, o PushOptions, p *Pushed) error {
	start := time.Now()
	ctx, cancel := r.withTimeout(parent)
	defer cancel()
	if replace {
		if err := r.c.RemoveObject(ctx, r.o.Bucket, r.o.indexKey(lb.ID), removeOpts()); err != nil && !notFound(err) {
			return fmt.Errorf("removing the outdated remote manifest: %w", err)
		}
	}
	m := RemoteManifest{Version: RemoteManifestVersion, Installation: r.o.Installation, ID: lb.ID, Kind: lb.ID.Kind(),
		Time: lb.Backup.Time, TimeSource: lb.Backup.TimeSource, Engine: lb.Manifest.Engine, Database: lb.Database,
		Manifest: lb.ManifestName, Encrypted: enc != nil, PushedAt: o.Now}
	if enc != nil {
		m.Recipients = enc.names
	}
	var done int64
	for _, f := range lb.Files {
		progress := func(n int64) {
			done += n
			if o.Progress != nil {
				o.Progress(ProgressEvent{ID: lb.ID, Object: f.Name, Done: done, Total: p.Bytes})
			}
		}
		obj, st, err := r.pushFile(ctx, lb.ID.Kind(), f, enc, pending, progress)
		if err != nil {
			return fmt.Errorf("%s: %w", f.Name, err)
		}
		m.Objects = append(m.Objects, obj)
		p.Stored += obj.StoredSize()
		p.ReusedParts += st.Reused
	}
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	if err := m.validate(lb.ID); err != nil {
		return fmt.Errorf("remote manifest: %w", err)
	}
	if err := r.putSmall(ctx, r.o.indexKey(lb.ID), append(data, '\n'), "application/json"); err != nil {
		return err
	}
	p.Duration = human.Seconds(since(start))
	return nil
}

// pushFile uploads one file, encrypted when enc is set, checking on the
// way that it still matches its manifest; pending are the installation's
// unfinished uploads by key.
func (r *Remote) pushFile(ctx context.Context, kind backup.Kind, f localFile, enc *encryption,
	pending map[string][]minio.ObjectMultipartInfo, progress func(int64)) (Object, putStats, error) {
	obj := Object{Name: f.Name}
	if f.Link != "" {
		obj.Link = f.Link
		return obj, putStats{}, nil
	}
	file, err := os.Open(f.Path)
	if err != nil {
		return obj, putStats{}, err
	}
	defer file.Close()
	matches := func(sum string, size int64) error {
		if f.SHA256 != "" && (sum != f.SHA256 || size != f.Size) {
			return fmt.Errorf("%w: %s has sha256 %s and %d bytes, its manifest says %s and %d bytes",
				errSourceChanged, f.Path, sum, size, f.SHA256, f.Size)
		}
		obj.SHA256, obj.Size = sum, size
		return nil
	}
	req := putRequest{key: r.o.objectKey(kind, f.Name, enc != nil), src: file, resumable: true, check: matches,
		progress: progress}
	req.pending = pending[req.key]
	if enc == nil {
		st, err := r.put(ctx, req)
		return obj, st, err
	}
	st, err := enc.put(ctx, r, req)
	obj.CipherSHA256, obj.CipherSize = st.SHA256, st.Size
	return obj, st, err
}
