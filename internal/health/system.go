package health

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/shirou/gopsutil/v4/cpu"
	"github.com/shirou/gopsutil/v4/disk"
	"github.com/shirou/gopsutil/v4/load"
	"github.com/shirou/gopsutil/v4/mem"
)

// MountUsage is the usage of one real filesystem.
type MountUsage struct {
	Path        string  `json:"path"`
	Fstype      string  `json:"fstype"`
	UsedPercent float64 `json:"used_percent"`
	Total       uint64  `json:"total_bytes"`
	Free        uint64  `json:"free_bytes"`
}

// SystemSnapshot is one reading of disk, memory and load.
type SystemSnapshot struct {
	Mounts            []MountUsage `json:"mounts"`
	MemoryUsedPercent float64      `json:"memory_used_percent"`
	Load1             float64      `json:"load1"`
	Load5             float64      `json:"load5"`
	Load15            float64      `json:"load15"`
	CPUs              int          `json:"cpus"`
	// LoadPercent is Load1 per CPU in percent, the seed's "load vs CPUs".
	LoadPercent float64 `json:"load_percent"`
	// Unavailable names the parts ("disk", "memory", "load") that could not
	// be read on this platform; their fields are zero, not measured.
	Unavailable []string `json:"unavailable,omitempty"`
}

// pseudoFS are filesystems whose usage says nothing about free space:
// kernel interfaces, RAM-backed mounts, and read-only images (a snap's
// squashfs is always 100 % full).
var pseudoFS = map[string]bool{
	"proc": true, "sysfs": true, "tmpfs": true, "devtmpfs": true, "devpts": true,
	"cgroup": true, "cgroup2": true, "mqueue": true, "hugetlbfs": true,
	"debugfs": true, "tracefs": true, "securityfs": true, "pstore": true,
	"bpf": true, "configfs": true, "fusectl": true, "binfmt_misc": true,
	"autofs": true, "ramfs": true, "efivarfs": true, "nsfs": true,
	"rpc_pipefs": true, "nfsd": true, "selinuxfs": true, "squashfs": true,
	"iso9660": true, "devfs": true, "fuse.lxcfs": true, "fuse.snapfuse": true,
	"fuse.gvfsd-fuse": true, "fuse.portal": true, "overlay": true,
}

// System reads disk usage of every real mount (plus the mounts holding the
// extra paths, e.g. the database, even when those are pseudo filesystems),
// memory, and load against the CPU count. Parts that cannot be read are
// listed in Unavailable and joined into the error; the rest is still filled.
func System(ctx context.Context, extra ...string) (SystemSnapshot, error) {
	var snap SystemSnapshot
	var errs []error
	fail := func(part string, err error) {
		snap.Unavailable = append(snap.Unavailable, part)
		errs = append(errs, fmt.Errorf("reading %s: %w", part, err))
	}
	mounts, err := diskUsage(ctx, extra)
	snap.Mounts = mounts
	if err != nil {
		fail("disk", err)
	}
	if vm, err := mem.VirtualMemoryWithContext(ctx); err != nil {
		fail("memory", err)
	} else {
		snap.MemoryUsedPercent = vm.UsedPercent
	}
	if err := readLoad(ctx, &snap); err != nil {
		fail("load", err)
	}
	return snap, errors.Join(errs...)
}

func readLoad(ctx context.Context, snap *SystemSnapshot) error {
	avg, err := load.AvgWithContext(ctx)
	if err != nil {
		return err
	}
	cpus, err := cpu.CountsWithContext(ctx, true)
	if err != nil {
		return fmt.Errorf("counting CPUs: %w", err)
	}
	if cpus <= 0 {
		return fmt.Errorf("counting CPUs: got %d", cpus)
	}
	snap.Load1, snap.Load5, snap.Load15 = avg.Load1, avg.Load5, avg.Load15
	snap.CPUs = cpus
	snap.LoadPercent = avg.Load1 / float64(cpus) * 100
	return nil
}

func diskUsage(ctx context.Context, extra []string) ([]MountUsage, error) {
	parts, err := disk.PartitionsWithContext(ctx, true)
	if err != nil {
		return nil, fmt.Errorf("listing mounts: %w", err)
	}
	chosen := selectMounts(parts, extra)
	var out []MountUsage
	var errs []error
	for _, p := range chosen {
		if ctx.Err() != nil {
			return out, ctx.Err()
		}
		u, err := disk.UsageWithContext(ctx, p.Mountpoint)
		if err != nil {
			errs = append(errs, fmt.Errorf("usage of %s: %w", p.Mountpoint, err))
			continue
		}
		if u.Total == 0 {
			continue
		}
		out = append(out, MountUsage{Path: p.Mountpoint, Fstype: p.Fstype,
			UsedPercent: u.UsedPercent, Total: u.Total, Free: u.Free})
	}
	if len(out) == 0 && len(errs) == 0 {
		errs = append(errs, errors.New("no real filesystem found"))
	}
	// A mount we may not stat (another user's FUSE mount) is not a failure
	// while the others read fine.
	if len(out) > 0 {
		return out, nil
	}
	return out, errors.Join(errs...)
}

// selectMounts keeps one entry per block device (bind mounts repeat it;
// the shortest mount point wins), drops pseudo filesystems, and adds the mounts
// holding the extra paths whatever their type.
func selectMounts(parts []disk.PartitionStat, extra []string) []disk.PartitionStat {
	var out []disk.PartitionStat
	seenDev := map[string]int{}
	add := func(p disk.PartitionStat) {
		key := p.Device
		if !strings.HasPrefix(key, "/") {
			// "tmpfs", "none", "overlay" name no device: every such mount
			// is its own filesystem.
			key = "mount:" + p.Mountpoint
		}
		if i, ok := seenDev[key]; ok {
			if len(p.Mountpoint) < len(out[i].Mountpoint) {
				out[i] = p
			}
			return
		}
		seenDev[key] = len(out)
		out = append(out, p)
	}
	for _, p := range parts {
		if !pseudoFS[p.Fstype] || (p.Fstype == "overlay" && p.Mountpoint == "/") {
			add(p)
		}
	}
	for _, path := range extra {
		if p, ok := mountOf(parts, path); ok {
			add(p)
		}
	}
	return out
}

// mountOf finds the mount holding path: the longest mount point that is a
// prefix of it, the last one listed winning when a path is mounted over.
func mountOf(parts []disk.PartitionStat, path string) (disk.PartitionStat, bool) {
	if abs, err := filepath.Abs(path); err == nil {
		path = abs
	}
	var best disk.PartitionStat
	found := false
	for _, p := range parts {
		if within(path, p.Mountpoint) && (!found || len(p.Mountpoint) >= len(best.Mountpoint)) {
			best, found = p, true
		}
	}
	return best, found
}

func within(path, mount string) bool {
	if mount == "" {
		return false
	}
	if path == mount || strings.HasSuffix(mount, string(filepath.Separator)) && strings.HasPrefix(path, mount) {
		return true
	}
	return strings.HasPrefix(path, mount+string(filepath.Separator))
}
