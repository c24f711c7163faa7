package updates

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
)

// ReleaseNumbers parses a PEP 440 version made of release numbers only
// ("1", "1.2", "1.2.3", "2024.10.0"), the versions the patch and minor
// policies compare. Anything else (pre-, post- and dev-releases, local
// versions "+cpu", epochs "1!", a leading "v") is not ok: those policies
// do not guess what range such a version belongs to.
func ReleaseNumbers(v string) (nums []int, ok bool) {
	v = strings.TrimSpace(v)
	if v == "" || len(v) > 100 {
		return nil, false
	}
	for part := range strings.SplitSeq(v, ".") {
		if part == "" || strings.TrimLeft(part, "0123456789") != "" || len(part) > 9 {
			return nil, false
		}
		n, err := strconv.Atoi(part)
		if err != nil {
			return nil, false
		}
		nums = append(nums, n)
	}
	return nums, true
}

// component is nums[i], or 0 past its end: "1" is 1.0.0.
func component(nums []int, i int) int {
	if i < len(nums) {
		return nums[i]
	}
	return 0
}

// upgradeKind says how far to is above from: "major", "minor" or
// "patch" (any later release number), by the first release number that
// differs; "" when to is not later or either is not release numbers.
func upgradeKind(from, to string) string {
	f, okF := ReleaseNumbers(from)
	t, okT := ReleaseNumbers(to)
	if !okF || !okT {
		return ""
	}
	for i := range max(len(f), len(t)) {
		switch c := component(t, i) - component(f, i); {
		case c < 0:
			return ""
		case c > 0 && i == 0:
			return "major"
		case c > 0 && i == 1:
			return "minor"
		case c > 0:
			return "patch"
		}
	}
	return ""
}

// PipReportItem is one distribution `pip install --dry-run --report -`
// would install.
type PipReportItem struct {
	Name    string
	Version string
	// Requested is false for a dependency pulled in by a requested one.
	Requested bool
}

// ParsePipReport parses pip's installation report (pip >= 22.2, report
// version 1): {"version": "1", "install": [{"requested": true,
// "metadata": {"name": "alpha", "version": "1.1.0"}}, ...]}. An entry
// without a name or version, or another report version, is an error.
func ParsePipReport(r io.Reader) ([]PipReportItem, error) {
	data, err := readBounded(r, "pip")
	if err != nil {
		return nil, err
	}
	var raw struct {
		Version *string `json:"version"`
		Install []struct {
			Requested bool `json:"requested"`
			Metadata  struct {
				Name    string `json:"name"`
				Version string `json:"version"`
			} `json:"metadata"`
		} `json:"install"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("pip's installation report is not JSON: %w (starts %q)", err, clip(string(bytes.TrimSpace(data))))
	}
	if raw.Version == nil || *raw.Version != "1" {
		return nil, fmt.Errorf("pip's installation report has no version 1 (got %v): upgrade pip in the virtualenv to 22.2 or later", raw.Version)
	}
	out := make([]PipReportItem, 0, len(raw.Install))
	for i, it := range raw.Install {
		if strings.TrimSpace(it.Metadata.Name) == "" || strings.TrimSpace(it.Metadata.Version) == "" {
			return nil, fmt.Errorf("pip's installation report: entry %d lacks a name or version", i)
		}
		out = append(out, PipReportItem{Name: it.Metadata.Name, Version: it.Metadata.Version, Requested: it.Requested})
	}
	return out, nil
}

// PipFreeze is `pip freeze --all` as a map from the normalised project
// name (NormalizePyName) to what follows it: "1.2.3" for "name==1.2.3",
// "@ file:///src" for a direct reference. A line naming no project (an
// editable "-e path") is kept whole as both its key and its value, so two
// freezes still compare line for line.
type PipFreeze map[string]string

var freezeLine = regexp.MustCompile(`^([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*(?:===?\s*(\S.*)|(@\s*\S.*))$`)

// ParsePipFreeze parses pip freeze's output. Comments and blank lines are
// skipped; it never fails on a line, since pip writes what it finds.
func ParsePipFreeze(r io.Reader) (PipFreeze, error) {
	data, err := readBounded(r, "pip freeze")
	if err != nil {
		return nil, err
	}
	out := PipFreeze{}
	for line := range strings.SplitSeq(string(data), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		m := freezeLine.FindStringSubmatch(line)
		if m == nil {
			out[line] = line
			continue
		}
		out[NormalizePyName(m[1])] = strings.TrimSpace(m[2] + m[3])
	}
	return out, nil
}

// isProject says whether key is a project name rather than a whole line.
func (PipFreeze) isProject(key string) bool {
	return key != "" && !strings.ContainsAny(key, " \t=@/") && !strings.HasPrefix(key, "-")
}

// describeChanges writes changes for people: "alpha 1.0.0 -> 1.1.0, beta
// (new) -> 1.0".
func describeChanges(changes []Change) string {
	parts := make([]string, 0, len(changes))
	for _, c := range changes {
		from, to := c.From, c.To
		if from == "" {
			from = "(absent)"
		}
		if to == "" {
			to = "(absent)"
		}
		parts = append(parts, c.Name+" "+from+" -> "+to)
	}
	return strings.Join(parts, ", ")
}
