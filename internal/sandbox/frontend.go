package sandbox

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// NpmRegistryURL is the demo registry on the backend at addr.
func NpmRegistryURL(addr string) string { return "http://" + addr + npmPrefix }

// NpmCache is npm's cache for the demo frontend, relative to the
// installation: the demo's tarballs never reach the operator's ~/.npm.
const NpmCache = "state/npm-cache"

// writeFrontend stands in for the React app as npm sees it after `npm
// ci`: package.json with NpmPackages' Installed versions as ^ranges, the
// lockfile (version 3) whose resolved URLs are the demo registry on the
// backend at addr, node_modules as those tarballs unpack, and an .npmrc
// pointing npm at that registry (with its own cache, no funding or
// update-notifier messages). npm audit, npm outdated and the npm Applier
// then work offline against the running backend.
func writeFrontend(root, addr string, now time.Time) error {
	dir := filepath.Join(root, "frontend")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("creating %s: %w", dir, err)
	}
	registry := NpmRegistryURL(addr)
	// The cache exists beforehand: npm run with the backend down (a dry
	// run's audit) then writes nothing into the installation.
	cache := filepath.Join(root, NpmCache)
	if err := os.MkdirAll(cache, 0o700); err != nil {
		return fmt.Errorf("creating %s: %w", cache, err)
	}
	const name, version = "fossawork-frontend", "2.0.0"
	deps := map[string]string{}
	lock := npmLock{Name: name, Version: version, LockfileVersion: 3, Requires: true, Packages: map[string]any{}}
	for _, p := range NpmPackages {
		deps[p.Name] = "^" + p.Installed
		d, err := npmTarball(p.Name, p.Installed)
		if err != nil {
			return fmt.Errorf("packing the demo npm package %s@%s: %w", p.Name, p.Installed, err)
		}
		lock.Packages["node_modules/"+p.Name] = npmLocked{Version: p.Installed,
			Resolved: npmTarballURL(registry, p.Name, d.file), Integrity: d.integrity, License: "MIT"}
		if err := writeNodeModule(dir, p.Name, p.Installed); err != nil {
			return err
		}
	}
	pkg := npmProject{Name: name, Version: version, Private: true, Dependencies: deps}
	lock.Packages[""] = npmProject{Name: name, Version: version, Dependencies: deps}
	// logs-max=0: npm keeps no debug logs in the cache. fetch-retries=0:
	// a registry on loopback that refused once is down (npm's retries
	// took a minute); the lockfile keeps its resolved URLs whatever the
	// operator's ~/.npmrc says.
	npmrc := fmt.Sprintf("# fossamaint demo: the demo backend's registry, offline; its own cache.\n"+
		"registry=%s\ncache=%s\nlogs-max=0\nfetch-retries=0\nfund=false\nupdate-notifier=false\nomit-lockfile-registry-resolved=false\n",
		registry, cache)
	old := now.AddDate(0, -2, 0)
	for _, f := range []struct {
		name string
		v    any
	}{{"package.json", pkg}, {"package-lock.json", lock}} {
		data, err := json.MarshalIndent(f.v, "", "  ")
		if err != nil {
			return fmt.Errorf("encoding frontend/%s: %w", f.name, err)
		}
		if err := writeFileTimes(filepath.Join(dir, f.name), append(data, '\n'), 0o644, old); err != nil {
			return err
		}
	}
	return writeFileTimes(filepath.Join(dir, ".npmrc"), []byte(npmrc), 0o644, old)
}

// npmProject is package.json, in npm's order of fields; without Private
// it is the lockfile's root entry.
type npmProject struct {
	Name         string            `json:"name"`
	Version      string            `json:"version"`
	Private      bool              `json:"private,omitempty"`
	Dependencies map[string]string `json:"dependencies"`
}

// npmLock is package-lock.json, lockfile version 3.
type npmLock struct {
	Name            string         `json:"name"`
	Version         string         `json:"version"`
	LockfileVersion int            `json:"lockfileVersion"`
	Requires        bool           `json:"requires"`
	Packages        map[string]any `json:"packages"`
}

// npmLocked is a package's entry in the lockfile.
type npmLocked struct {
	Version   string `json:"version"`
	Resolved  string `json:"resolved"`
	Integrity string `json:"integrity"`
	License   string `json:"license"`
}

// writeNodeModule writes node_modules/name as npm unpacks its tarball.
func writeNodeModule(frontend, name, version string) error {
	dir := filepath.Join(frontend, "node_modules", filepath.FromSlash(name))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("creating %s: %w", dir, err)
	}
	files, err := npmFiles(name, version)
	if err != nil {
		return err
	}
	for _, f := range files {
		path := filepath.Join(dir, filepath.Base(f[0]))
		if err := os.WriteFile(path, []byte(f[1]), 0o644); err != nil {
			return fmt.Errorf("writing %s: %w", path, err)
		}
	}
	return nil
}
