// Package logs owns reading the application's log files: the two line shapes
// found in FossaWork's `.jsonl` files (one JSON object per line, and Python
// logging text with pipes) plus plain timestamped text, traceback
// continuation lines, `.gz` files, discovery of the per-day, per-stream log
// tree, and a streaming summary of a time window (levels, streams, top error
// messages, failed authentications, malformed lines).
//
// The Reader is the one place lines are split, classified and joined; later
// analyses (pattern mining, reports, rotation) build on it rather than
// re-reading files their own way. Memory is bounded by ReaderOptions, never
// by the size of a file or of a line.
//
// It returns plain domain structs; of fossamaint it imports only the leaf
// helpers (lines, ctxio, durable) and must not import internal/runbook,
// internal/weekly, internal/cli or any other domain package.
// internal/archtest checks these rules.
package logs
