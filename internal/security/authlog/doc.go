// Package authlog finds failed authentications in host logs: OpenSSH
// (syslog, RFC 5424, ISO-timestamped and journal text), nginx and Apache
// error logs (HTTP basic/digest auth and what fail2ban's filters treat as
// failures) and PAM. It follows the semantics of fail2ban's sshd (mode
// "aggressive"), nginx-http-auth, apache-auth and pam-generic filters,
// including sshd's per-connection state: a failure logged without an address
// is attributed to the address its connection showed earlier or later, and
// helper lines ("Failed publickey" for a valid user, a PAM failure that a
// later "Accepted" for the same user excuses) only count when the connection
// tried several user names or ended before authenticating.
//
// Scanning streams: memory is bounded by the longest line accepted
// (Options.MaxLineBytes) and the connection table (Options.MaxSessions),
// never by the size of a file. Lines that are garbage or binary are counted
// and skipped, never fatal.
//
// Why not internal/logs' Reader: it joins continuation lines and classifies
// the application's own line shapes; host logs need one physical line per
// record and exact line numbers. Files are still opened through logs.Open so
// rotated `.gz` logs read the same way everywhere.
//
// It returns plain domain structs. Of fossamaint it imports internal/logs
// (for Open) and the leaf helpers (lines), and must not import
// internal/runbook, internal/weekly, internal/cli or any other domain
// package. internal/archtest checks these rules.
package authlog
