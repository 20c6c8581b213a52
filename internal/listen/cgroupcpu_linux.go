package listen

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// A CPU quota on kwh's cgroup (a container's --cpus, a systemd CPUQuota)
// saturates kwh long before the machine: /proc/stat would show idle CPUs
// and pacing would never start. So the pacer also watches every quota over
// kwh's cgroup and its ancestors, cgroup v2 or v1, found as Go's runtime
// finds them (internal/runtime/cgroup).

// cgroupDir is one cgroup directory whose quota may bind kwh.
type cgroupDir struct {
	v2    bool
	dir   string // holds cpu.max (v2) or cpu.cfs_* (v1)
	usage string // the file with the group's CPU use so far
}

// findCgroups lists the directories of kwh's cgroup and its ancestors
// that may carry a CPU quota, reading proc's cgroup and mountinfo files,
// and whether that is final: not when a read failed for want of a file
// descriptor (under a flood), worth trying again; a kernel without
// cgroups has none, and reading again would not change that.
func findCgroups(proc string) ([]cgroupDir, bool) {
	cgroup, err := readLimited(filepath.Join(proc, "cgroup"))
	if outOfDescriptors(err) {
		return nil, false
	}
	mountinfo, err := readLimited(filepath.Join(proc, "mountinfo"))
	if outOfDescriptors(err) {
		return nil, false
	}
	paths, mounts := selfCgroups(cgroup), cgroupMounts(mountinfo)
	var out []cgroupDir
	for _, m := range mounts {
		switch {
		case m.v2:
			for _, d := range ancestors(m, paths, "") {
				out = append(out, cgroupDir{v2: true, dir: d, usage: filepath.Join(d, "cpu.stat")})
			}
		case m.has("cpu"):
			out = append(out, v1Dirs(m, mounts, paths)...)
		}
	}
	return out, true
}

// v1Dirs pairs the v1 cpu hierarchy's directories with the cpuacct ones
// that count their use (often the same mount, cpu,cpuacct).
func v1Dirs(cpu cgroupMount, mounts []cgroupMount, paths map[string]string) []cgroupDir {
	acct := cpu
	if !cpu.has("cpuacct") {
		acct = cgroupMount{}
		for _, m := range mounts {
			if !m.v2 && m.has("cpuacct") {
				acct = m
			}
		}
	}
	dirs, usage := ancestors(cpu, paths, "cpu"), ancestors(acct, paths, "cpuacct")
	if len(dirs) != len(usage) {
		return nil // the two hierarchies disagree: no telling which use is whose
	}
	out := make([]cgroupDir, len(dirs))
	for i, d := range dirs {
		r1, err1 := filepath.Rel(cpu.point, d)
		r2, err2 := filepath.Rel(acct.point, usage[i])
		if err1 != nil || err2 != nil || r1 != r2 {
			return nil // kwh sits in different groups of the two
		}
		out[i] = cgroupDir{dir: d, usage: filepath.Join(usage[i], "cpuacct.usage")}
	}
	return out
}

// quotas reads every quota among dirs, with its group's CPU use.
func quotas(dirs []cgroupDir) []cpuQuota {
	var out []cpuQuota
	for _, d := range dirs {
		cpus, ok := d.limit()
		if !ok {
			continue
		}
		if used, ok := d.used(); ok {
			out = append(out, cpuQuota{dir: d.dir, cpus: cpus, used: used})
		}
	}
	return out
}

// limit is the directory's quota in CPUs; false without one.
func (d cgroupDir) limit() (float64, bool) {
	var q, p float64
	var err1, err2 error
	if d.v2 {
		f := strings.Fields(readSmall(filepath.Join(d.dir, "cpu.max")))
		if len(f) != 2 {
			return 0, false
		}
		q, err1 = strconv.ParseFloat(f[0], 64) // "max": no quota, a parse error
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

func (m cgroupMount) has(opt string) bool { return slices.Contains(m.opts, opt) }

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
		out = append(out, cgroupMount{v2: g[0] == "cgroup2", root: unescapeMount(f[3]), point: unescapeMount(f[4]), opts: strings.Split(g[2], ",")})
	}
	return out
}

// unescapeMount decodes mountinfo's octal escapes (\040 for a space).
func unescapeMount(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+4 <= len(s) {
			if v, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(v))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// maxCgroupDepth bounds the directories watched (real hierarchies are a
// few levels deep), so an odd path cannot make each tick read thousands.
const maxCgroupDepth = 32

// ancestors are the directories of kwh's cgroup (its path for controller
// in paths) and its parents within mount m, innermost first. As in Go's
// runtime, a path outside the mount's root, or climbing above it, has none.
func ancestors(m cgroupMount, paths map[string]string, controller string) []string {
	p, ok := paths[controller]
	if !ok || m.point == "" {
		return nil
	}
	var rel string
	switch {
	case m.root == "/":
		rel = p
	case p == m.root:
		rel = "/"
	case strings.HasPrefix(p, m.root+"/"):
		rel = p[len(m.root):]
	default:
		return nil
	}
	if !strings.HasPrefix(rel, "/") || strings.Contains(rel+"/", "/../") {
		return nil
	}
	top := filepath.Clean(m.point)
	var out []string
	for d := filepath.Join(top, rel); len(out) < maxCgroupDepth; d = filepath.Dir(d) {
		out = append(out, d)
		if d == top || d == "/" || d == "." {
			break
		}
	}
	return out
}

// readSmall reads at most 1 MiB of a file (a host with many containers
// has a long mountinfo); "" when it cannot.
func readSmall(path string) string {
	s, _ := readLimited(path)
	return s
}

// readLimited is readSmall with the error, for callers that tell a
// passing failure from a lasting one.
func readLimited(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, 1<<20))
	return string(b), err
}

// outOfDescriptors is a read that failed for want of a file descriptor:
// it may well work a moment later.
func outOfDescriptors(err error) bool {
	return errors.Is(err, syscall.EMFILE) || errors.Is(err, syscall.ENFILE)
}
