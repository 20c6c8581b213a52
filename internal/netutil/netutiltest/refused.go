//go:build unix

// Package netutiltest gives tests an address that refuses connections.
package netutiltest

import (
	"fmt"
	"syscall"
	"testing"
)

// RefusedURL is an http:// URL on 127.0.0.1 whose port refuses every
// connection for the test's life. The port is bound but never listened on,
// so no other process can take it: closing a server and reusing its address
// leaves a gap in which another test's server may get the port.
func RefusedURL(t testing.TB) string {
	t.Helper()
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	if err != nil {
		t.Fatalf("socket: %v", err)
	}
	t.Cleanup(func() { syscall.Close(fd) })
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatalf("bind: %v", err)
	}
	sa, err := syscall.Getsockname(fd)
	if err != nil {
		t.Fatalf("getsockname: %v", err)
	}
	return fmt.Sprintf("http://127.0.0.1:%d", sa.(*syscall.SockaddrInet4).Port)
}
