// Package analysis is the weekly log analysis (what upstream's
// log-analyzer.py --errors --last-week --report means to do, without its
// blind spots): totals by level, logger, day and hour by each entry's own
// timestamp, error patterns mined into templates with a category, new
// patterns compared with the previous analysis, and whether the error
// count calls for an investigation. Files are read in parallel with the
// shared reader of internal/logs; memory is bounded.
//
// Of fossamaint it imports internal/logs, internal/logs/patterns and the
// leaf helpers (durable, redact); it must not import runbook, weekly, cli
// or another domain package. internal/archtest checks these rules.
package analysis
