// Package health owns the health checks: HTTP endpoint probes (one GET,
// expected statuses, latency), readiness polling with capped backoff,
// latency sampling and regression, the system snapshot (disk, memory, load),
// and the comprehensive health report that the seed's health-check.py
// --comprehensive produced (its file-mode summary uses security.CheckPerms,
// the one mode audit of the project).
//
// It returns plain results, graded with internal/finding's severities, and
// never prints. It may import internal/config, internal/finding,
// internal/sqlitedb (the database probe opens through it, as every SQLite
// access does), internal/security's exported API and the leaf helpers
// (ProbePostgres connects with pgx itself: pgdb is not among them); it
// must not import internal/runbook, internal/weekly, internal/cli or the
// service package (service states arrive as plain values from the caller).
// internal/archtest checks these rules.
package health
