// Package testkit holds the fixtures the tests of several packages share:
// a FossaWork-shaped SQLite database, raw driver access to build and
// damage database files, and file helpers that fail the test rather than
// return an error. One copy of each, instead of one per package.
//
// It is imported only from _test.go files; it imports no fossamaint
// package, so any package's tests may use it.
package testkit
