//go:build windows

package netutiltest

import (
	"syscall"
	"testing"
)

// Refuse holds port on 127.0.0.1 (0: any free one) bound but not
// listening, and returns the port. Windows has no SO_REUSEADDR that only
// passes TIME_WAIT (its SO_REUSEADDR lets others share the port), so a port
// a closed server's connections still hold may not be taken here. And
// Windows refuses a connection to a bound port that does not listen only
// after its SYN retries, about 2 s: tests that use this are slower there.
func Refuse(t testing.TB, port int) int {
	t.Helper()
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, syscall.IPPROTO_TCP)
	if err != nil {
		t.Fatalf("socket: %v", err)
	}
	t.Cleanup(func() { syscall.Closesocket(fd) })
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Port: port, Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatalf("holding 127.0.0.1:%d: %v", port, err)
	}
	sa, err := syscall.Getsockname(fd)
	if err != nil {
		t.Fatalf("getsockname: %v", err)
	}
	return sa.(*syscall.SockaddrInet4).Port
}
