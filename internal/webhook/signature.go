package webhook

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"time"
)

// Kibo's push headers.
const (
	HeaderSignature   = "x-vol-hmac-sha256"
	HeaderTenant      = "x-vol-tenant"
	HeaderSite        = "x-vol-site"
	HeaderCorrelation = "x-vol-correlation"
)

// DefaultMaxAge is how old a Date header may be: Kibo's SDKs reject older.
const DefaultMaxAge = 180 * time.Second

// DefaultMaxSkew is how far in the future a Date header may be, for clocks
// that disagree a little.
const DefaultMaxSkew = 60 * time.Second

// Sign computes x-vol-hmac-sha256 as all of Kibo's SDKs do (a double SHA-256,
// not RFC 2104 HMAC): k = base64(sha256(secret+secret)), then
// base64(sha256(k + date + body)) over the raw Date header and raw body bytes.
func Sign(secret, date string, body []byte) string {
	k := sha256.Sum256([]byte(secret + secret))
	h := sha256.New()
	h.Write([]byte(base64.StdEncoding.EncodeToString(k[:])))
	h.Write([]byte(date))
	h.Write(body)
	return base64.StdEncoding.EncodeToString(h.Sum(nil))
}

// Reasons a signature check fails.
var (
	ErrMissingSignature = errors.New("missing x-vol-hmac-sha256 header")
	ErrMissingDate      = errors.New("missing date header")
	ErrBadDate          = errors.New("the date header is not an HTTP date")
	ErrBadSignature     = errors.New("signature does not match: wrong shared secret, or the body or date header changed on the way")
	ErrTooOld           = errors.New("the date header is too old")
	ErrFromFuture       = errors.New("the date header is in the future")
)

// Verifier checks signatures. The zero value uses the defaults and the real clock.
type Verifier struct {
	Secret  string
	MaxAge  time.Duration // 0 means DefaultMaxAge; negative disables the age check
	MaxSkew time.Duration // 0 means DefaultMaxSkew
	Now     func() time.Time
}

// Verify checks a signature over the raw Date header and body. The error says
// why a request is refused.
func (v Verifier) Verify(date, signature string, body []byte) error {
	if signature == "" {
		return ErrMissingSignature
	}
	if date == "" {
		return ErrMissingDate
	}
	want := Sign(v.Secret, date, body)
	if subtle.ConstantTimeCompare([]byte(want), []byte(signature)) != 1 {
		return ErrBadSignature
	}
	return v.checkAge(date)
}

func (v Verifier) checkAge(date string) error {
	maxAge, skew, now := v.MaxAge, v.MaxSkew, time.Now
	if maxAge < 0 {
		return nil
	}
	if maxAge == 0 {
		maxAge = DefaultMaxAge
	}
	if skew == 0 {
		skew = DefaultMaxSkew
	}
	if v.Now != nil {
		now = v.Now
	}
	at, err := http.ParseTime(date)
	if err != nil {
		return fmt.Errorf("%w: %q", ErrBadDate, date)
	}
	age := now().Sub(at)
	switch {
	case age > maxAge:
		return fmt.Errorf("%w: %s old, at most %s allowed", ErrTooOld, age.Round(time.Second), maxAge)
	case -age > skew:
		return fmt.Errorf("%w: %s ahead of this clock", ErrFromFuture, (-age).Round(time.Second))
	}
	return nil
}

// VerifyRequest checks a request's headers and its raw body.
func (v Verifier) VerifyRequest(h http.Header, body []byte) error {
	return v.Verify(h.Get("Date"), h.Get(HeaderSignature), body)
}

// SignedHeaders returns the headers Kibo sends with a push: Date, the
// signature, tenant, site, correlation and the content type.
func SignedHeaders(secret string, c Context, body []byte, now time.Time) http.Header {
	h := http.Header{}
	date := now.UTC().Format(http.TimeFormat)
	h.Set("Date", date)
	h.Set("Content-Type", "application/json; charset=utf-8")
	if secret != "" {
		h.Set(HeaderSignature, Sign(secret, date, body))
	}
	if c.Tenant != "" {
		h.Set(HeaderTenant, c.Tenant)
	}
	if c.Site != "" {
		h.Set(HeaderSite, c.Site)
	}
	if c.Correlation != "" {
		h.Set(HeaderCorrelation, c.Correlation)
	}
	return h
}
