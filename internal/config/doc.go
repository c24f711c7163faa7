// Package config owns fossamaint's configuration: the YAML schema, Default()
// (the FossaWork V2 layout and the seed's thresholds), strict decoding with
// file:line:column errors, ${ENV} expansion, Validate() with field paths and
// redaction for display.
//
// Of fossamaint it imports only internal/redact (Redacted and Secrets use
// the one redaction layer; redact imports nothing) and internal/finding,
// which every package may import, so that any package may import config.
// For that reason Default() writes out the default log globs rather than
// taking them from internal/logs (a test keeps the two equal).
// internal/archtest checks these rules.
package config
