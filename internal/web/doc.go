// Package web is `fossamaint serve`: a read-only dashboard over the
// history (runs, one run's report, trends over the weeks, the backups,
// the next window and a running run's progress), /metrics and /healthz.
//
// It is server-rendered: net/http with Go 1.22 routing, html/template,
// its templates and static files embedded with embed. Charts are SVG drawn
// on the server, each with its numbers in a table beside it; the only
// script is a small static file for the live page's server-sent events,
// and every page works without it. No inline script: the Content Security
// Policy forbids it.
//
// The history is read, never written: the weekly run, in another
// process, is its one writer. Actions (verify a backup now, a dry run)
// are POSTs behind authentication and a CSRF token, and nothing
// destructive is offered.
//
// It may import runbook, history, report, install, backup, promexport and
// the leaf helpers; not weekly, recovery or cli (internal/archtest checks
// this): the CLI hands it what it runs.
package web
