// Package cli holds the cobra commands: each parses flags, loads the
// config, calls internal/weekly or a domain package and renders the output.
// Logic lives elsewhere; nothing imports cli but cmd/fossamaint.
package cli
