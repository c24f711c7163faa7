// Package sandbox owns `fossamaint demo`'s throw-away FossaWork V2
// installation: Generate writes a realistic tree (SQLite database with the
// upstream schema and free pages, 100 days of logs in both upstream line
// shapes, performance metrics, backups of various ages, a TLS certificate
// close to expiry, a config pointing at all of it) with a few planted
// findings, and the demo machine's own package list and auth log (so the
// demo reads nothing of the real host's apt or /var/log), and real,
// offline application packages: a virtualenv made with the machine's
// python3 holding old versions of the watched Python packages from a
// wheelhouse of stand-in wheels with newer ones (pyenv.go), and a
// frontend whose package.json, lockfile and node_modules name stand-in
// npm packages of the backend's own registry (frontend.go, npmreg.go);
// RunBackend is a small real HTTP backend over that database that
// keeps writing to it and to its logs, and serves that npm registry under
// /npm/ (packuments, tarballs, npm audit's bulk advisories);
// StartDaemon, StopDaemon and
// DaemonStatus let the exec service manager drive it through a pidfile.
//
// With Options.DatabaseURL (`demo --db postgres`) the database is an empty
// PostgreSQL database instead (the CLI starts a private server in
// PGClusterDir): the same tables in PostgreSQL's types and the same
// generated rows (the generator fills a rowSink: pgload.go), its
// DATABASE_URL in backend/.env as the application reads it, the earlier
// backups as pg_dump files (pggen.go), and the backend serving from it
// through pgx's database/sql driver in its dialect (dialect.go).
//
// With Options.Offsite (the CLI started a private versitygw in
// OffsiteDir) the config's backups.offsite points at that server's
// bucket, with the keys named by variables (never in the config; Generate
// writes them to OffsiteDir/s3.env, 0600) and age encryption to an
// X25519 identity it generates there (offsite.go).
//
// It imports internal/config (to write the demo's fossamaint.yaml),
// internal/perf (to plant last week's API benchmark in the format the
// weekly run reads), internal/pywheel (the wheels) and internal/pgdb (to
// open the PostgreSQL database and find pg_dump), may use the leaf
// helpers, and imports no other fossamaint package: in particular
// not internal/runbook, internal/weekly or internal/cli (internal/archtest
// checks this). It never sends traffic anywhere but to
// its own loopback listener; the "attacker" addresses it logs are TEST-NET
// documentation addresses written into log lines only.
package sandbox
