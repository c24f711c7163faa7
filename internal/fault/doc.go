// Package fault marks the places where a crash or a failure matters most
// (a service just stopped, a temporary file just written, a rollback point
// just linked, a database just swapped) so tests and the crash campaign
// can make fossamaint fail or die exactly there, and every recovery path
// has a test of its own rather than only a random kill.
//
// Production code calls Hit(name) at each point; it does nothing unless
// the point was armed. Tests in the same process arm points with Arm.
// A binary built with `-tags faults` (bench/crash builds one) also reads
// FOSSAMAINT_FAULT, e.g. "database/optimize/after-stop=kill"; a binary
// built without the tag never looks at the environment.
//
// It imports nothing of fossamaint (internal/archtest checks this).
package fault
