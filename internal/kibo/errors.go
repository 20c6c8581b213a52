package kibo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"syscall"
	"time"
)

// APIError is a failed Kibo call: HTTP status plus Kibo's error body. The user
// always sees message, errorCode and correlation id.
type APIError struct {
	StatusCode      int              `json:"statusCode"`
	Method          string           `json:"method,omitempty"`
	URL             string           `json:"url,omitempty"`
	Message         string           `json:"message,omitempty"`
	ErrorCode       string           `json:"errorCode,omitempty"`
	ApplicationName string           `json:"applicationName,omitempty"`
	CorrelationID   string           `json:"correlationId,omitempty"`
	AdditionalData  []AdditionalData `json:"additionalErrorData,omitempty"`
	// RetryAfter is the wait a 429 or 503 asked for, when it said.
	RetryAfter time.Duration `json:"-"`
}

// AdditionalData is one name/value pair of Kibo's additionalErrorData.
type AdditionalData struct {
	Name  string `json:"name"`
	Value any    `json:"value"`
}

func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Kibo answered %d %s", e.StatusCode, http.StatusText(e.StatusCode))
	if e.ErrorCode != "" {
		fmt.Fprintf(&b, " (%s)", e.ErrorCode)
	}
	if e.Message != "" {
		fmt.Fprintf(&b, ": %s", e.Message)
	}
	for _, d := range e.AdditionalData {
		fmt.Fprintf(&b, "; %s=%v", d.Name, d.Value)
	}
	if e.CorrelationID != "" {
		fmt.Fprintf(&b, " [correlation id %s]", e.CorrelationID)
	}
	return b.String()
}

// kiboErrorBody is the shape of Kibo's error responses.
type kiboErrorBody struct {
	Message             string           `json:"message"`
	ErrorCode           string           `json:"errorCode"`
	ApplicationName     string           `json:"applicationName"`
	CorrelationID       string           `json:"correlationId"`
	AdditionalErrorData []AdditionalData `json:"additionalErrorData"`
}

// apiErrorFrom reads a non-2xx response into an APIError. The body may be
// Kibo's JSON or anything a proxy in between chose to send.
func apiErrorFrom(resp *http.Response) *APIError {
	e := &APIError{StatusCode: resp.StatusCode, CorrelationID: resp.Header.Get("x-vol-correlation")}
	e.RetryAfter, _ = retryAfter(resp.Header.Get("Retry-After"), time.Now())
	if resp.Request != nil {
		e.Method = resp.Request.Method
		e.URL = resp.Request.URL.Redacted()
	}
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	var body kiboErrorBody
	if json.Unmarshal(raw, &body) == nil {
		e.Message, e.ErrorCode, e.ApplicationName = body.Message, body.ErrorCode, body.ApplicationName
		e.AdditionalData = body.AdditionalErrorData
		if body.CorrelationID != "" {
			e.CorrelationID = body.CorrelationID
		}
	} else if s := strings.TrimSpace(string(raw)); s != "" && len(s) < 300 {
		e.Message = s
	}
	return e
}

// AuthError means Kibo answered and refused: wrong credentials, or a token
// Kibo keeps refusing. A host that never answered is an UnreachableError.
type AuthError struct{ Err error }

func (e *AuthError) Error() string { return "authentication failed: " + e.Err.Error() }
func (e *AuthError) Unwrap() error { return e.Err }

// IsAuth reports whether err is an authentication failure (exit code 4).
func IsAuth(err error) bool {
	var ae *AuthError
	if errors.As(err, &ae) {
		return true
	}
	var api *APIError
	return errors.As(err, &api) && api.StatusCode == http.StatusUnauthorized
}

// Host roles an UnreachableError names, so a caller can point at the setting
// that chooses the host.
const (
	RoleAuth = "auth" // the auth (home) host: tokens and tenant lookup
	RoleAPI  = "API"  // the tenant's API host: the Event calls
)

// UnreachableError means a Kibo host gave no answer at all (refused, no such
// host, TLS failure, timed out): the credentials were never judged.
type UnreachableError struct {
	Role string // RoleAuth or RoleAPI
	Host string // scheme://host[:port], never a path or query
	Err  error
}

func (e *UnreachableError) Error() string {
	return fmt.Sprintf("could not reach Kibo's %s host %s: %v", e.Role, e.Host, e.Err)
}
func (e *UnreachableError) Unwrap() error { return e.Err }

// unreachable classifies a transport error (no HTTP answer) of a request to u.
func unreachable(role string, u *url.URL, err error, timeout time.Duration) *UnreachableError {
	if ue, ok := errors.AsType[*UnreachableError](err); ok {
		return ue
	}
	err = unwrapURLError(err)
	if errors.Is(err, context.DeadlineExceeded) {
		err = fmt.Errorf("no answer within %s (--timeout)", timeout)
	}
	return &UnreachableError{Role: role, Host: u.Scheme + "://" + u.Host, Err: errors.New(DescribeNetError(err))}
}

// DescribeNetError says in a few words why a connection failed, without Go's
// "dial tcp 127.0.0.1:5050: connect:" preamble.
func DescribeNetError(err error) string {
	var dnsErr *net.DNSError
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, syscall.ECONNRESET):
		return "connection reset"
	case errors.As(err, &dnsErr) && dnsErr.IsNotFound:
		return "no such host " + dnsErr.Name
	}
	return unwrapURLError(err).Error()
}
