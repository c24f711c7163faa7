// Package durable owns how fossamaint names and cleans up its temporary
// files. Every temporary file or directory the tool creates inside an
// installation (a VACUUM INTO target, a backup being written, a report or
// log archive before its rename) or in the system temp dir is named
//
//	.fossamaint-tmp-<pid>-<purpose>-<random>
//
// so that a later run can recognise it as ours, tell whether the process
// that made it is still alive, and sweep it when it is not: a kill -9 must
// not leak a 600 MB copy of the database beside the live one. It also
// holds the directory fsync every rename-into-place needs.
//
// It imports nothing of fossamaint (internal/archtest checks this).
package durable
