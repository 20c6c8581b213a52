//go:build unix

package e2e

import (
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// A script's servers are separate processes started later, so their ports
// are chosen now and must stay theirs until then. A port taken from
// 127.0.0.1:0 and closed does not: the kernel gives it to the next bind to
// port 0 anywhere on the machine, such as an httptest emulator of another
// package's tests, which then gets this script's `waitfor` GET / (a Kibo spec
// violation there) while the script's server cannot bind. So ports come from
// below the ephemeral range, which bind to port 0 and outgoing connections
// never use, each held by a lock file for the script's life so that
// concurrent scripts and e2e runs never share one.

// ephemeralRange is the kernel's range for bind to port 0 (Linux's default
// when it cannot be read).
func ephemeralRange() (low, high int) {
	raw, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range")
	f := strings.Fields(string(raw))
	if err != nil || len(f) != 2 {
		return 32768, 60999
	}
	low, err1 := strconv.Atoi(f[0])
	high, err2 := strconv.Atoi(f[1])
	if err1 != nil || err2 != nil {
		return 32768, 60999
	}
	return low, high
}

// scriptPorts is where script ports come from: below the ephemeral range,
// else above it; a machine whose range takes nearly every port leaves only
// the whole space (where bind to port 0 may still take one).
func scriptPorts() (first, end int) {
	low, high := ephemeralRange()
	switch {
	case low-10000 >= 1000:
		return 10000, low
	case 65536-(high+1) >= 1000:
		return high + 1, 65536
	}
	return 1024, 65536
}

// reservePort returns a loopback port free now that nothing else will be
// given until release is called.
func reservePort() (port int, release func(), err error) {
	first, end := scriptPorts()
	dir := filepath.Join(os.TempDir(), "kwh-e2e-ports")
	if err := os.MkdirAll(dir, 0o777); err != nil {
		return 0, nil, err
	}
	for range 1000 {
		port := first + rand.IntN(end-first)
		lock, err := os.OpenFile(filepath.Join(dir, strconv.Itoa(port)), os.O_CREATE|os.O_RDWR, 0o666)
		if err != nil {
			return 0, nil, err
		}
		// flock is released when the holder exits, even killed by a timeout.
		if syscall.Flock(int(lock.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) != nil {
			lock.Close()
			continue
		}
		ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
		if err != nil { // something outside the tests listens there
			lock.Close()
			continue
		}
		ln.Close()
		return port, func() { lock.Close() }, nil
	}
	return 0, nil, fmt.Errorf("no free port in [%d, %d)", first, end)
}
