// Package security owns the security review's probes: file modes against
// the most permissive allowed, TLS certificate expiry, and the secret
// values of a dotenv file that reports must redact. Later: authentication
// failures, brute force and attack signatures in logs.
//
// Every probe only reads; none changes a file. It must not import
// internal/runbook, internal/weekly or internal/cli: it returns plain
// structs, and internal/weekly turns them into findings.
package security
