// Package pywheel writes pure-Python wheels (name-version-py3-none-any.whl)
// that pip installs offline: the stand-in packages of `fossamaint demo`'s
// virtualenv and of the pip tests. A wheel holds a module whose only
// content is its VERSION, and the metadata pip reads (name, version,
// requirements). It is the one wheel writer of the module.
//
// It is a leaf: it imports nothing of fossamaint.
package pywheel
