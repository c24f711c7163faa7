package pywheel

import (
	"archive/zip"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// Summary is every wheel's one-line description (its METADATA Summary,
// which `pip show` prints): it says what the package is.
const Summary = "A stand-in package written by fossamaint (demo installation, tests): it holds only its version, no code"

// validName is a project name PEP 508 accepts; validVersion keeps the
// version to what a file name and a Python string can hold as they are.
var (
	validName    = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$`)
	validVersion = regexp.MustCompile(`^[A-Za-z0-9.+!]+$`)
	separators   = regexp.MustCompile(`[-_.]+`)
)

// Write writes name-version-py3-none-any.whl into dir (which must exist)
// and returns its path: a package whose module (the name with "-" and "."
// as "_") holds VERSION, requiring requires (PEP 508 strings, e.g.
// "starlette>=0.36"). pip installs it with --no-index --find-links dir.
func Write(dir, name, version string, requires ...string) (string, error) {
	if !validName.MatchString(name) || !validVersion.MatchString(version) {
		return "", fmt.Errorf("wheel %q %q: want a project name and a version (letters, digits and . _ - +)", name, version)
	}
	for _, r := range requires {
		if strings.ContainsAny(r, "\r\n") || strings.TrimSpace(r) == "" {
			return "", fmt.Errorf("wheel %s %s: requirement %q is not one line", name, version, r)
		}
	}
	// The wheel file name and its .dist-info use the normalised name
	// with "_" (PEP 427, PEP 503); the module is a Python identifier.
	dist := strings.ReplaceAll(separators.ReplaceAllString(strings.ToLower(name), "-"), "-", "_")
	info := dist + "-" + version + ".dist-info/"
	var meta strings.Builder
	fmt.Fprintf(&meta, "Metadata-Version: 2.1\nName: %s\nVersion: %s\nSummary: %s\n", name, version, Summary)
	for _, r := range requires {
		meta.WriteString("Requires-Dist: " + r + "\n")
	}
	files := [][2]string{
		{dist + "/__init__.py", fmt.Sprintf("%q\n\nVERSION = %q\n", Summary, version)},
		{info + "METADATA", meta.String()},
		{info + "WHEEL", "Wheel-Version: 1.0\nGenerator: fossamaint\nRoot-Is-Purelib: true\nTag: py3-none-any\n"},
	}
	var record strings.Builder
	for _, f := range files {
		record.WriteString(f[0] + ",,\n")
	}
	record.WriteString(info + "RECORD,,\n")
	files = append(files, [2]string{info + "RECORD", record.String()})
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range files {
		w, err := zw.Create(f[0])
		if err == nil {
			_, err = w.Write([]byte(f[1]))
		}
		if err != nil {
			return "", fmt.Errorf("wheel %s %s: %w", name, version, err)
		}
	}
	if err := zw.Close(); err != nil {
		return "", fmt.Errorf("wheel %s %s: %w", name, version, err)
	}
	path := filepath.Join(dir, dist+"-"+version+"-py3-none-any.whl")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		_ = os.Remove(path) // a partial wheel must not be found by pip
		return "", fmt.Errorf("writing wheel %s: %w", path, err)
	}
	return path, nil
}
