package cmdutil

import (
	"errors"
	"net"
	"net/url"
	"strings"
	"syscall"
)

// CheckURL rejects anything that is not an absolute http(s) URL.
func CheckURL(s string) error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return FlagErrorf("%q is not an http(s) URL", s)
	}
	return nil
}

// ShortNetError names a transport failure the way people say it:
// "connection refused", "timeout", rather than Go's full chain.
func ShortNetError(err error) string {
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
