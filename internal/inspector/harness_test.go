package inspector_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kwh-cli/kwh/internal/inspector"
	"github.com/kwh-cli/kwh/internal/listen"
	"github.com/kwh-cli/kwh/internal/webhook"
)

const secret = "inspector-test-secret"

// running is a listen engine with the inspector mounted, a test app it
// forwards to, and the URLs a user would get from the ready banner.
type running struct {
	t      *testing.T
	in     *inspector.Inspector
	public string // the receiver: where pushes go
	entry  string // the inspector URL with its token
	base   string // http://127.0.0.1:port/inspector/
	token  string
	app    chan []byte // bodies the app received
	appURL string
}

func start(t *testing.T, opts inspector.Options) *running {
	t.Helper()
	appGot := make(chan []byte, 100)
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		appGot <- b
	}))
	t.Cleanup(app.Close)
	opts.Targets = append(opts.Targets, app.URL)
	in, err := inspector.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	l, err := listen.Start(listen.Config{Addr: "127.0.0.1:0", StoreDir: t.TempDir(), Secret: secret, Forward: []string{app.URL},
		Inspector: in.Page(), Observers: []func(listen.Event){in.Observe}})
	if err != nil {
		t.Fatal(err)
	}
	ready := <-l.Events()
	go func() {
		for range l.Events() {
		}
	}()
	t.Cleanup(func() { l.Stop() })
	if ready.Inspector == "" {
		t.Fatalf("the ready event names no inspector: %+v", ready)
	}
	base, token, _ := strings.Cut(ready.Inspector, "?token=")
	return &running{t: t, in: in, public: ready.URL, entry: ready.Inspector, base: base, token: token, app: appGot, appURL: app.URL}
}

// push sends a signed push to the receiver and returns its delivery id.
func (r *running) push(body []byte) uint64 {
	r.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, r.public+"/", bytes.NewReader(body))
	req.Header = webhook.SignedHeaders(secret, webhook.Context{Tenant: "100"}, body, time.Now())
	req.Header.Set("Authorization", "Bearer tunnel-credential")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		r.t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		r.t.Fatalf("push: %d", res.StatusCode)
	}
	id, _ := strconv.ParseUint(res.Header.Get("X-Kwh-Delivery-Id"), 10, 64)
	return id
}

func event(topic, entity string) []byte {
	return webhook.Push{EventID: webhook.NewEventID(), Topic: topic, EntityID: entity, Timestamp: webhook.FormatTimestamp(time.Now())}.Marshal()
}

// get fetches a path under the inspector with the token header (or none).
func (r *running) get(path string, token bool) (*http.Response, string) {
	r.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, r.base+path, nil)
	if token {
		req.Header.Set(inspector.TokenHeader, r.token)
	}
	return r.do(req)
}

func (r *running) do(req *http.Request) (*http.Response, string) {
	r.t.Helper()
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := c.Do(req)
	if err != nil {
		r.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}
