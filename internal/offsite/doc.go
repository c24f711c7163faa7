// Package offsite owns the off-site copies of verified backups in an
// S3-compatible bucket (AWS S3, MinIO, Backblaze B2, Cloudflare R2,
// Wasabi, versitygw), spoken to with minio-go: pushing each verified local
// backup that is not yet remote (Push), listing the remote copies (List),
// checking them (Verify, with a restore test of a download in a private
// temp dir), downloading one for a restore (Fetch), remote retention with
// the local policy (PlanPrune, Prune) and the sweep of abandoned uploads.
//
// Remote layout, under <prefix>/<installation id>/ so that installations
// can share a bucket:
//
//	daily/YYYYMMDD/<file>             a daily set's database, manifest.json, .env, data/...
//	weekly/<name>_YYYYMMDD_HHMMSS.db  and <name>...db.manifest.json beside it
//	maintenance/<name>...             likewise
//	index/<kind>/<name>.json          the remote manifest of one backup
//
// Encrypted objects (age, to the configured recipients) carry a .age
// suffix. A backup is remote only when its remote manifest (written last,
// after every data object completed) exists: it lists each object with its
// plaintext sha256 and size and, when encrypted, its ciphertext sha256 and
// size. Data objects go up as S3 multipart uploads (one PUT when they fit
// one part) with each part's SHA-256 sent as x-amz-checksum-sha256, which
// the server verifies (and, the same hash, as the signed payload hash);
// an upload is invisible under its final name until completed, so an
// interrupted push leaves no partial object there. A plaintext upload
// interrupted midway is resumed: the parts whose checksums match are
// kept. An upload is a bounded pipeline: one goroutine reads the next
// part (and feeds the whole file's SHA-256) while two earlier parts are
// hashed and sent, so at most three parts (3 x part_size_mib, 48 MiB by
// default) are in memory per push, and every goroutine has ended when
// the upload returns, cancelled or not.
//
// It imports internal/backup (the manifest, the listing, the retention
// policy and the restore test) and the leaf helpers. It must not import
// internal/config (internal/install builds its Options), internal/runbook,
// internal/weekly, internal/recovery or internal/cli; internal/backup must
// not import it. internal/archtest checks these rules.
package offsite
