// Package service owns starting, stopping and asking about the application's
// services: the Manager interface and its three implementations (systemd via
// systemctl, exec with argv arrays from config, none when the operator
// manages services) and the readiness wait after a
// start. Commands always run as argv, never through a shell. Dry runs are
// handled once, by runbook.Env.Do, which journals and records every action.
//
// It may import internal/config and the leaf helpers (durable for the
// temporary file holding a command's output); it must not import
// internal/runbook, internal/weekly, internal/cli or other domain packages
// (readiness takes a probe function, so health stays out of it).
// internal/archtest checks these rules.
package service
