// Package lines reads text a line at a time with a bound on memory: a line
// longer than the limit is cut to its first bytes and the rest is read and
// dropped, never held. bufio.Scanner would instead stop at the first long
// line. The log reader, the pattern miner's file reader, the host auth-log
// scan and the metrics reader all read through it.
//
// It imports nothing of fossamaint (internal/archtest checks this).
package lines
