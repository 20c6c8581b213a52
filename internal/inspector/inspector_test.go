package inspector_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kwh-cli/kwh/internal/inspector"
	"github.com/kwh-cli/kwh/internal/listen"
	"github.com/kwh-cli/kwh/internal/store"
	"github.com/kwh-cli/kwh/internal/store/boltstore"
	"github.com/kwh-cli/kwh/internal/webhook"
)

// Every inspector path answers 401 without the token, whatever else the
// request carries; a POST needs the token header, a cookie is not enough.
func TestTokenGuardsEveryPath(t *testing.T) {
	r := start(t, inspector.Options{})
	id := r.push(event("order.opened", "ORD-1"))
	paths := []string{"", fmt.Sprintf("events/%d", id), fmt.Sprintf("events/%d/request.http", id), "api/deliveries", "api/stream", "assets/app.js", "assets/app.css", "no/such/page"}
	cookie := &http.Cookie{Name: "kwh_inspector", Value: r.token}
	tests := []struct {
		name   string
		method string
		auth   func(*http.Request)
		want   int
	}{
		{"nothing", http.MethodGet, func(*http.Request) {}, http.StatusUnauthorized},
		{"wrong header", http.MethodGet, func(q *http.Request) { q.Header.Set(inspector.TokenHeader, r.token+"x") }, http.StatusUnauthorized},
		{"wrong cookie", http.MethodGet, func(q *http.Request) { q.AddCookie(&http.Cookie{Name: "kwh_inspector", Value: "nope"}) }, http.StatusUnauthorized},
		{"token in query of another path", http.MethodGet, func(q *http.Request) { q.URL.RawQuery = "token=" + r.token }, http.StatusUnauthorized},
		{"POST with the cookie only", http.MethodPost, func(q *http.Request) { q.AddCookie(cookie) }, http.StatusUnauthorized},
	}
	for _, tt := range tests {
		for _, p := range paths {
			if tt.name == "token in query of another path" && p == "" {
				continue // that is the entry URL
			}
			t.Run(tt.name+" "+p, func(t *testing.T) {
				req, _ := http.NewRequest(tt.method, r.base+p, nil)
				tt.auth(req)
				res, body := r.do(req)
				if res.StatusCode != tt.want {
					t.Fatalf("%s %s: %d, want %d", tt.method, p, res.StatusCode, tt.want)
				}
				if strings.Contains(body, r.token) {
					t.Fatal("the answer shows the token")
				}
			})
		}
	}
	if res, _ := r.get("no/such/page", true); res.StatusCode != http.StatusNotFound {
		t.Fatalf("an unknown path with the token: %d, want 404", res.StatusCode)
	}
	req, _ := http.NewRequest(http.MethodPost, r.base+fmt.Sprintf("events/%d/reforward", id), strings.NewReader("target=x"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if res, _ := r.do(req); res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("POST without the token: %d, want 401", res.StatusCode)
	}
}

// The URL the banner prints trades its token for an HttpOnly, SameSite=Strict
// cookie and leaves the address bar without it.
func TestEntryURLSetsCookie(t *testing.T) {
	r := start(t, inspector.Options{})
	req, _ := http.NewRequest(http.MethodGet, r.entry, nil)
	res, _ := r.do(req)
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != inspector.Base {
		t.Fatalf("entry: %d to %q, want 303 to %s", res.StatusCode, res.Header.Get("Location"), inspector.Base)
	}
	cs := res.Cookies()
	if len(cs) != 1 || !cs[0].HttpOnly || cs[0].SameSite != http.SameSiteStrictMode || cs[0].Value != r.token {
		t.Fatalf("cookie: %+v", cs)
	}
	req, _ = http.NewRequest(http.MethodGet, r.base, nil)
	req.AddCookie(cs[0])
	if res, body := r.do(req); res.StatusCode != http.StatusOK || !strings.Contains(body, "kwh inspector") {
		t.Fatalf("the page with the cookie: %d", res.StatusCode)
	}
	req, _ = http.NewRequest(http.MethodGet, r.base+"?token=abc", nil)
	if res, _ := r.do(req); res.StatusCode != http.StatusUnauthorized || len(res.Cookies()) != 0 {
		t.Fatalf("a wrong token: %d %v, want 401 and no cookie", res.StatusCode, res.Cookies())
	}
}

// On the public receiver (the port a tunnel exposes) the inspector's paths
// do not exist, with or without the token.
func TestPublicPortHasNoInspector(t *testing.T) {
	r := start(t, inspector.Options{})
	for _, p := range []string{"/inspector", "/inspector/", "/inspector/?token=" + r.token, "/inspector/api/deliveries", "/inspector/events/1", "/inspector/assets/app.js"} {
		for _, m := range []string{http.MethodGet, http.MethodPost} {
			req, _ := http.NewRequest(m, r.public+p, nil)
			req.Header.Set(inspector.TokenHeader, r.token)
			if res, _ := r.do(req); res.StatusCode != http.StatusNotFound {
				t.Errorf("%s %s on the public port: %d, want 404", m, p, res.StatusCode)
			}
		}
	}
}

func TestStrictHeaders(t *testing.T) {
	r := start(t, inspector.Options{})
	for _, p := range []string{"", "api/deliveries", "assets/app.js"} {
		res, _ := r.get(p, true)
		csp := res.Header.Get("Content-Security-Policy")
		if !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe") {
			t.Errorf("%s: CSP %q", p, csp)
		}
		if res.Header.Get("X-Content-Type-Options") != "nosniff" || res.Header.Get("Referrer-Policy") != "no-referrer" {
			t.Errorf("%s: headers %v", p, res.Header)
		}
	}
	req, _ := http.NewRequest(http.MethodGet, r.base, nil)
	req.Host = "attacker.example:80" // DNS rebinding: another name on this address
	req.Header.Set(inspector.TokenHeader, r.token)
	if res, _ := r.do(req); res.StatusCode != http.StatusForbidden {
		t.Fatalf("a foreign Host: %d, want 403", res.StatusCode)
	}
}

// A body carrying markup is shown as text everywhere; sensitive headers are
// redacted as kwh inbox show does.
func TestDetailShowsRequestAsText(t *testing.T) {
	r := start(t, inspector.Options{})
	body := webhook.Push{EventID: webhook.NewEventID(), Topic: "order.opened", EntityID: `<script>alert(1)</script>`,
		ExtendedProperties: []webhook.ExtendedProperty{{Key: "note", Value: `</pre><img src=x onerror=alert(2)>`}}}.Marshal()
	id := r.push(body)
	res, page := r.get(fmt.Sprintf("events/%d", id), true)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("detail: %d", res.StatusCode)
	}
	for _, bad := range []string{"<script>alert", "<img src=x", "tunnel-credential"} {
		if strings.Contains(page, bad) {
			t.Errorf("the page holds %q", bad)
		}
	}
	for _, want := range []string{"&lt;script&gt;alert(1)&lt;/script&gt;", "[redacted]", "X-Vol-Hmac-Sha256", "the Order ID", "valid", `id="body-pretty"`} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
}

// The .http download is a raw request whose signature verifies as of its
// arrival, as kwh verify --request --at reads it.
func TestDownloadIsAVerifiableRequest(t *testing.T) {
	r := start(t, inspector.Options{})
	body := event("shipment.statuschanged", "SHP-7")
	id := r.push(body)
	res, raw := r.get(fmt.Sprintf("events/%d/request.http", id), true)
	if !strings.Contains(res.Header.Get("Content-Disposition"), fmt.Sprintf(`filename="kwh-%d.http"`, id)) {
		t.Fatalf("disposition %q", res.Header.Get("Content-Disposition"))
	}
	req, err := http.ReadRequest(bufio.NewReader(strings.NewReader(raw)))
	if err != nil {
		t.Fatalf("not a raw request: %v\n%s", err, raw)
	}
	var got bytes.Buffer
	_, _ = got.ReadFrom(req.Body)
	if !bytes.Equal(got.Bytes(), body) {
		t.Fatalf("body %q, want %q", got.Bytes(), body)
	}
	if err := (webhook.Verifier{Secret: secret}).VerifyRequest(req.Header, got.Bytes()); err != nil {
		t.Fatalf("verify: %v", err)
	}
	if req.Header.Get("Authorization") != store.Redacted {
		t.Fatalf("Authorization %q, want it redacted", req.Header.Get("Authorization"))
	}
}

// Re-forward sends the event to the app again, freshly signed, and only to a
// target the page offers.
func TestReforward(t *testing.T) {
	var sent atomic.Int32
	r := start(t, inspector.Options{Reforward: func(ctx context.Context, d *store.Delivery, target string) (int, time.Duration, error) {
		sent.Add(1)
		return listen.Reforward(ctx, nil, time.Minute, d, target, secret, time.Now())
	}})
	body := event("order.opened", "ORD-9")
	id := r.push(body)
	if got := <-r.app; !bytes.Equal(got, body) {
		t.Fatalf("first forward %q", got)
	}
	target := r.appURL
	post := func(target string) (*http.Response, string) {
		req, _ := http.NewRequest(http.MethodPost, r.base+fmt.Sprintf("events/%d/reforward", id), strings.NewReader(url.Values{"target": {target}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set(inspector.TokenHeader, r.token)
		return r.do(req)
	}
	res, out := post(target)
	var got inspector.ReforwardResult
	if err := json.Unmarshal([]byte(out), &got); err != nil || res.StatusCode != http.StatusOK || got.Status != http.StatusOK {
		t.Fatalf("re-forward: %d %s", res.StatusCode, out)
	}
	if again := <-r.app; !bytes.Equal(again, body) {
		t.Fatalf("re-forwarded %q", again)
	}
	if res, _ := post("http://127.0.0.1:1/elsewhere"); res.StatusCode != http.StatusBadRequest {
		t.Fatalf("re-forward to an unknown target: %d, want 400", res.StatusCode)
	}
	if n := sent.Load(); n != 1 {
		t.Fatalf("re-forwarded %d times, want 1", n)
	}
	_, page := r.get(fmt.Sprintf("events/%d", id), true)
	if !strings.Contains(page, "re-forward") {
		t.Fatal("the detail page does not list the re-forward among the attempts")
	}
}

func TestReadOnly(t *testing.T) {
	r := start(t, inspector.Options{ReadOnlyReason: "kwh listen is not running"})
	id := r.push(event("order.opened", "ORD-2"))
	_, page := r.get(fmt.Sprintf("events/%d", id), true)
	if !strings.Contains(page, "kwh listen is not running") || strings.Contains(page, `id="reforward"`) {
		t.Fatal("a read-only page offers re-forward")
	}
	req, _ := http.NewRequest(http.MethodPost, r.base+fmt.Sprintf("events/%d/reforward", id), strings.NewReader("target=x"))
	req.Header.Set(inspector.TokenHeader, r.token)
	if res, _ := r.do(req); res.StatusCode != http.StatusConflict {
		t.Fatalf("re-forward on a read-only page: %d, want 409", res.StatusCode)
	}
}

// The stream sends a row when an event arrives after the page connected.
func TestStreamSendsNewRows(t *testing.T) {
	r := start(t, inspector.Options{})
	req, _ := http.NewRequest(http.MethodGet, r.base+"api/stream", nil)
	req.Header.Set(inspector.TokenHeader, r.token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if ct := res.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("content type %q", ct)
	}
	lines := bufio.NewScanner(res.Body)
	lines.Scan() // retry:
	id := r.push(event("return.created", "RET-4"))
	var row inspector.Row
	for lines.Scan() {
		if data, ok := strings.CutPrefix(lines.Text(), "data: "); ok {
			if err := json.Unmarshal([]byte(data), &row); err != nil {
				t.Fatal(err)
			}
			if row.ID == id {
				break
			}
		}
	}
	if row.ID != id || row.Topic != "return.created" || row.EntityID != "RET-4" || !row.Verified {
		t.Fatalf("row %+v", row)
	}
}

// With a store kwh listen did not open from a directory (Redis: no admin
// API file), the inspector still gets its own loopback listener.
func TestInspectorWithoutAStoreDirectory(t *testing.T) {
	st, err := boltstore.Open(filepath.Join(t.TempDir(), "listen.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	in, err := inspector.New(inspector.Options{})
	if err != nil {
		t.Fatal(err)
	}
	l, err := listen.Start(listen.Config{Addr: "127.0.0.1:0", Store: st, Inspector: in.Page(), Observers: []func(listen.Event){in.Observe}})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Stop()
	ready := <-l.Events()
	go func() {
		for range l.Events() {
		}
	}()
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := c.Get(ready.Inspector)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("opening %q: %d", ready.Inspector, res.StatusCode)
	}
	res, err = http.Get(strings.TrimSuffix(strings.Split(ready.Inspector, "/inspector/")[0], "/") + "/inbox")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusNotFound {
		t.Fatalf("the inbox API beside it: %d, want 404 (no admin file, no token for it)", res.StatusCode)
	}
}
