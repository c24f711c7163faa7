//go:build race

package sandbox

// raceEnabled skips the long generation tests under the race detector,
// which slows the pure-Go SQLite by an order of magnitude.
const raceEnabled = true
