package offsite

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/minio/minio-go/v7"
)

// maxParts is S3's limit of parts in one multipart upload.
const maxParts = 10000

// putStats says what an upload sent.
type putStats struct {
	Size   int64
	SHA256 string
	Parts  int
	// Reused counts the parts of an interrupted upload that were kept.
	Reused int
}

// putRequest is one object to upload from a stream.
type putRequest struct {
	key string
	src io.Reader
	// resumable: the stream is the same bytes on every try (a plaintext
	// file), so the parts of an interrupted upload whose checksums match
	// can be kept. An encrypted stream differs every time: its
	// interrupted uploads are aborted and it starts again.
	resumable bool
	// check runs once src is read to its end, before the object is made
	// visible; an error aborts the upload (the source changed, the
	// plaintext does not match its manifest).
	check func(sum string, size int64) error
	// progress is told the bytes of each part sent or kept.
	progress func(int64)
	// pending are the unfinished uploads of key, as Push listed them
	// once for the whole installation (not again per object): the one to
	// resume, the others to abort.
	pending []minio.ObjectMultipartInfo
}

// uploaders is how many parts of one object go up at once (two measured
// faster than one on loopback: bench/README.md, "Off-site"). The parts
// are read (and hashed for the whole object) one after the other by one
// goroutine while earlier parts are hashed for their checksum and sent by
// the uploaders, so memory is bounded by partBuffers parts: uploaders
// parts being sent plus the one being read, 3 x part_size_mib.
const (
	uploaders   = 2
	partBuffers = uploaders + 1
)

// put uploads req.src under req.key: one PUT when it fits one part, else
// a multipart upload, each request carrying the SHA-256 of its body as a
// checksum the server verifies. The object appears under its name only
// when complete. At most partBuffers parts (3 x part_size_mib) are held
// in memory.
func (r *Remote) put(ctx context.Context, req putRequest) (putStats, error) {
	buf := make([]byte, r.o.PartSize)
	n, rerr := io.ReadFull(req.src, buf)
	if rerr != nil && rerr != io.EOF && rerr != io.ErrUnexpectedEOF {
		return putStats{}, fmt.Errorf("reading the source of %s: %w", req.key, rerr)
	}
	if rerr != nil {
		return r.putOne(ctx, req, buf[:n])
	}
	return r.putMultipart(ctx, req, buf)
}

// putOne is the single-PUT case: the whole stream is in data.
func (r *Remote) putOne(ctx context.Context, req putRequest, data []byte) (putStats, error) {
	sum := sha256.Sum256(data)
	st := putStats{Size: int64(len(data)), SHA256: hex.EncodeToString(sum[:]), Parts: 1}
	if err := req.check(st.SHA256, st.Size); err != nil {
		return st, err
	}
	// An interrupted multipart upload of a larger earlier version of
	// this object is of no use any more.
	if err := r.abortUploads(ctx, req.key, req.pending, ""); err != nil {
		return st, err
	}
	if err := r.putSmallSum(ctx, req.key, data, sum, "application/octet-stream"); err != nil {
		return st, err
	}
	if req.progress != nil {
		req.progress(st.Size)
	}
	return st, nil
}

// part is one part read from the stream, in a buffer of the pool.
type part struct {
	num int
	buf []byte // the pool's buffer; data is buf[:n]
	n   int
}

// sent is what an uploader did with one part.
type sent struct {
	part   minio.CompletePart
	size   int64
	reused bool
	err    error
}

// putMultipart sends the stream in parts; first is the first part, full.
// A pipeline: one goroutine reads the parts and feeds the whole-object
// SHA-256, uploaders hash each part for its checksum and send it, and
// this goroutine collects what they sent (and reports progress). Every
// goroutine has ended when it returns.
func (r *Remote) putMultipart(ctx context.Context, req putRequest, first []byte) (st putStats, err error) {
	up, err := r.startUpload(ctx, req.key, req.pending, req.resumable)
	if err != nil {
		return st, err
	}
	defer func() {
		// A plaintext upload cut off by a cancel or a timeout is kept
		// for the next push to resume; anything else is aborted.
		if err != nil && !(req.resumable && ctx.Err() != nil) {
			r.abortQuietly(req.key, up.id)
		}
	}()
	pctx, stop := context.WithCancel(ctx)
	defer stop()
	size := int64(len(first))
	free := make(chan []byte, partBuffers)
	todo := make(chan part)
	total := sha256.New()
	var readErr error
	var wg sync.WaitGroup
	wg.Go(func() {
		defer close(todo)
		readErr = r.readParts(pctx, req, first, size, total, free, todo)
	})
	results := r.sendParts(pctx, up, todo, free)
	var parts []minio.CompletePart
	var sendErr error
	for s := range results {
		if s.err != nil {
			if sendErr == nil {
				sendErr = s.err
			}
			stop()
			continue
		}
		parts = append(parts, s.part)
		st.Size += s.size
		st.Parts++
		if s.reused {
			st.Reused++
		}
		if req.progress != nil && sendErr == nil {
			req.progress(s.size)
		}
	}
	wg.Wait()
	switch {
	case ctx.Err() != nil:
		return st, ctx.Err()
	case sendErr != nil:
		return st, sendErr
	case readErr != nil:
		return st, readErr
	}
	slices.SortFunc(parts, func(a, b minio.CompletePart) int { return a.PartNumber - b.PartNumber })
	st.SHA256 = hex.EncodeToString(total.Sum(nil))
	if err := req.check(st.SHA256, st.Size); err != nil {
		return st, err
	}
	if _, err := r.core.CompleteMultipartUpload(ctx, r.o.Bucket, req.key, up.id, parts, minio.PutObjectOptions{}); err != nil {
		return st, fmt.Errorf("completing the upload of %s: %w", req.key, err)
	}
	return st, nil
}

// sendParts starts the uploaders: each sends the parts it takes from todo
// and gives its buffer back to free. What they sent comes on the channel
// returned, closed once todo is closed and every uploader ended.
func (r *Remote) sendParts(ctx context.Context, up upload, todo <-chan part, free chan<- []byte) <-chan sent {
	results := make(chan sent, partBuffers)
	var uploading sync.WaitGroup
	for range uploaders {
		uploading.Go(func() {
			for p := range todo {
				cp, reused, err := r.sendPart(ctx, up, p.num, p.buf[:p.n])
				if err == nil {
					// After a failed request the transport may still be
					// reading the body: the buffer is not reused (the
					// pipeline stops anyway).
					free <- p.buf
				}
				results <- sent{part: cp, size: int64(p.n), reused: reused, err: err}
			}
		})
	}
	go func() {
		uploading.Wait()
		close(results)
	}()
	return results
}

// readParts reads req.src part by part into the pool's buffers (at most
// partBuffers, first being the first and already full), feeds total and
// hands each part to the uploaders on todo, until the end of the stream
// or ctx ends.
func (r *Remote) readParts(ctx context.Context, req putRequest, first []byte, n int64, total hash.Hash,
	free chan []byte, todo chan<- part) error {
	buf, made := first, 1
	for num := 1; ; num++ {
		if num > maxParts {
			return fmt.Errorf("uploading %s: more than %d parts: raise backups.offsite.part_size_mib", req.key, maxParts)
		}
		total.Write(buf[:n])
		select {
		case todo <- part{num: num, buf: buf, n: int(n)}:
		case <-ctx.Done():
			return ctx.Err()
		}
		if n < int64(len(buf)) {
			return nil
		}
		switch {
		case len(free) == 0 && made < partBuffers:
			buf = make([]byte, len(first))
			made++
		default:
			select {
			case buf = <-free:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		m, err := io.ReadFull(req.src, buf)
		if err == io.EOF {
			return nil
		}
		if err != nil && err != io.ErrUnexpectedEOF {
			return fmt.Errorf("reading the source of %s: %w", req.key, err)
		}
		n = int64(m)
	}
}

// upload is a multipart upload in progress, with the parts an earlier
// try left (by part number).
type upload struct {
	key, id string
	parts   map[int]minio.ObjectPart
}

// sendPart uploads one part, or keeps the interrupted upload's part of
// the same number when its size and SHA-256 match. The part's SHA-256,
// computed once, is both the checksum the server verifies
// (x-amz-checksum-sha256) and the signed payload hash
// (x-amz-content-sha256): minio-go's streaming signature, which would
// hash the body once more in 64 KiB chunks, is turned off.
func (r *Remote) sendPart(ctx context.Context, up upload, num int, data []byte) (minio.CompletePart, bool, error) {
	sum := sha256.Sum256(data)
	want := b64(sum[:])
	if old, ok := up.parts[num]; ok && old.Size == int64(len(data)) && old.ChecksumSHA256 == want {
		return minio.CompletePart{PartNumber: num, ETag: old.ETag, ChecksumSHA256: old.ChecksumSHA256}, true, nil
	}
	h := http.Header{}
	h.Set(checksumHeader, want)
	p, err := r.core.PutObjectPart(ctx, r.o.Bucket, up.key, up.id, num, bytes.NewReader(data), int64(len(data)),
		minio.PutObjectPartOptions{Sha256Hex: hex.EncodeToString(sum[:]), CustomHeader: h, DisableContentSha256: true})
	if err != nil {
		return minio.CompletePart{}, false, fmt.Errorf("uploading part %d: %w", num, err)
	}
	return minio.CompletePart{PartNumber: num, ETag: p.ETag, ChecksumSHA256: p.ChecksumSHA256}, false, nil
}

// startUpload finds among pending the interrupted upload of key to resume
// (the newest, when resumable) or starts one; every other pending upload
// of key is aborted.
func (r *Remote) startUpload(ctx context.Context, key string, pending []minio.ObjectMultipartInfo, resumable bool) (upload, error) {
	pending = slices.DeleteFunc(slices.Clone(pending), func(p minio.ObjectMultipartInfo) bool { return p.Key != key })
	slices.SortFunc(pending, func(a, b minio.ObjectMultipartInfo) int { return b.Initiated.Compare(a.Initiated) })
	up := upload{key: key}
	if resumable && len(pending) > 0 {
		parts, err := r.listParts(ctx, key, pending[0].UploadID)
		if err != nil {
			return upload{}, err
		}
		up.id, up.parts = pending[0].UploadID, parts
	}
	if err := r.abortUploads(ctx, key, pending, up.id); err != nil {
		return upload{}, err
	}
	if up.id != "" {
		return up, nil
	}
	// The checksum algorithm is declared at the start: every part must
	// then carry its SHA-256, and the server checks each.
	var err error
	up.id, err = r.core.NewMultipartUpload(ctx, r.o.Bucket, key, minio.PutObjectOptions{
		ContentType: "application/octet-stream", UserMetadata: map[string]string{"x-amz-checksum-algorithm": "SHA256"}})
	if err != nil {
		return upload{}, fmt.Errorf("starting the upload of %s: %w", key, err)
	}
	return up, nil
}

// pendingUploads lists the unfinished multipart uploads whose keys start
// with prefix.
func (r *Remote) pendingUploads(ctx context.Context, prefix string) ([]minio.ObjectMultipartInfo, error) {
	var out []minio.ObjectMultipartInfo
	keyMarker, idMarker := "", ""
	for {
		res, err := r.core.ListMultipartUploads(ctx, r.o.Bucket, prefix, keyMarker, idMarker, "", 1000)
		if err != nil {
			return nil, fmt.Errorf("listing unfinished uploads under %s: %w", prefix, err)
		}
		out = append(out, res.Uploads...)
		if !res.IsTruncated || (res.NextKeyMarker == keyMarker && res.NextUploadIDMarker == idMarker) {
			return out, nil
		}
		keyMarker, idMarker = res.NextKeyMarker, res.NextUploadIDMarker
	}
}

// listParts reads the parts an upload holds, by number.
func (r *Remote) listParts(ctx context.Context, key, id string) (map[int]minio.ObjectPart, error) {
	parts := map[int]minio.ObjectPart{}
	marker := 0
	for {
		res, err := r.core.ListObjectParts(ctx, r.o.Bucket, key, id, marker, 1000)
		if err != nil {
			return nil, fmt.Errorf("listing the parts of the interrupted upload of %s: %w", key, err)
		}
		for _, p := range res.ObjectParts {
			parts[p.PartNumber] = p
		}
		if !res.IsTruncated || res.NextPartNumberMarker <= marker {
			return parts, nil
		}
		marker = res.NextPartNumberMarker
	}
}

// abortUploads aborts the uploads of pending (as listed) that are of
// exactly key, but keep.
func (r *Remote) abortUploads(ctx context.Context, key string, pending []minio.ObjectMultipartInfo, keep string) error {
	for _, p := range pending {
		if p.Key != key || p.UploadID == keep {
			continue
		}
		if err := r.core.AbortMultipartUpload(ctx, r.o.Bucket, key, p.UploadID); err != nil && !notFound(err) {
			return fmt.Errorf("aborting an unfinished upload of %s: %w", key, err)
		}
	}
	return nil
}

// abortQuietly aborts an upload after a failure, on its own short
// deadline (the caller's context may be what ended); an upload it cannot
// abort is left for the sweep.
func (r *Remote) abortQuietly(key, id string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_ = r.core.AbortMultipartUpload(ctx, r.o.Bucket, key, id)
}

var errSourceChanged = errors.New("the local backup does not match its manifest")
