package health

import (
	"runtime"
	"slices"
	"testing"

	"github.com/shirou/gopsutil/v4/disk"
)

func TestSelectMounts(t *testing.T) {
	p := func(dev, mount, fs string) disk.PartitionStat {
		return disk.PartitionStat{Device: dev, Mountpoint: mount, Fstype: fs}
	}
	tests := []struct {
		name  string
		parts []disk.PartitionStat
		extra []string
		want  []string
	}{
		{
			name: "real mounts kept, pseudo dropped",
			parts: []disk.PartitionStat{p("proc", "/proc", "proc"), p("/dev/vda", "/", "ext4"),
				p("tmpfs", "/run", "tmpfs"), p("/dev/vdb1", "/srv", "xfs"),
				p("/dev/loop3", "/snap/core/1", "squashfs"), p("cgroup2", "/sys/fs/cgroup", "cgroup2")},
			want: []string{"/", "/srv"},
		},
		{
			name:  "bind mounts collapse to the shortest mount point",
			parts: []disk.PartitionStat{p("/dev/vda", "/etc/hosts", "ext4"), p("/dev/vda", "/", "ext4"), p("/dev/vda", "/etc/resolv.conf", "ext4")},
			want:  []string{"/"},
		},
		{
			name:  "container overlay root kept, other overlays dropped",
			parts: []disk.PartitionStat{p("overlay", "/", "overlay"), p("overlay", "/var/lib/docker/x/merged", "overlay")},
			want:  []string{"/"},
		},
		{
			name:  "the database's mount is kept even on tmpfs",
			parts: []disk.PartitionStat{p("/dev/vda", "/", "ext4"), p("tmpfs", "/tmp", "tmpfs"), p("tmpfs", "/run", "tmpfs")},
			extra: []string{"/tmp/inst/backend/fossawork_v2.db"},
			want:  []string{"/", "/tmp"},
		},
		{
			name:  "database on an already listed mount adds nothing",
			parts: []disk.PartitionStat{p("/dev/vda", "/", "ext4"), p("/dev/vdb", "/opt", "ext4")},
			extra: []string{"/opt/fossawork/backend/fossawork_v2.db", "/optional/x.db"},
			want:  []string{"/", "/opt"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, m := range selectMounts(tt.parts, tt.extra) {
				got = append(got, m.Mountpoint)
			}
			if !slices.Equal(got, tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestSystemLive(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("load average is read from /proc on the test machine")
	}
	dir := t.TempDir()
	snap, err := System(t.Context(), dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.Mounts) == 0 || snap.CPUs <= 0 || len(snap.Unavailable) != 0 {
		t.Fatalf("incomplete snapshot %+v", snap)
	}
	for _, m := range snap.Mounts {
		if m.Total == 0 || m.UsedPercent < 0 || m.UsedPercent > 100 || pseudoFS[m.Fstype] && m.Fstype != "overlay" && !within(dir, m.Path) {
			t.Errorf("unexpected mount %+v", m)
		}
	}
	if snap.MemoryUsedPercent <= 0 || snap.MemoryUsedPercent > 100 {
		t.Errorf("memory %v%%", snap.MemoryUsedPercent)
	}
	want := snap.Load1 / float64(snap.CPUs) * 100
	if snap.LoadPercent != want {
		t.Errorf("load percent %v, want %v", snap.LoadPercent, want)
	}
}
