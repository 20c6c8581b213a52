package kibo

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestBaseURL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"home.mozu.com", "https://home.mozu.com"},
		{"https://home.euw1.kibocommerce.com/", "https://home.euw1.kibocommerce.com"},
		{"t12345.sandbox.mozu.com/api", "https://t12345.sandbox.mozu.com"},
		{"http://127.0.0.1:5050", "http://127.0.0.1:5050"},
		{"http://[::1]:5050/api/", "http://[::1]:5050"},
	}
	for _, tt := range tests {
		u, err := BaseURL(tt.in)
		if err != nil || u.String() != tt.want {
			t.Errorf("BaseURL(%q) = %v, %v; want %s", tt.in, u, err, tt.want)
		}
	}
	for _, bad := range []string{"", "ftp://x", "http://"} {
		if _, err := BaseURL(bad); err == nil {
			t.Errorf("BaseURL(%q) accepted", bad)
		}
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"1", time.Second, true},
		{"0", 0, true},
		{"86400", maxRetryAfter, true},
		{now.Add(5 * time.Second).Format(http.TimeFormat), 5 * time.Second, true},
		{"soon", 0, false},
		{"", 0, false},
	}
	for _, tt := range tests {
		got, ok := retryAfter(tt.in, now)
		if got != tt.want || ok != tt.ok {
			t.Errorf("retryAfter(%q) = %v %v, want %v %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestJitterStaysInBounds(t *testing.T) {
	for attempt := 1; attempt <= 10; attempt++ {
		full := min(250*time.Millisecond<<(attempt-1), 8*time.Second)
		for range 50 {
			if d := jittered(attempt); d < full/2 || d > full {
				t.Fatalf("attempt %d: %v outside [%v, %v]", attempt, d, full/2, full)
			}
		}
	}
}

func TestExplicitAPIHostSkipsTenantLookupAndSendsContext(t *testing.T) {
	var seen []*http.Request
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = append(seen, r)
		if r.URL.Path == OAuthPath {
			w.Write([]byte(`{"access_token":"tok","token_type":"Bearer","expires_in":3600}`))
			return
		}
		w.Write([]byte(`{"startIndex":0,"pageSize":200,"pageCount":0,"totalCount":0,"items":null}`))
	}))
	defer srv.Close()
	c, err := New(Options{ClientID: "a", SharedSecret: "b", Tenant: "9", Site: "8", AuthHost: srv.URL, APIHost: srv.URL + "/api"})
	if err != nil {
		t.Fatal(err)
	}
	list, err := c.Subscriptions(context.Background(), ListParams{}, nil)
	if err != nil || len(list.Items) != 0 {
		t.Fatal(list, err)
	}
	if len(seen) != 2 {
		t.Fatalf("%d requests, want token + list", len(seen))
	}
	api := seen[1]
	if api.URL.Path != "/api/event/push/subscriptions" || api.Header.Get("x-vol-tenant") != "9" || api.Header.Get("x-vol-site") != "8" || api.Header.Get("Authorization") != "Bearer tok" {
		t.Errorf("request: %s %v", api.URL, api.Header)
	}
}

func TestNoHostNoTenantIsAClearError(t *testing.T) {
	c, _ := New(Options{ClientID: "a", SharedSecret: "b"})
	_, err := c.Subscriptions(context.Background(), ListParams{}, nil)
	if err == nil || !strings.Contains(err.Error(), "--api-host") || !strings.Contains(err.Error(), "KIBO_TENANT") {
		t.Fatalf("err = %v", err)
	}
}

func TestAPIErrorFormatting(t *testing.T) {
	e := &APIError{StatusCode: 404, ErrorCode: "ITEM_NOT_FOUND", Message: "Event x not found.", CorrelationID: "c0ffee"}
	want := "Kibo answered 404 Not Found (ITEM_NOT_FOUND): Event x not found. [correlation id c0ffee]"
	if e.Error() != want {
		t.Errorf("got %q", e.Error())
	}
}
