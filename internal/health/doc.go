// Package health owns the health checks: HTTP endpoint probes (one GET,
// expected statuses, latency), readiness polling with capped backoff,
// latency sampling and regression, the system snapshot (disk, memory, load),
// file-mode checks, and the comprehensive health report that the seed's
// health-check.py --comprehensive produced.
//
// It returns plain results and never prints. It may import internal/config;
// it must not import internal/runbook, internal/weekly, internal/cli or other
// domain packages (service states arrive as plain values from the caller).
package health
