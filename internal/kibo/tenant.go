package kibo

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"time"
)

// TenantPath is where SDKs look a tenant up on the auth host.
const TenantPath = "/api/platform/tenants/"

const tenantCacheTTL = 24 * time.Hour

type cachedTenant struct {
	Tenant    Tenant    `json:"tenant"`
	FetchedAt time.Time `json:"fetchedAt"`
}

// GetTenant fetches GET /api/platform/tenants/{id} from the auth host.
func (c *Client) GetTenant(ctx context.Context) (*Tenant, error) {
	var t Tenant
	if err := c.getURL(ctx, RoleAuth, c.authBase.String()+TenantPath+c.opts.Tenant, nil, &t); err != nil {
		return nil, err
	}
	return &t, nil
}

// tenantDomain returns the tenant's API domain, from the cache when fresh.
func (c *Client) tenantDomain(ctx context.Context) (string, error) {
	path := c.tenantCachePath()
	if path != "" {
		if raw, err := os.ReadFile(path); err == nil {
			var ct cachedTenant
			if json.Unmarshal(raw, &ct) == nil && ct.Tenant.Domain != "" && c.opts.Now().Sub(ct.FetchedAt) < tenantCacheTTL {
				return ct.Tenant.Domain, nil
			}
		}
	}
	t, err := c.GetTenant(ctx)
	if err != nil {
		return "", err
	}
	if t.Domain == "" {
		return "", errors.New("the tenant has no domain")
	}
	if path != "" {
		raw, _ := json.Marshal(cachedTenant{Tenant: *t, FetchedAt: c.opts.Now()})
		_ = writeFileAtomic(path, raw)
	}
	return t.Domain, nil
}

func (c *Client) tenantCachePath() string {
	if c.opts.CacheDir == "" {
		return ""
	}
	return filepath.Join(c.opts.CacheDir, tenantsDir, cacheKey(c.authBase.String(), c.opts.Tenant)+".json")
}
