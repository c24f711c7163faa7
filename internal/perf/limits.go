package perf

// MaxLineBytes bounds one metrics line. Upstream lines are about 400 bytes; a
// longer line is a corrupt write (or a stray dump) and is skipped as
// malformed without ever being held whole in memory.
const MaxLineBytes = 1 << 20
