package kibo

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
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
	host     *url.URL
	clientID string
	secret   string
	http     *http.Client
	timeout  time.Duration
	now      func() time.Time

	mu      sync.Mutex
	refresh string
}

func (f *tokenFetcher) setRefresh(rt string) {
	f.mu.Lock()
	f.refresh = rt
	f.mu.Unlock()
}

// Token fetches a token under ctx, so Ctrl-C ends a token request at once.
func (f *tokenFetcher) Token(ctx context.Context) (*oauth2.Token, error) {
	f.mu.Lock()
	rt := f.refresh
	f.mu.Unlock()
	if rt != "" {
		// Kibo's SDKs refresh with grant_type client_credentials and the
		// refresh_token added, not OAuth's refresh_token grant.
		tok, err := f.request(ctx, OAuthRequest{ClientID: f.clientID, ClientSecret: f.secret, GrantType: "client_credentials", RefreshToken: rt})
		if err == nil || ctx.Err() != nil {
			return tok, err
		}
		if _, down := errors.AsType[*UnreachableError](err); down {
			return nil, err
		}
		// A refused refresh token is not fatal: the credentials can still get a new one.
	}
	return f.request(ctx, OAuthRequest{ClientID: f.clientID, ClientSecret: f.secret, GrantType: "client_credentials"})
}

func (f *tokenFetcher) request(ctx context.Context, body OAuthRequest) (*oauth2.Token, error) {
	raw, err := json.Marshal(body)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, f.url, bytes.NewReader(raw))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	resp, err := f.http.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, unreachable(RoleAuth, f.host, err, f.timeout)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		apiErr := apiErrorFrom(resp)
		if resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests {
			return nil, apiErr // Kibo is in trouble; it has not judged the credentials
		}
		return nil, &AuthError{Err: apiErr}
	}
	var out OAuthResponse
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&out); err != nil || out.AccessToken == "" {
		return nil, fmt.Errorf("token response from %s has no access_token", f.url)
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

func (d *diskSource) Token(ctx context.Context) (*oauth2.Token, error) {
	if cached := d.load(); cached != nil {
		if d.fresh(cached) {
			return cached, nil
		}
		d.fetch.setRefresh(cached.RefreshToken)
	}
	tok, err := d.fetch.Token(ctx)
	if err != nil {
		return nil, err
	}
	d.save(tok)
	return tok, nil
}

// fresh reports whether a token can still be used: it has no expiry or more
// than earlyExpiry left.
func (d *diskSource) fresh(tok *oauth2.Token) bool {
	return tok.Expiry.IsZero() || tok.Expiry.After(d.now().Add(earlyExpiry))
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

// tokenManager keeps the token in memory over the disk cache, which a 401 can
// invalidate. It is not an oauth2.TokenSource because that interface has no
// context: a token request must end when the command's context does.
type tokenManager struct {
	disk *diskSource
	mu   sync.Mutex
	tok  *oauth2.Token
}

func newTokenManager(disk *diskSource) *tokenManager { return &tokenManager{disk: disk} }

// Token returns the token in memory while fresh, else the disk cache's or a new one.
func (m *tokenManager) Token(ctx context.Context) (*oauth2.Token, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.tok != nil && m.disk.fresh(m.tok) {
		return m.tok, nil
	}
	tok, err := m.disk.Token(ctx)
	if err != nil {
		return nil, err
	}
	m.tok = tok
	return tok, nil
}

// replace makes tok the token in memory and on disk.
func (m *tokenManager) replace(tok *oauth2.Token) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.tok = tok
	m.disk.save(tok)
}

// Invalidate forgets the current token everywhere, so the next call
// authenticates afresh with the client credentials.
func (m *tokenManager) Invalidate() {
	_ = m.disk.remove()
	m.disk.fetch.setRefresh("")
	m.mu.Lock()
	m.tok = nil
	m.mu.Unlock()
}

// bearerTransport adds the token, fetched under the request's context.
type bearerTransport struct {
	next   http.RoundTripper
	tokens *tokenManager
}

func (t *bearerTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	tok, err := t.tokens.Token(req.Context())
	if err != nil {
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, err
	}
	r := req.Clone(req.Context())
	r.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	return t.next.RoundTrip(r)
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

// ForgetAllTokens removes every cached token and tenant lookup under
// cacheDir (auth logout --all).
func ForgetAllTokens(cacheDir string) error {
	for _, sub := range []string{tokensDir, tenantsDir} {
		if err := os.RemoveAll(filepath.Join(cacheDir, sub)); err != nil {
			return err
		}
	}
	return nil
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
