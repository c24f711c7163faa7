// Package install resolves a config.Config, once, into the typed options
// each package takes: paths made absolute against the installation root,
// the maintenance window parsed (with its error), the backup layout and
// create options, the retention policy, the off-site options
// (offsite.Options), the file-mode rules, the log file
// set, the service manager and the health probes. Stand-alone commands and
// the weekly phases take their options from one Installation, so a path or
// a rule is built in one place and no path is hard-coded outside
// config.Default().
//
// It may import internal/config and the domain packages whose options it
// builds (backup, offsite, logs, security, service, health, runbook for the window
// type), the other domain packages and the leaf helpers; it must not import
// weekly, recovery, cli or report (internal/archtest checks this).
package install
