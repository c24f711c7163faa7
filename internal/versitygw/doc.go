// Package versitygw starts a private versitygw (an S3 gateway over a
// POSIX directory) on a free loopback port, with one bucket: the real S3
// server of the off-site tests (through internal/testkit) and of
// `fossamaint demo`'s off-site copies. Find looks for the binary where
// `go install` puts it; Start runs it, waits until it answers and makes
// the bucket; Server.Stop ends it.
//
// It imports only the leaf helpers of fossamaint (internal/archtest
// checks this) and the minio client; it sends traffic only to the server
// it started on 127.0.0.1.
package versitygw
