// Package promexport turns a finished weekly run into Prometheus metrics:
// one registry (NewRegistry) built with prometheus/client_golang, which a
// weekly run writes as a node_exporter textfile-collector file
// (WriteTextfile: the text exposition format encoded by
// prometheus/common/expfmt, written atomically through internal/durable)
// and which a dashboard can serve on /metrics with promhttp.HandlerFor.
//
// Names follow the Prometheus conventions: the fossamaint_ prefix, base
// units in the name (_seconds, _bytes, _ratio), timestamps as
// _timestamp_seconds, and no _total, since every value is a gauge: the
// state the last run measured, not a counter. The run's status is an
// enum-style gauge (fossamaint_last_run_status{status="..."} 1 for the
// run's status, 0 for the others) so a status series never disappears.
// A value the run did not measure is left out, never written as 0.
//
// It may import runbook (the run), history (the one definition of a run's
// headline measures, history.MeasuresOf), durable and the other leaf
// helpers; nothing else of fossamaint (internal/archtest checks this).
package promexport
