package listen

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
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

func TestCgroupQuotas(t *testing.T) {
	const v2mount = "30 23 0:26 / ROOT/cg rw - cgroup2 cgroup2 rw\n"
	const v1mounts = "32 31 0:29 / ROOT/cpu rw - cgroup cgroup rw,cpu\n33 31 0:30 / ROOT/cpuacct rw - cgroup cgroup rw,cpuacct\n"
	for _, tc := range []struct {
		name              string
		cgroup, mountinfo string
		files             map[string]string
		want              []cpuQuota // dir relative to the fake root
	}{
		{"v2, the parent's quota", "0::/a/b\n", v2mount, map[string]string{
			"cg/a/b/cpu.max": "max 100000\n", "cg/a/b/cpu.stat": "usage_usec 7\n",
			"cg/a/cpu.max": "150000 100000\n", "cg/a/cpu.stat": "usage_usec 9000\nuser_usec 1\n",
		}, []cpuQuota{{"cg/a", 1.5, 9 * time.Millisecond}}},
		{"v2, both of two, innermost first", "0::/a/b\n", v2mount, map[string]string{
			"cg/a/b/cpu.max": "50000 100000\n", "cg/a/b/cpu.stat": "usage_usec 7\n",
			"cg/a/cpu.max": "200000 100000\n", "cg/a/cpu.stat": "usage_usec 9000\n",
		}, []cpuQuota{{"cg/a/b", 0.5, 7 * time.Microsecond}, {"cg/a", 2, 9 * time.Millisecond}}},
		{"v2 without a namespace: the cgroup is the mount's root", "0::/docker/abc\n", "30 23 0:26 /docker/abc ROOT/cg rw - cgroup2 cgroup2 rw\n", map[string]string{
			"cg/cpu.max": "100000 100000\n", "cg/cpu.stat": "usage_usec 5\n",
		}, []cpuQuota{{"cg", 1, 5 * time.Microsecond}}},
		{"a mount point with a space", "0::/\n", "30 23 0:26 / ROOT/my\\040cg rw - cgroup2 cgroup2 rw\n", map[string]string{
			"my cg/cpu.max": "100000 100000\n", "my cg/cpu.stat": "usage_usec 5\n",
		}, []cpuQuota{{"my cg", 1, 5 * time.Microsecond}}},
		{"v2 path outside the mount's root: not kwh's group", "0::/elsewhere\n", "30 23 0:26 /docker/abc ROOT/cg rw - cgroup2 cgroup2 rw\n", map[string]string{
			"cg/cpu.max": "100000 100000\n", "cg/cpu.stat": "usage_usec 5\n",
		}, nil},
		{"v2 path above the namespace's root", "0::/../../init.scope\n", v2mount, map[string]string{
			"cg/cpu.max": "100000 100000\n", "cg/cpu.stat": "usage_usec 5\n",
		}, nil},
		{"v1, cpu and cpuacct apart", "3:cpuacct:/k\n2:cpu:/k\n0::/\n", v1mounts, map[string]string{
			"cpu/k/cpu.cfs_quota_us": "25000\n", "cpu/k/cpu.cfs_period_us": "100000\n", "cpuacct/k/cpuacct.usage": "123456\n",
			"cpu/cpu.cfs_quota_us": "-1\n", "cpu/cpu.cfs_period_us": "100000\n",
		}, []cpuQuota{{"cpu/k", 0.25, 123456}}},
		{"v1, cpu,cpuacct together", "2:cpu,cpuacct:/k\n", "32 31 0:29 / ROOT/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n", map[string]string{
			"cpu,cpuacct/k/cpu.cfs_quota_us": "200000\n", "cpu,cpuacct/k/cpu.cfs_period_us": "100000\n", "cpu,cpuacct/k/cpuacct.usage": "42\n",
		}, []cpuQuota{{"cpu,cpuacct/k", 2, 42}}},
		{"v1, kwh in different groups of cpu and cpuacct", "3:cpuacct:/j\n2:cpu:/k\n", v1mounts, map[string]string{
			"cpu/k/cpu.cfs_quota_us": "25000\n", "cpu/k/cpu.cfs_period_us": "100000\n", "cpuacct/j/cpuacct.usage": "123456\n",
		}, nil},
		{"no quota anywhere", "2:cpu:/k\n3:cpuacct:/k\n0::/a\n", v1mounts + v2mount, map[string]string{
			"cpu/k/cpu.cfs_quota_us": "-1\n", "cpu/k/cpu.cfs_period_us": "100000\n", "cpuacct/k/cpuacct.usage": "1\n",
			"cg/a/cpu.max": "max 100000\n", "cg/a/cpu.stat": "usage_usec 1\n",
		}, nil},
		{"unreadable figures are no quota", "0::/a\n", v2mount, map[string]string{
			"cg/a/cpu.max": "lots 100000\n", "cg/cpu.max": "50000 100000\n", "cg/cpu.stat": "usage_usec many\n",
		}, nil},
		{"no cgroup files at all", "", "", nil, nil},
	} {
		proc := fakeCgroups(t, tc.cgroup, tc.mountinfo, tc.files)
		dirs, final := findCgroups(proc)
		if !final { // missing files are final: only running out of descriptors is not
			t.Errorf("%s: not final", tc.name)
		}
		got := quotas(dirs)
		for i := range got {
			got[i].dir, _ = filepath.Rel(filepath.Dir(proc), got[i].dir)
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: quotas = %+v, want %+v", tc.name, got, tc.want)
		}
	}
}

// The pacer watches the CPUs kwh may run on, not the whole machine.
func TestProcStatSumsTheCPUsKwhMayUse(t *testing.T) {
	const stat = "cpu  30 0 0 70 0 0 0 0 0 0\ncpu0 10 0 0 0 0 0 0 0 0 0\ncpu1 20 0 0 70 0 0 0 0 0 0\nintr 1 2 3\n"
	var none, first, both, lxcfs unix.CPUSet
	first.Set(0)
	both.Set(0)
	both.Set(1)
	lxcfs.Set(4) // host numbers; LXCFS shows the container's CPUs as cpu0, cpu1
	lxcfs.Set(5)
	for _, tc := range []struct {
		name        string
		allowed     *unix.CPUSet
		idle, total uint64
		scope       string
	}{
		{"no affinity known: the machine", &none, 70, 100, "all"},
		{"pinned to cpu0, which is all busy", &first, 0, 10, "[0]"},
		{"every CPU", &both, 70, 100, "[0 1]"},
		{"CPUs /proc/stat does not list: the machine", &lxcfs, 70, 100, "all"},
	} {
		got, ok := procStat(stat, tc.allowed)
		if !ok || got.idle != tc.idle || got.total != tc.total || got.scope != tc.scope {
			t.Errorf("%s: idle %d of %d over %q (%v), want %d of %d over %q", tc.name, got.idle, got.total, got.scope, ok, tc.idle, tc.total, tc.scope)
		}
	}
	if _, ok := procStat("cpu0 x 0 0 0 0 0 0 0\n", &none); ok {
		t.Error("a garbled /proc/stat was read")
	}
}

// Whatever /proc holds, reading it neither panics nor loops.
func FuzzCgroupFiles(f *testing.F) {
	f.Add("0::/a/b\n2:cpu,cpuacct:/k\n", "30 23 0:26 /docker/abc /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n32 31 0:29 / /c rw - cgroup cgroup rw,cpu\n")
	f.Fuzz(func(t *testing.T, cgroup, mountinfo string) {
		paths := selfCgroups(cgroup)
		for _, m := range cgroupMounts(mountinfo) {
			for c := range paths {
				if n := len(ancestors(m, paths, c)); n > maxCgroupDepth {
					t.Fatalf("%d directories for %q in %+v", n, paths[c], m)
				}
			}
		}
	})
}

// Out of file descriptors (a flood), finding kwh's cgroups is not final:
// the pacer tries again at its next reading. In a child process, whose
// descriptor limit this can lower without harm to the other tests.
func TestCgroupDiscoveryOutOfDescriptors(t *testing.T) {
	if os.Getenv("KWH_TEST_EMFILE") == "1" {
		var lim syscall.Rlimit
		if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
			t.Fatal(err)
		}
		lim.Cur = 64
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
			t.Fatal(err)
		}
		for { // use every descriptor left
			if _, err := os.Open(os.DevNull); err != nil {
				break
			}
		}
		if _, final := findCgroups("/proc/self"); final {
			t.Fatal("final with no descriptor left")
		}
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestCgroupDiscoveryOutOfDescriptors$")
	cmd.Env = append(os.Environ(), "KWH_TEST_EMFILE=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
}
