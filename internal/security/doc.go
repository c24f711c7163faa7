// Package security owns the security review: file modes and owners against
// the most permissive allowed (CheckPerms, and FixPerms which only ever
// removes bits, on request), TLS certificate files and live endpoints
// (expiry, chain, hostname, key match, weak keys and signatures), the scan
// of application logs (failed logins by source, brute-force bursts,
// distributed attacks, attack signatures, scanner user agents, rate
// limiting, secrets written into logs) and the secret values of a dotenv
// file that reports must redact. Host authentication logs are parsed in
// the authlog subpackage.
//
// Everything but FixPerms only reads. It reads logs through internal/logs;
// of fossamaint it imports only that and the leaf helpers (ctxio, redact,
// finding), and must not import internal/runbook, internal/weekly,
// internal/cli or another domain package: it returns plain structs, graded
// with internal/finding's severities, and internal/weekly turns them into
// findings. internal/archtest checks these rules.
package security
