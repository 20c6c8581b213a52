// Package netutil names network failures the way people say them.
package netutil

import (
	"errors"
	"net"
	"net/url"
	"strings"
	"syscall"
)

// ShortError turns a transport failure into "connection refused", "timeout"
// and the like, rather than Go's whole chain.
func ShortError(err error) string {
	var ne net.Error
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, syscall.ECONNRESET):
		return "connection reset"
	case errors.As(err, &ne) && ne.Timeout():
		return "timeout"
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		return strings.TrimSpace(ue.Err.Error())
	}
	return err.Error()
}
