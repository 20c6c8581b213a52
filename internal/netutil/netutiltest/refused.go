//go:build unix

package netutiltest

import (
	"syscall"
	"testing"
)

// Refuse holds port on 127.0.0.1 (0: any free one) without listening, so
// connections to it are refused for the test's life, and returns the port.
// Call it right after closing a server to keep the server's port from others.
func Refuse(t testing.TB, port int) int {
	t.Helper()
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	if err != nil {
		t.Fatalf("socket: %v", err)
	}
	t.Cleanup(func() { syscall.Close(fd) })
	// SO_REUSEADDR lets the bind through a closed server's TIME_WAIT
	// connections; turned off again, no later listener may share the port.
	if err := syscall.SetsockoptInt(fd, syscall.SOL_SOCKET, syscall.SO_REUSEADDR, 1); err != nil {
		t.Fatalf("SO_REUSEADDR: %v", err)
	}
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Port: port, Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatalf("holding 127.0.0.1:%d: %v", port, err)
	}
	if err := syscall.SetsockoptInt(fd, syscall.SOL_SOCKET, syscall.SO_REUSEADDR, 0); err != nil {
		t.Fatalf("SO_REUSEADDR: %v", err)
	}
	sa, err := syscall.Getsockname(fd)
	if err != nil {
		t.Fatalf("getsockname: %v", err)
	}
	return sa.(*syscall.SockaddrInet4).Port
}
