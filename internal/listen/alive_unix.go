//go:build unix && !aix

package listen

import (
	"errors"
	"net"
	"syscall"
)

// canPeek: alive works here.
const canPeek = true

// alive reports whether the app has not closed (or reset) an idle
// kept-alive connection, by peeking without waiting: net/http's client
// learns it from a reader goroutine per connection, which kwh does not keep.
func alive(c net.Conn) bool {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return false
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return false
	}
	open := false
	var buf [1]byte
	err = raw.Read(func(fd uintptr) bool {
		_, _, err := syscall.Recvfrom(int(fd), buf[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		// Nothing to read yet: open. 0 bytes: closed. Bytes nobody asked for: not usable.
		open = errors.Is(err, syscall.EAGAIN)
		return true
	})
	return err == nil && open
}
