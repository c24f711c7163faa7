// Package config owns fossamaint's configuration: the YAML schema, Default()
// (the FossaWork V2 layout and the seed's thresholds), strict decoding with
// file:line:column errors, ${ENV} expansion, Validate() with field paths and
// redaction for display. It imports no other fossamaint package.
package config
