// Package netutiltest gives tests an address that refuses connections.
package netutiltest

import (
	"fmt"
	"testing"
)

// RefusedURL is an http:// URL on 127.0.0.1 whose port refuses every
// connection for the test's life. The port is bound but never listened on,
// so no other process can take it: closing a server and reusing its address
// leaves a gap in which another test's server may get the port.
func RefusedURL(t testing.TB) string {
	t.Helper()
	return fmt.Sprintf("http://127.0.0.1:%d", Refuse(t, 0))
}
