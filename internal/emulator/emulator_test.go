package emulator

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestFilter(t *testing.T) {
	items := []map[string]any{
		{"id": "a", "topic": "order.opened", "entityId": "1", "isTest": false, "tenantId": 5.0, "auditInfo": map[string]any{"createDate": "2026-11-20T12:00:00Z"}},
		{"id": "b", "topic": "order.closed", "entityId": "2", "isTest": true, "tenantId": 7.0, "auditInfo": map[string]any{"createDate": "2026-11-21T12:00:00Z"}},
		{"id": "c", "topic": "product.created", "entityId": "SKU-1", "isTest": false, "tenantId": 5.0, "auditInfo": map[string]any{"createDate": "2026-11-22T12:00:00.1234567"}},
		{"id": "d", "topic": "return.opened", "entityId": nil, "topics": []any{"x.y", "order.opened"}},
	}
	tests := []struct {
		filter string
		want   string
	}{
		{"", "abcd"},
		{"topic eq order.opened", "a"},
		{"topic eq ORDER.OPENED", "a"},
		{"topic ne order.opened", "bcd"},
		{"topic sw order.", "ab"},
		{"topic cont opened", "ad"},
		{"topic eq order.opened or topic eq product.created", "ac"},
		{"topic sw order. and isTest eq true", "b"},
		{"tenantId gt 5", "b"},
		{"tenantId ge 5 and tenantId le 5", "ac"},
		{"tenantId lt 7", "ac"},
		{"auditInfo.createDate ge 2026-11-21T00:00:00Z", "bc"},
		{"auditInfo.createDate lt 2026-11-21T00:00:00Z", "a"},
		{"entityId eq null", "d"},
		{"entityId eq 'SKU-1'", "c"},
		{"(topic eq order.opened or topic eq order.closed) and isTest eq false", "a"},
		{"topic eq order.opened or topic eq order.closed and isTest eq false", "a"}, // and binds tighter
		{"topics eq order.opened", "d"},
	}
	for _, tt := range tests {
		t.Run(tt.filter, func(t *testing.T) {
			pred, err := parseFilter(tt.filter)
			if err != nil {
				t.Fatal(err)
			}
			got := ""
			for _, it := range items {
				if pred(it) {
					got += it["id"].(string)
				}
			}
			if got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
	for _, bad := range []string{"topic", "topic like x", "topic eq 'x", "(topic eq x", "topic eq x y"} {
		if _, err := parseFilter(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}

func newTestEmulator(t *testing.T) (*Emulator, *httptest.Server, string) {
	t.Helper()
	var events []map[string]any
	for i := range 45 {
		events = append(events, map[string]any{"id": fmt.Sprintf("%032x", i), "topic": []string{"order.opened", "product.created"}[i%2], "entityId": fmt.Sprint(100 - i)})
	}
	e := New(Seed{
		Apps:    []App{{ClientID: "a.B.1.0.0.Release", SharedSecret: "s3cr3t"}},
		Tenants: []map[string]any{{"id": 1.0, "domain": ""}},
		Events:  events,
	})
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	body := `{"client_id":"a.B.1.0.0.Release","client_secret":"s3cr3t","grant_type":"client_credentials"}`
	resp, err := http.Post(srv.URL+"/api/platform/applications/authtickets/oauth", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var tok map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&tok)
	if resp.StatusCode != 200 || tok["token_type"] != "Bearer" || tok["expires_in"].(float64) != 3600 {
		t.Fatalf("token: %d %v", resp.StatusCode, tok)
	}
	return e, srv, tok["access_token"].(string)
}

func get(t *testing.T, srv *httptest.Server, token, path string, q url.Values) (int, map[string]any, http.Header) {
	t.Helper()
	req, _ := http.NewRequest("GET", srv.URL+path+"?"+q.Encode(), nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&m)
	return resp.StatusCode, m, resp.Header
}

func TestPagingAndSorting(t *testing.T) {
	_, srv, tok := newTestEmulator(t)
	code, page, _ := get(t, srv, tok, "/api/event/pull", url.Values{"startIndex": {"40"}, "pageSize": {"20"}})
	if code != 200 || page["totalCount"].(float64) != 45 || page["pageCount"].(float64) != 3 || len(page["items"].([]any)) != 5 || page["startIndex"].(float64) != 40 {
		t.Fatalf("page: %d %v", code, page)
	}
	// entityId is a string: "100" sorts before "56".
	code, page, _ = get(t, srv, tok, "/api/event/pull", url.Values{"filter": {"topic eq order.opened"}, "sortBy": {"entityId asc"}, "pageSize": {"200"}})
	items := page["items"].([]any)
	if code != 200 || len(items) != 23 || items[0].(map[string]any)["entityId"] != "100" || items[22].(map[string]any)["entityId"] != "98" {
		t.Fatalf("filtered+sorted: %d %d items, first %v", code, len(items), items[0])
	}
	for _, q := range []url.Values{{"pageSize": {"201"}}, {"filter": {"topic zz x"}}, {"sortBy": {"topic sideways"}}} {
		code, body, hdr := get(t, srv, tok, "/api/event/pull", q)
		if code != 400 || body["errorCode"] != "VALIDATION_ERROR" || body["correlationId"] != hdr.Get("x-vol-correlation") || body["correlationId"] == "" {
			t.Errorf("%v: %d %v", q, code, body)
		}
	}
}

func TestBearerChecks(t *testing.T) {
	e, srv, tok := newTestEmulator(t)
	if code, _, _ := get(t, srv, "nope", "/api/event/pull", nil); code != 401 {
		t.Errorf("bad token: %d", code)
	}
	if code, _, _ := get(t, srv, tok, "/api/event/pull", nil); code != 200 {
		t.Errorf("good token: %d", code)
	}
	e.mu.Lock()
	e.Now = func() time.Time { return time.Now().Add(2 * time.Hour) }
	e.mu.Unlock()
	if code, body, _ := get(t, srv, tok, "/api/event/pull", nil); code != 401 || !strings.Contains(body["message"].(string), "expired") {
		t.Errorf("expired token: %d %v", code, body)
	}
	resp, _ := http.Post(srv.URL+"/api/platform/applications/authtickets/oauth", "application/x-www-form-urlencoded", bytes.NewReader([]byte("client_id=a")))
	if resp.StatusCode != 415 {
		t.Errorf("form body: %d, want 415 (the spec declares JSON only)", resp.StatusCode)
	}
	resp.Body.Close()
}

func TestFaults(t *testing.T) {
	e, srv, tok := newTestEmulator(t)
	e.Inject(Fault{PathPrefix: "/api/event/", Status: 429, RetryAfter: "3", Times: 2})
	for i := range 2 {
		code, body, hdr := get(t, srv, tok, "/api/event/pull", nil)
		if code != 429 || hdr.Get("Retry-After") != "3" || body["errorCode"] == nil {
			t.Fatalf("call %d: %d %v", i, code, hdr)
		}
	}
	if code, _, _ := get(t, srv, tok, "/api/event/pull", nil); code != 200 {
		t.Fatalf("after the faults: %d", code)
	}
}

func TestSpecViolation(t *testing.T) {
	tests := []struct {
		r    Request
		want bool
	}{
		{Request{Method: "GET", Path: "/api/event/pull", Query: url.Values{"filter": {"x"}}}, false},
		{Request{Method: "GET", Path: "/api/event/pull", Query: url.Values{"limit": {"1"}}}, true},
		{Request{Method: "POST", Path: "/api/event/pull"}, true},
		{Request{Method: "GET", Path: "/api/event/push/subscriptions/abc/deliveryattempts/7"}, false},
		{Request{Method: "GET", Path: "/api/event/push/subscriptions/abc"}, true},
	}
	for _, tt := range tests {
		if got := tt.r.SpecViolation() != ""; got != tt.want {
			t.Errorf("%s %s %v: violation=%v", tt.r.Method, tt.r.Path, tt.r.Query, got)
		}
	}
}
