//go:build unix

package netutiltest

import (
	"errors"
	"net"
	"strings"
	"syscall"
	"testing"
)

func TestRefusedURLRefuses(t *testing.T) {
	u := RefusedURL(t)
	_, err := net.Dial("tcp", strings.TrimPrefix(u, "http://"))
	if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("dial %s: %v, want connection refused", u, err)
	}
}

// A closed server's port, once held, refuses connections and no listener can
// take it, even with the closed server's connections in TIME_WAIT.
func TestRefuseHoldsAClosedServersPort(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	go func() {
		if c, err := ln.Accept(); err == nil {
			c.Close() // the server closes first: its side goes to TIME_WAIT
		}
	}()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = c.Read(make([]byte, 1))
	c.Close()
	ln.Close()
	Refuse(t, ln.Addr().(*net.TCPAddr).Port)
	if _, err := net.Dial("tcp", addr); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("dial %s: %v, want connection refused", addr, err)
	}
	if other, err := net.Listen("tcp", addr); err == nil {
		other.Close()
		t.Errorf("another listener took the held port %s", addr)
	}
}
