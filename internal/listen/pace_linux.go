package listen

import (
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// machineCPU reads the CPU figures the pacer needs: those of the CPUs kwh
// may run on from /proc/stat (a container pinned to 2 of 64 CPUs saturates
// them while the machine idles), kwh's own from getrusage, and any cgroup
// quotas' (cgroupcpu_linux.go), whose directories are found once.
func machineCPU() func() (cpuTimes, bool) {
	dirs := findCgroups("/proc/self")
	return func() (cpuTimes, bool) {
		var allowed unix.CPUSet
		if unix.SchedGetaffinity(0, &allowed) != nil {
			allowed = unix.CPUSet{}
		}
		t, ok := procStat(readSmall("/proc/stat"), &allowed)
		if !ok {
			return cpuTimes{}, false
		}
		var ru syscall.Rusage
		if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
			return cpuTimes{}, false
		}
		t.self = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
		t.quotas = quotas(dirs)
		return t, true
	}
}

// counted says whether a /proc/stat line (named cpu, or cpuN) is summed:
// the total line when every CPU counts, else the allowed CPUs' own lines.
func counted(name string, all bool, allowed *unix.CPUSet) bool {
	if name == "cpu" || all {
		return name == "cpu" && all
	}
	n, err := strconv.Atoi(name[3:])
	return err == nil && allowed.IsSet(n)
}

// procStat sums the idle and total times of the CPUs in allowed (all of
// them, when allowed is empty) from /proc/stat.
func procStat(s string, allowed *unix.CPUSet) (cpuTimes, bool) {
	all := allowed.Count() == 0
	t, found := cpuTimes{at: time.Now()}, false
	for line := range strings.Lines(s) {
		f := strings.Fields(line)
		if len(f) < 9 || !strings.HasPrefix(f[0], "cpu") {
			continue
		}
		if !counted(f[0], all, allowed) {
			continue
		}
		for i, v := range f[1:9] { // user nice system idle iowait irq softirq steal
			n, err := strconv.ParseUint(v, 10, 64)
			if err != nil {
				return cpuTimes{}, false
			}
			t.total += n
			if i == 3 || i == 4 {
				t.idle += n
			}
		}
		found = true
	}
	return t, found
}
