//go:build race

package sqlitedb

// raceEnabled: the race detector slows the transpiled SQLite about 50x,
// so tests that need a "long" check build a smaller database.
const raceEnabled = true
