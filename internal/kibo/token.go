package kibo

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"time"

	"golang.org/x/oauth2"
)

// earlyExpiry is how long before expires_in a token stops being reused.
const earlyExpiry = time.Minute

// OAuthPath is Kibo's app token endpoint (openapi_auth.json).
const OAuthPath = "/api/platform/applications/authtickets/oauth"

// tokenFetcher asks Kibo for a token with the JSON body the spec declares,
// using the refresh token when it has one and the client credentials otherwise.
type tokenFetcher struct {
	url      string
	clientID string
	secret   string
	http     *http.Client
	now      func() time.Time

	mu      sync.Mutex
	refresh string
}

func (f *tokenFetcher) setRefresh(rt string) {
	f.mu.Lock()
	f.refresh = rt
	f.mu.Unlock()
}

func (f *tokenFetcher) Token() (*oauth2.Token, error) {
	f.mu.Lock()
	rt := f.refresh
	f.mu.Unlock()
	if rt != "" {
		if tok, err := f.request(OAuthRequest{ClientID: f.clientID, ClientSecret: f.secret, GrantType: "refresh_token", RefreshToken: rt}); err == nil {
			return tok, nil
		}
		// A refused refresh token is not fatal: the credentials can still get a new one.
	}
	return f.request(OAuthRequest{ClientID: f.clientID, ClientSecret: f.secret, GrantType: "client_credentials"})
}

func (f *tokenFetcher) request(body OAuthRequest) (*oauth2.Token, error) {
	raw, err := json.Marshal(body)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, f.url, bytes.NewReader(raw))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	resp, err := f.http.Do(req)
	if err != nil {
		return nil, &AuthError{Err: fmt.Errorf("requesting a token from %s: %w", f.url, unwrapURLError(err))}
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return nil, &AuthError{Err: apiErrorFrom(resp)}
	}
	var out OAuthResponse
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || out.AccessToken == "" {
		return nil, &AuthError{Err: fmt.Errorf("token response from %s has no access_token", f.url)}
	}
	tok := &oauth2.Token{AccessToken: out.AccessToken, TokenType: "Bearer", RefreshToken: out.RefreshToken}
	if out.ExpiresIn > 0 {
		tok.Expiry = f.now().Add(time.Duration(out.ExpiresIn) * time.Second)
	}
	f.setRefresh(out.RefreshToken)
	return tok, nil
}

func unwrapURLError(err error) error {
	if ue, ok := errors.AsType[*url.Error](err); ok {
		return ue.Err
	}
	return err
}

// cachedToken is the on-disk form of a token (0600 under the cache dir).
type cachedToken struct {
	AccessToken  string    `json:"access_token"`
	TokenType    string    `json:"token_type"`
	RefreshToken string    `json:"refresh_token,omitempty"`
	Expiry       time.Time `json:"expiry"`
}

// diskSource reuses a token saved by an earlier kwh process until about a
// minute before it expires, then fetches (or refreshes) and saves the new one.
type diskSource struct {
	path  string // "" disables the disk cache
	fetch *tokenFetcher
	now   func() time.Time
}

func (d *diskSource) Token() (*oauth2.Token, error) {
	if cached := d.load(); cached != nil {
		if cached.Expiry.IsZero() || cached.Expiry.After(d.now().Add(earlyExpiry)) {
			return cached, nil
		}
		d.fetch.setRefresh(cached.RefreshToken)
	}
	tok, err := d.fetch.Token()
	if err != nil {
		return nil, err
	}
	d.save(tok)
	return tok, nil
}

func (d *diskSource) load() *oauth2.Token {
	if d.path == "" {
		return nil
	}
	raw, err := os.ReadFile(d.path)
	if err != nil {
		return nil
	}
	var c cachedToken
	if json.Unmarshal(raw, &c) != nil || c.AccessToken == "" {
		return nil
	}
	return &oauth2.Token{AccessToken: c.AccessToken, TokenType: c.TokenType, RefreshToken: c.RefreshToken, Expiry: c.Expiry}
}

// save writes atomically so that concurrent kwh processes never read half a file.
func (d *diskSource) save(tok *oauth2.Token) {
	if d.path == "" {
		return
	}
	raw, _ := json.Marshal(cachedToken{AccessToken: tok.AccessToken, TokenType: tok.TokenType, RefreshToken: tok.RefreshToken, Expiry: tok.Expiry})
	_ = writeFileAtomic(d.path, raw)
}

func (d *diskSource) remove() error {
	if d.path == "" {
		return nil
	}
	if err := os.Remove(d.path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}

// tokenManager is the oauth2.TokenSource the API transport uses: an in-memory
// ReuseTokenSource over the disk cache, which a 401 can invalidate.
type tokenManager struct {
	disk *diskSource
	mu   sync.Mutex
	src  oauth2.TokenSource
}

func newTokenManager(disk *diskSource) *tokenManager {
	return &tokenManager{disk: disk, src: oauth2.ReuseTokenSourceWithExpiry(nil, disk, earlyExpiry)}
}

func (m *tokenManager) Token() (*oauth2.Token, error) {
	m.mu.Lock()
	src := m.src
	m.mu.Unlock()
	return src.Token()
}

// Invalidate forgets the current token everywhere, so the next call
// authenticates afresh with the client credentials.
func (m *tokenManager) Invalidate() {
	_ = m.disk.remove()
	m.disk.fetch.setRefresh("")
	m.mu.Lock()
	m.src = oauth2.ReuseTokenSourceWithExpiry(nil, m.disk, earlyExpiry)
	m.mu.Unlock()
}

// reauthTransport retries a request exactly once, with a fresh token, when
// Kibo answers 401: the cached token may have been revoked or expired early.
type reauthTransport struct {
	next   http.RoundTripper
	tokens *tokenManager
}

func (t *reauthTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(req)
	if err != nil || resp.StatusCode != http.StatusUnauthorized {
		return resp, err
	}
	if req.Body != nil && req.GetBody == nil {
		return resp, nil
	}
	resp.Body.Close()
	t.tokens.Invalidate()
	retry := req.Clone(req.Context())
	if req.GetBody != nil {
		if retry.Body, err = req.GetBody(); err != nil {
			return nil, err
		}
	}
	return t.next.RoundTrip(retry)
}

// cacheKey names a cache file after the profile and host, never the secret.
func cacheKey(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))[:20]
}

func writeFileAtomic(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// ForgetToken removes the cached token of a profile, auth host and client id
// without needing the shared secret.
func ForgetToken(o Options) error {
	if o.AuthHost == "" {
		o.AuthHost = "home.mozu.com"
	}
	base, err := BaseURL(o.AuthHost)
	if err != nil {
		return err
	}
	c := &Client{opts: o, authBase: base}
	return (&diskSource{path: c.tokenPath()}).remove()
}
