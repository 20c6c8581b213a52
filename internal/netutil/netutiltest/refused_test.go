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
