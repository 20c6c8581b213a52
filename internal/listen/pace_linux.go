package listen

import (
	"fmt"
	"os"
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
	var dirs []cgroupDir
	found := false
	pid := os.Getpid() // the process's mask, whichever thread asks
	return func() (cpuTimes, bool) {
		if !found { // at the first reading: a receiver that never paces reads nothing
			dirs, found = findCgroups("/proc/self")
		}
		var allowed unix.CPUSet
		if unix.SchedGetaffinity(pid, &allowed) != nil {
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

// procStat sums the idle and total times of the CPUs in allowed from
// /proc/stat, and names them in the scope. With no mask, or one naming a
// CPU that has no line (gone offline, or LXCFS numbering a container's
// CPUs from 0), it reads the whole machine's line instead.
func procStat(s string, allowed *unix.CPUSet) (cpuTimes, bool) {
	perCPU := map[int][]string{}
	var machine []string
	for line := range strings.Lines(s) {
		f := strings.Fields(line)
		if len(f) < 9 || !strings.HasPrefix(f[0], "cpu") {
			continue
		}
		if f[0] == "cpu" {
			machine = f[1:9]
		} else if n, err := strconv.Atoi(f[0][3:]); err == nil {
			perCPU[n] = f[1:9]
		}
	}
	var cpus []int
	for n := range len(allowed) * 64 {
		if allowed.IsSet(n) {
			cpus = append(cpus, n)
		}
	}
	t := cpuTimes{at: time.Now(), scope: fmt.Sprint(cpus)}
	var rows [][]string
	for _, n := range cpus {
		if perCPU[n] == nil {
			rows = nil
			break
		}
		rows = append(rows, perCPU[n])
	}
	if rows == nil {
		rows, t.scope = [][]string{machine}, "all"
	}
	for _, fields := range rows {
		if fields == nil {
			return cpuTimes{}, false
		}
		for i, v := range fields { // user nice system idle iowait irq softirq steal
			n, err := strconv.ParseUint(v, 10, 64)
			if err != nil {
				return cpuTimes{}, false
			}
			t.total += n
			if i == 3 || i == 4 {
				t.idle += n
			}
		}
	}
	return t, true
}
