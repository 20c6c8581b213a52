package listen

import (
	"bufio"
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// A CPU quota on kwh's cgroup (a container's --cpus, a systemd CPUQuota)
// saturates kwh long before the machine: /proc/stat would show idle CPUs
// and pacing would never start. So the pacer also watches the tightest
// quota over kwh's cgroup and its ancestors, cgroup v2 or v1.

// cgroupDir is one cgroup directory whose quota may bind kwh.
type cgroupDir struct {
	v2    bool
	dir   string // holds cpu.max (v2) or cpu.cfs_* (v1)
	usage string // the file with the group's CPU use so far
}

// findCgroups lists the directories of kwh's cgroup and its ancestors
// that may carry a CPU quota, reading proc's cgroup and mountinfo files.
func findCgroups(proc string) []cgroupDir {
	paths := selfCgroups(readSmall(filepath.Join(proc, "cgroup")))
	mounts := cgroupMounts(readSmall(filepath.Join(proc, "mountinfo")))
	var out []cgroupDir
	for _, m := range mounts {
		switch {
		case m.v2:
			if p, ok := paths[""]; ok {
				for _, d := range ancestors(m, p) {
					out = append(out, cgroupDir{v2: true, dir: d, usage: filepath.Join(d, "cpu.stat")})
				}
			}
		case m.has("cpu"):
			p, ok := paths["cpu"]
			acct, found := findAcct(mounts, m)
			if !ok || !found {
				continue
			}
			for _, d := range ancestors(m, p) {
				rel, _ := filepath.Rel(m.point, d)
				out = append(out, cgroupDir{dir: d, usage: filepath.Join(acct, rel, "cpuacct.usage")})
			}
		}
	}
	return out
}

// findAcct is the mount point of the v1 cpuacct hierarchy (often the cpu
// one itself, as cpu,cpuacct).
func findAcct(mounts []cgroupMount, cpu cgroupMount) (string, bool) {
	if cpu.has("cpuacct") {
		return cpu.point, true
	}
	for _, m := range mounts {
		if !m.v2 && m.has("cpuacct") {
			return m.point, true
		}
	}
	return "", false
}

// quota reads the tightest quota among dirs, with its group's CPU use.
func quota(dirs []cgroupDir) (cpuQuota, bool) {
	best, found := cpuQuota{}, false
	for _, d := range dirs {
		cpus, ok := d.limit()
		if !ok || (found && cpus >= best.cpus) {
			continue
		}
		if used, ok := d.used(); ok {
			best, found = cpuQuota{cpus: cpus, used: used}, true
		}
	}
	return best, found
}

// limit is the directory's quota in CPUs; false without one.
func (d cgroupDir) limit() (float64, bool) {
	var q, p float64
	var err1, err2 error
	if d.v2 {
		f := strings.Fields(readSmall(filepath.Join(d.dir, "cpu.max")))
		if len(f) != 2 {
			return 0, false // "max 100000" (none) reads as a parse error below
		}
		q, err1 = strconv.ParseFloat(f[0], 64)
		p, err2 = strconv.ParseFloat(f[1], 64)
	} else {
		q, err1 = strconv.ParseFloat(strings.TrimSpace(readSmall(filepath.Join(d.dir, "cpu.cfs_quota_us"))), 64)
		p, err2 = strconv.ParseFloat(strings.TrimSpace(readSmall(filepath.Join(d.dir, "cpu.cfs_period_us"))), 64)
	}
	if err1 != nil || err2 != nil || q <= 0 || p <= 0 {
		return 0, false // -1 (v1) or max (v2): no quota
	}
	return q / p, true
}

// used is the group's CPU time so far.
func (d cgroupDir) used() (time.Duration, bool) {
	s := readSmall(d.usage)
	if !d.v2 {
		ns, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
		return time.Duration(ns), err == nil && ns >= 0
	}
	for line := range strings.Lines(s) {
		if v, ok := strings.CutPrefix(line, "usage_usec "); ok {
			us, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			return time.Duration(us) * time.Microsecond, err == nil && us >= 0
		}
	}
	return 0, false
}

// selfCgroups maps each v1 controller to kwh's cgroup path in it, and ""
// to the v2 path.
func selfCgroups(s string) map[string]string {
	out := map[string]string{}
	for line := range strings.Lines(s) {
		f := strings.SplitN(strings.TrimSpace(line), ":", 3)
		if len(f) != 3 {
			continue
		}
		if f[0] == "0" && f[1] == "" {
			out[""] = f[2]
			continue
		}
		for _, c := range strings.Split(f[1], ",") {
			out[c] = f[2]
		}
	}
	return out
}

// cgroupMount is one mounted cgroup hierarchy.
type cgroupMount struct {
	v2          bool
	root, point string
	opts        []string // v1: the controllers (super options)
}

func (m cgroupMount) has(opt string) bool {
	for _, o := range m.opts {
		if o == opt {
			return true
		}
	}
	return false
}

// cgroupMounts reads the cgroup hierarchies from a mountinfo file: ID
// parent major:minor root mount-point options [optional...] - type source
// super-options.
func cgroupMounts(s string) []cgroupMount {
	var out []cgroupMount
	for line := range strings.Lines(s) {
		pre, post, ok := strings.Cut(line, " - ")
		f, g := strings.Fields(pre), strings.Fields(post)
		if !ok || len(f) < 5 || len(g) < 3 || (g[0] != "cgroup" && g[0] != "cgroup2") {
			continue
		}
		out = append(out, cgroupMount{v2: g[0] == "cgroup2", root: f[3], point: f[4], opts: strings.Split(g[2], ",")})
	}
	return out
}

// maxCgroupDepth bounds the directories watched (real hierarchies are a
// few levels deep), so an odd path cannot make each tick read thousands.
const maxCgroupDepth = 32

// ancestors are the directories of cgroup path p and its parents within
// mount m, innermost first. A path outside the mount's root (a container
// that sees its own cgroup as the root) is the mount point itself.
func ancestors(m cgroupMount, p string) []string {
	rel, ok := strings.CutPrefix(p, m.root)
	if !ok || (m.root != "/" && rel != "" && rel[0] != '/') {
		rel = "/"
	}
	var out []string
	for d := filepath.Join(m.point, rel); ; d = filepath.Dir(d) {
		out = append(out, d)
		if d == filepath.Clean(m.point) || d == "/" || d == "." || len(out) == maxCgroupDepth {
			return out
		}
	}
}

// readSmall reads at most 1 MiB of a file (a host with many containers
// has a long mountinfo); "" when it cannot.
func readSmall(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	var b bytes.Buffer
	_, _ = b.ReadFrom(io.LimitReader(bufio.NewReader(f), 1<<20))
	return b.String()
}
