package backup

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// DescribeFile makes a backup of a database file that already sits where
// backups of kind live (rollback point B: the original a swap kept aside):
// it checks and hashes the file in one read (the hash and quick_check run
// side by side) and writes its manifest, so that every rollback point can
// be verified later like any backup. A file that fails its check gets no
// manifest, and the error wraps ErrVerificationFailed.
func DescribeFile(ctx context.Context, path string, kind Kind, now time.Time, toolVersion string, tags ...string) (Manifest, error) {
	res, err := verifyFile(ctx, path, false)
	if err != nil {
		return Manifest{}, fmt.Errorf("describing %s: %w", path, err)
	}
	if !res.OK {
		return Manifest{}, fmt.Errorf("%w: %s: %s", ErrVerificationFailed, path, strings.Join(res.Messages, "; "))
	}
	all := kindTags(kind)
	for _, t := range tags {
		if t != "" && !slices.Contains(all, t) {
			all = append(all, t)
		}
	}
	m := Manifest{
		Version: ManifestVersion, CreatedAt: now.Format(time.RFC3339), Kind: string(kind), Tags: all,
		Database: filepath.Base(path), Method: "kept_original",
		SQLiteVersion: res.SQLiteVersion, PageSize: res.PageSize, PageCount: res.PageCount,
		Size: res.Size, SHA256: res.SHA256, Check: res.CheckName, CheckResult: "ok", ToolVersion: toolVersion,
	}
	if err := WriteManifest(ManifestPathFor(path), m); err != nil {
		return m, fmt.Errorf("describing %s: %w", path, err)
	}
	return m, nil
}
