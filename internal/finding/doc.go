// Package finding is the one severity vocabulary of fossamaint: how bad a
// thing a check noticed is, from OK (nothing wrong) through Info and
// Warning to Critical. Every domain package (security, health, perf,
// updates) grades with it, the runbook's findings carry it, and the report
// renders it, so no package converts another's strings.
//
// The vocabulary is closed: ParseSeverity and the JSON and YAML decoders
// (through UnmarshalText) reject a name that is not one of the four, and
// MarshalText refuses a value outside them, so an unknown severity can
// neither be read nor written. (Before this package an unknown string
// sorted as critical in one place and as info in another.) Upstream scales,
// such as npm audit's info/low/moderate/high/critical, are parsed by the
// package that reads them and mapped onto this one in a single function
// there.
//
// It is a leaf: it imports only the standard library and nothing of
// fossamaint, so every package may import it.
package finding
