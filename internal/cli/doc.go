// Package cli holds the cobra commands: each parses flags, resolves the
// config once into an install.Installation and takes every option from it
// (paths, zone, backup layout and create options, retention, file-mode
// rules, log file set and ages, TLS targets), calls internal/weekly or a
// domain package and prints the result. Finished runs are rendered by
// internal/report, never here. Logic lives elsewhere. It may import any
// fossamaint package but the test-only ones (internal/testkit,
// internal/archtest); nothing imports cli but cmd/fossamaint.
// internal/archtest checks these rules.
package cli
