package listen

import (
	"bufio"
	"io"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// machineCPU reads the CPU figures the pacer needs: the machine's from
// /proc/stat's first line, kwh's own from getrusage, and a cgroup quota's
// (cgroupcpu_linux.go), whose directories are found once.
func machineCPU() func() (cpuTimes, bool) {
	dirs := findCgroups("/proc/self")
	return func() (cpuTimes, bool) {
		t, ok := hostCPU()
		if ok {
			t.quota, t.hasQuota = quota(dirs)
		}
		return t, ok
	}
}

// hostCPU reads /proc/stat and getrusage.
func hostCPU() (cpuTimes, bool) {
	f, err := os.Open("/proc/stat")
	if err != nil {
		return cpuTimes{}, false
	}
	defer f.Close()
	line, err := bufio.NewReaderSize(io.LimitReader(f, 4096), 4096).ReadString('\n')
	fields := strings.Fields(line)
	if err != nil || len(fields) < 9 || fields[0] != "cpu" {
		return cpuTimes{}, false
	}
	t := cpuTimes{at: time.Now()}
	for i, s := range fields[1:9] { // user nice system idle iowait irq softirq steal
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			return cpuTimes{}, false
		}
		t.total += v
		if i == 3 || i == 4 {
			t.idle += v
		}
	}
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return cpuTimes{}, false
	}
	t.self = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	return t, true
}
