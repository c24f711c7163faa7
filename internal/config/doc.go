// Package config owns fossamaint's configuration: the YAML schema, Default()
// (the FossaWork V2 layout and the seed's thresholds), strict decoding,
// ${ENV} expansion, Validate() with field paths, the checks of the paths
// it names, and redaction for display.
//
// Load reports every problem of a file at once (an *Errors, whose Unwrap
// gives each *Error), each as file:line:column: key.path: message at the
// key that holds it. The document is decoded key by key over the schema
// (schema.go) so that one mistake does not hide the next, with the nearest
// valid key for an unknown one (errors.go); validation problems, which
// know their key path, are found in the tree afterwards (node.go). Check
// adds what `config validate` requires beyond Load (dirs.go).
//
// Of fossamaint it imports only internal/redact (Redacted and Secrets use
// the one redaction layer; redact imports nothing), internal/human (the
// edit distance of "did you mean", shared with the CLI) and internal/finding,
// which every package may import, so that any package may import config.
// For that reason Default() writes out the default log globs rather than
// taking them from internal/logs (a test keeps the two equal).
// internal/archtest checks these rules.
package config
