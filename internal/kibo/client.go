// Package kibo is kwh's Kibo API client: OAuth2 client-credentials tokens with
// a disk cache, a transport that retries and re-authenticates, host
// resolution, the six Event service GETs, paging and Kibo's errors.
// It never imports cobra, viper or the terminal.
package kibo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"
)

// Options configure a Client. Only ClientID and SharedSecret are required.
type Options struct {
	Profile      string
	ClientID     string
	SharedSecret string
	Tenant       string
	Site         string
	AuthHost     string // bare host (https) or full URL; default home.mozu.com
	APIHost      string // bare host or full URL; empty means look the tenant up

	CacheDir    string        // tokens and tenant lookups; "" keeps nothing on disk
	Timeout     time.Duration // per attempt; default 30s
	MaxAttempts int           // tries per call including the first; default 4
	Debug       io.Writer     // when set, every request and response is logged here
	Transport   http.RoundTripper
	Sleep       func(context.Context, time.Duration) error
	Now         func() time.Time
	OnRetry     func(RetryInfo)
}

// Client talks to one Kibo tenant as one application.
type Client struct {
	opts     Options
	authBase *url.URL
	tokens   *tokenManager
	api      *http.Client // authenticated, retrying
	plain    *http.Client // retrying, no token (token endpoint)

	// apiBaseMu is held while the API base is looked up, so concurrent first
	// calls share one lookup; a failed lookup is tried again by the next call.
	apiBaseMu sync.Mutex
	apiBase   string
}

// New builds a client; it makes no request until one is needed.
func New(o Options) (*Client, error) {
	if o.ClientID == "" || o.SharedSecret == "" {
		return nil, &AuthError{Err: errors.New("no client id or shared secret")}
	}
	if o.AuthHost == "" {
		o.AuthHost = "home.mozu.com"
	}
	authBase, err := BaseURL(o.AuthHost)
	if err != nil {
		return nil, fmt.Errorf("auth host: %w", err)
	}
	if o.APIHost != "" {
		if _, err := BaseURL(o.APIHost); err != nil {
			return nil, fmt.Errorf("api host: %w", err)
		}
	}
	defaults(&o)
	c := &Client{opts: o, authBase: authBase}
	base := o.Transport
	if o.Debug != nil {
		base = &debugTransport{base: base, w: o.Debug, secrets: c.secrets}
	}
	retrying := &retryTransport{base: base, maxAttempts: o.MaxAttempts, timeout: o.Timeout, sleep: o.Sleep, notify: o.OnRetry}
	c.plain = &http.Client{Transport: retrying}
	fetch := &tokenFetcher{url: authBase.String() + OAuthPath, host: authBase, clientID: o.ClientID, secret: o.SharedSecret, http: c.plain, timeout: o.Timeout, now: o.Now}
	c.tokens = newTokenManager(&diskSource{path: c.tokenPath(), fetch: fetch, now: o.Now})
	c.api = &http.Client{Transport: &reauthTransport{
		next:   &bearerTransport{next: retrying, tokens: c.tokens},
		tokens: c.tokens,
	}}
	return c, nil
}

func defaults(o *Options) {
	if o.Timeout <= 0 {
		o.Timeout = 30 * time.Second
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 4
	}
	if o.Transport == nil {
		o.Transport = http.DefaultTransport
	}
	if o.Sleep == nil {
		o.Sleep = sleepCtx
	}
	if o.Now == nil {
		o.Now = time.Now
	}
}

// secrets lists what --debug must never print: the shared secret and tokens.
func (c *Client) secrets() []string {
	out := []string{c.opts.SharedSecret}
	if tok := c.tokens.disk.load(); tok != nil {
		out = append(out, tok.AccessToken, tok.RefreshToken)
	}
	return out
}

func (c *Client) tokenPath() string {
	if c.opts.CacheDir == "" {
		return ""
	}
	return filepath.Join(c.opts.CacheDir, tokensDir, cacheKey(c.opts.Profile, c.authBase.String(), c.opts.ClientID)+".json")
}

// BaseURL turns a host flag into a base URL: a bare host means https; a full
// URL (http://127.0.0.1:5050 for the emulator) is kept. A trailing /api is dropped.
func BaseURL(host string) (*url.URL, error) {
	h := strings.TrimSpace(host)
	if h == "" {
		return nil, errors.New("empty host")
	}
	if !strings.Contains(h, "://") {
		h = "https://" + h
	}
	u, err := url.Parse(h)
	if err != nil {
		return nil, fmt.Errorf("invalid host %q: %w", host, err)
	}
	if u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, fmt.Errorf("invalid host %q: want a host name or an http(s) URL", host)
	}
	u.Path = strings.TrimSuffix(strings.TrimSuffix(u.Path, "/"), "/api")
	u.RawQuery, u.Fragment = "", ""
	return u, nil
}

// Token returns a valid access token, fetching one if the cache has none.
func (c *Client) Token(ctx context.Context) (*oauth2.Token, error) {
	return c.tokens.Token(ctx)
}

// CheckCredentials asks the auth host for a new token with the client
// credentials, whatever the cache holds, and keeps it: a cached token proves
// nothing about the secret in use now or whether the auth host is up.
func (c *Client) CheckCredentials(ctx context.Context) (*oauth2.Token, error) {
	f := c.tokens.disk.fetch
	tok, err := f.request(ctx, OAuthRequest{ClientID: f.clientID, ClientSecret: f.secret, GrantType: "client_credentials"})
	if err != nil {
		return nil, err
	}
	c.tokens.replace(tok)
	return tok, nil
}

// CachedToken returns the token on disk without fetching, or nil.
func (c *Client) CachedToken() *oauth2.Token { return c.tokens.disk.load() }

// The token cache's layout: CacheDir/tokens/KEY.json and CacheDir/tenants/KEY.json.
const (
	tokensDir  = "tokens"
	tenantsDir = "tenants"
)

// get performs an authenticated GET of /api+path and decodes the JSON answer.
func (c *Client) get(ctx context.Context, path string, q url.Values, out any) error {
	base, err := c.APIBase(ctx)
	if err != nil {
		return err
	}
	return c.getURL(ctx, RoleAPI, base+"/api"+path, q, out)
}

// getURL GETs u on the host of role (RoleAuth or RoleAPI).
func (c *Client) getURL(ctx context.Context, role, u string, q url.Values, out any) error {
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "application/json")
	if c.opts.Tenant != "" {
		req.Header.Set("x-vol-tenant", c.opts.Tenant)
	}
	if c.opts.Site != "" {
		req.Header.Set("x-vol-site", c.opts.Site)
	}
	resp, err := c.api.Do(req)
	if err != nil {
		return transportError(ctx, role, req.URL, err, c.opts.Timeout)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return apiErrorFrom(resp)
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return fmt.Errorf("decoding the answer to GET %s: %w", req.URL.Path, err)
	}
	return nil
}

// transportError classifies a call that got no HTTP answer: Ctrl-C, a refused
// token, Kibo in trouble, or a host that could not be reached.
func transportError(ctx context.Context, role string, u *url.URL, err error, timeout time.Duration) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if ae, ok := errors.AsType[*AuthError](err); ok {
		return ae
	}
	if ae, ok := errors.AsType[*APIError](err); ok {
		return ae
	}
	if ue, ok := errors.AsType[*UnreachableError](err); ok {
		return ue
	}
	return unreachable(role, u, err, timeout)
}

// APIBase returns the base URL Event calls go to, resolving it once.
func (c *Client) APIBase(ctx context.Context) (string, error) {
	c.apiBaseMu.Lock()
	defer c.apiBaseMu.Unlock()
	if c.apiBase != "" {
		return c.apiBase, nil
	}
	base, err := c.resolveAPIBase(ctx)
	if err != nil {
		return "", err
	}
	c.apiBase = base
	return base, nil
}

func (c *Client) resolveAPIBase(ctx context.Context) (string, error) {
	if c.opts.APIHost != "" {
		u, err := BaseURL(c.opts.APIHost)
		if err != nil {
			return "", err
		}
		return u.String(), nil
	}
	if c.opts.Tenant == "" {
		return "", errors.New("no API host: set --api-host (KIBO_API_HOST) or a tenant (-t, KIBO_TENANT) so kwh can look its host up")
	}
	if _, err := strconv.Atoi(c.opts.Tenant); err != nil {
		return "", fmt.Errorf("tenant %q is not a number", c.opts.Tenant)
	}
	domain, err := c.tenantDomain(ctx)
	if err != nil {
		return "", fmt.Errorf("looking up the API host of tenant %s (set --api-host to skip this): %w", c.opts.Tenant, err)
	}
	if strings.Contains(domain, "://") {
		return strings.TrimSuffix(domain, "/"), nil
	}
	// A tenant's domain carries no scheme; it shares the auth host's, which is
	// https except for the emulator and tests.
	return c.authBase.Scheme + "://" + domain, nil
}
