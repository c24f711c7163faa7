// Package archtest holds no code, only tests of the project's shape, run by
// `go test ./...` and so by CI:
//
//   - the import rules: one table (rules in archtest_test.go) says which
//     fossamaint packages each package may import; every package of the
//     module must have a row, and every import of every .go file, whatever
//     its build tags, must be allowed by it. Each package's doc.go says the
//     same in prose; when a rule changes, change both. The doc.go texts
//     call "the leaf helpers" the packages that import nothing of
//     fossamaint and most packages may use: internal/ctxio, durable,
//     fault, human, lines and redact, and internal/finding (the one severity
//     vocabulary), which every package may import.
//   - the size limits: no .go file longer than 600 lines, no function body
//     longer than 80, except the entries of an explicit allow-list that
//     may only shrink.
//
// It imports nothing of fossamaint.
package archtest
