package kibo

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
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

// AuthError means kwh could not get or use a token: wrong credentials, an
// unreachable auth host, or a token Kibo keeps refusing.
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
