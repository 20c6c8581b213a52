package listen

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// fakeCgroups writes a proc directory (cgroup, mountinfo) and cgroup files
// under root; in files and mountinfo, "ROOT" stands for root.
func fakeCgroups(t *testing.T, cgroup, mountinfo string, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	write := func(name, s string) {
		path := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(strings.ReplaceAll(s, "ROOT", root)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("proc/cgroup", cgroup)
	write("proc/mountinfo", mountinfo)
	for name, s := range files {
		write(name, s)
	}
	return filepath.Join(root, "proc")
}

func TestCgroupQuota(t *testing.T) {
	const v2mount = "30 23 0:26 / ROOT/cg rw - cgroup2 cgroup2 rw\n"
	const v1mounts = "32 31 0:29 / ROOT/cpu rw - cgroup cgroup rw,cpu\n33 31 0:30 / ROOT/cpuacct rw - cgroup cgroup rw,cpuacct\n"
	for _, tc := range []struct {
		name              string
		cgroup, mountinfo string
		files             map[string]string
		cpus              float64
		used              time.Duration
		ok                bool
	}{
		{"v2, the parent's quota binds", "0::/a/b\n", v2mount, map[string]string{
			"cg/a/b/cpu.max": "max 100000\n", "cg/a/b/cpu.stat": "usage_usec 7\n",
			"cg/a/cpu.max": "150000 100000\n", "cg/a/cpu.stat": "usage_usec 9000\nuser_usec 1\n",
		}, 1.5, 9 * time.Millisecond, true},
		{"v2, the tighter of two", "0::/a/b\n", v2mount, map[string]string{
			"cg/a/b/cpu.max": "50000 100000\n", "cg/a/b/cpu.stat": "usage_usec 7\n",
			"cg/a/cpu.max": "200000 100000\n", "cg/a/cpu.stat": "usage_usec 9000\n",
		}, 0.5, 7 * time.Microsecond, true},
		{"v2 in a container: the cgroup is the mount's root", "0::/\n", "30 23 0:26 /docker/abc ROOT/cg rw - cgroup2 cgroup2 rw\n", map[string]string{
			"cg/cpu.max": "100000 100000\n", "cg/cpu.stat": "usage_usec 5\n",
		}, 1, 5 * time.Microsecond, true},
		{"v2 path outside the mount's root", "0::/elsewhere\n", "30 23 0:26 /docker/abc ROOT/cg rw - cgroup2 cgroup2 rw\n", map[string]string{
			"cg/cpu.max": "100000 100000\n", "cg/cpu.stat": "usage_usec 5\n",
		}, 1, 5 * time.Microsecond, true},
		{"v1, cpu and cpuacct apart", "3:cpuacct:/k\n2:cpu:/k\n0::/\n", v1mounts, map[string]string{
			"cpu/k/cpu.cfs_quota_us": "25000\n", "cpu/k/cpu.cfs_period_us": "100000\n", "cpuacct/k/cpuacct.usage": "123456\n",
			"cpu/cpu.cfs_quota_us": "-1\n", "cpu/cpu.cfs_period_us": "100000\n",
		}, 0.25, 123456, true},
		{"v1, cpu,cpuacct together", "2:cpu,cpuacct:/k\n", "32 31 0:29 / ROOT/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n", map[string]string{
			"cpu,cpuacct/k/cpu.cfs_quota_us": "200000\n", "cpu,cpuacct/k/cpu.cfs_period_us": "100000\n", "cpu,cpuacct/k/cpuacct.usage": "42\n",
		}, 2, 42, true},
		{"no quota anywhere", "2:cpu:/k\n3:cpuacct:/k\n0::/a\n", v1mounts + v2mount, map[string]string{
			"cpu/k/cpu.cfs_quota_us": "-1\n", "cpu/k/cpu.cfs_period_us": "100000\n", "cpuacct/k/cpuacct.usage": "1\n",
			"cg/a/cpu.max": "max 100000\n", "cg/a/cpu.stat": "usage_usec 1\n",
		}, 0, 0, false},
		{"unreadable figures are no quota", "0::/a\n", v2mount, map[string]string{
			"cg/a/cpu.max": "lots 100000\n", "cg/cpu.max": "50000 100000\n", "cg/cpu.stat": "usage_usec many\n",
		}, 0, 0, false},
		{"no cgroup files at all", "", "", nil, 0, 0, false},
	} {
		proc := fakeCgroups(t, tc.cgroup, tc.mountinfo, tc.files)
		q, ok := quota(findCgroups(proc))
		if ok != tc.ok || q.cpus != tc.cpus || q.used != tc.used {
			t.Errorf("%s: quota = %+v, %v; want %v CPUs, %v used, %v", tc.name, q, ok, tc.cpus, tc.used, tc.ok)
		}
	}
}

// Whatever /proc holds, reading it neither panics nor loops.
func FuzzCgroupFiles(f *testing.F) {
	f.Add("0::/a/b\n2:cpu,cpuacct:/k\n", "30 23 0:26 /docker/abc /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n32 31 0:29 / /c rw - cgroup cgroup rw,cpu\n")
	f.Fuzz(func(t *testing.T, cgroup, mountinfo string) {
		paths := selfCgroups(cgroup)
		for _, m := range cgroupMounts(mountinfo) {
			for _, p := range paths {
				if len(ancestors(m, p)) == 0 {
					t.Fatalf("no directory for %q in %+v", p, m)
				}
			}
		}
	})
}
