// Package human formats sizes, durations and ages the one way every
// output of fossamaint shows them to a person (reports, tables, progress),
// and carries durations into JSON as seconds.
//
// Sizes are binary units with one decimal ("3.9 MiB"), durations the two
// largest units ("1h 23m", "4m 05s", "0.4 s"), ages whole days past two
// days ("12 days") and hours below. JSON keeps full precision: a Seconds
// value is a float number of seconds, never nanoseconds.
package human
