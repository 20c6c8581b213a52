package main

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"time"
)

// vmHWM is a process's peak resident memory, with how much of what is
// resident now is its own (RssAnon) rather than mapped file pages (bbolt
// maps its file, and pages it touched count as resident).
func vmHWM(pid int) string {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return "unknown"
	}
	field := func(name string) string {
		for _, line := range strings.Split(string(raw), "\n") {
			if strings.HasPrefix(line, name+":") {
				return strings.TrimSpace(strings.TrimPrefix(line, name+":"))
			}
		}
		return "unknown"
	}
	return fmt.Sprintf("%s (anonymous now %s, mapped file %s)", field("VmHWM"), field("RssAnon"), field("RssFile"))
}

// cpuTime is a process's user+system CPU so far (Linux; 0 elsewhere).
func cpuTime(pid int) time.Duration {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// Fields after the command name (which may hold spaces) start at state.
	f := strings.Fields(string(raw[bytes.LastIndexByte(raw, ')')+2:]))
	var ut, st int64
	fmt.Sscan(f[11], &ut)
	fmt.Sscan(f[12], &st)
	return time.Duration(ut+st) * 10 * time.Millisecond // USER_HZ is 100 on Linux
}

// perReq is the CPU spent while sending, per acknowledged request.
func perReq(cpu time.Duration, r result) time.Duration {
	if r.sent == 0 {
		return 0
	}
	return cpu / time.Duration(r.sent)
}

func us(d time.Duration) string { return fmt.Sprintf("%.0f µs", float64(d.Nanoseconds())/1000) }

func numCPU() int {
	raw, _ := os.ReadFile("/proc/cpuinfo")
	return strings.Count(string(raw), "processor\t:")
}
