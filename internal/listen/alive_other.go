//go:build !unix || aix

package listen

import "net"

// canPeek: no non-blocking peek here, so forwards go by net/http's client,
// which notices a closed idle connection itself.
const canPeek = false

func alive(net.Conn) bool { return false }
