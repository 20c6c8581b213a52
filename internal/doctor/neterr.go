package doctor

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"strings"

	"github.com/kwh-cli/kwh/internal/netutil"
)

// shortNetError names a transport failure in a few words: no such host,
// connection refused, a TLS problem, a timeout.
func shortNetError(err error) string {
	var dns *net.DNSError
	var unknownCA x509.UnknownAuthorityError
	var hostname x509.HostnameError
	var invalid x509.CertificateInvalidError
	var tlsRecord tls.RecordHeaderError
	var certErr *tls.CertificateVerificationError
	switch {
	case errors.As(err, &dns):
		if dns.IsNotFound {
			return "no such host " + dns.Name
		}
		return "DNS lookup of " + dns.Name + " failed"
	case errors.As(err, &unknownCA):
		return "TLS: certificate signed by an unknown authority"
	case errors.As(err, &hostname):
		return "TLS: " + hostname.Error()
	case errors.As(err, &invalid):
		return "TLS: " + invalid.Error()
	case errors.As(err, &tlsRecord):
		return "TLS: the server did not answer with TLS (plain http on an https port?)"
	case errors.As(err, &certErr):
		return "TLS: " + certErr.Error()
	case errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	}
	s := netutil.ShortError(err)
	if strings.Contains(s, "tls:") || strings.Contains(s, "x509:") {
		return "TLS: " + s
	}
	return s
}

// isTLSError reports whether shortNetError put the failure down to TLS.
func isTLSError(err error) bool { return strings.HasPrefix(shortNetError(err), "TLS: ") }
