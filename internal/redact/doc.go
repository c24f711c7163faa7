// Package redact is the one redaction layer: every report, every quoted
// log line, every command line and every error fossamaint prints passes
// through it, so a secret has one set of rules to get past, not four.
// Listed secrets are known once the config is read; a command run without
// one (a file named on the command line) removes labelled secrets only.
//
// Two kinds of secret are removed, each replaced by Marker:
//
//   - listed secrets: values known to be secret, from the installation's
//     .env and from the config (URL passwords, secret arguments). Every
//     occurrence is replaced, longest first, so a secret containing
//     another goes whole;
//   - labelled secrets nobody listed: values after password=, token=,
//     secret=, api_key: and the like (env, JSON, query-string and header
//     spellings) where the name is a key, not a path or a file name
//     (/etc/passwd: and password-2026-11-28.jsonl: label nothing), bearer
//     and basic credentials, and the password of scheme://user:password@host
//     (and of scheme:/user:password@host, a URL cleaned as a path).
//
// Command lines get argv-aware treatment (Args): the value after a
// --password flag is hidden whole, as is everything after NAME= or
// "Authorization:" in one argument.
//
// It imports nothing of fossamaint, so any package may use it
// (internal/archtest checks this).
package redact
