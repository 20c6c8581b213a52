//go:build !unix

package listen

import "net"

// alive cannot peek here: a connection the app closed shows on use.
func alive(net.Conn) bool { return true }
