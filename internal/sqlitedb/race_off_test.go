//go:build !race

package sqlitedb

const raceEnabled = false
