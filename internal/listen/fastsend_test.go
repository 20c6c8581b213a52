package listen

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/kwh-cli/kwh/internal/store"
)

func TestFastEligible(t *testing.T) {
	for _, tc := range []struct {
		target string
		want   bool
	}{
		{"http://127.0.0.1:3000/hooks", true},
		{"http://localhost:3000/hooks?x=1", true},
		{"http://[::1]:3000/", true},
		{"https://127.0.0.1:3000/hooks", false}, // TLS stays with net/http
		{"http://user:pw@127.0.0.1:3000/", false},
		{"http:opaque", false},
		{"://bad", false},
	} {
		if got := fastEligible(tc.target); got != tc.want {
			t.Errorf("fastEligible(%q) = %v, want %v", tc.target, got, tc.want)
		}
	}
}

// captured is what an app received.
type captured struct {
	header http.Header
	uri    string
	body   string
}

func captureApp(t *testing.T) (string, <-chan captured) {
	got := make(chan captured, 4)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- captured{r.Header.Clone(), r.RequestURI, string(b)}
	}))
	t.Cleanup(srv.Close)
	return srv.URL, got
}

// The app gets what the net/http path sends: the event's headers but the
// hop's, kwh's two (a sender's own X-Kwh-Attempt replaced), the raw body
// and the target's path and query as given.
func TestFastSendForwardsWhatNetHTTPDoes(t *testing.T) {
	url, got := captureApp(t)
	d := &store.Delivery{ID: 42, Body: []byte(`{"eventId":"e1"}`), Header: http.Header{
		"Content-Type": {"application/json"}, "X-Vol-Hmac-Sha256": {"sig"}, "X-Vol-Tenant": {"1"},
		"Connection": {"close"}, "Expect": {"100-continue"}, "X-Kwh-Attempt": {"forged"}, "Via": {"a", "b"},
	}}
	target := url + "/hooks/%7Bx%7D?a=1&b=2"
	fast := newFastSender(time.Minute)
	defer fast.closeAll()
	f := &forwarder{client: http.DefaultClient}
	byFast, byStd := fast.send(d, target, 3), f.attempt(context.Background(), d, target, 3)
	for _, res := range []result{byFast, byStd} {
		if !res.ok() {
			t.Fatalf("forward failed: %d %v", res.status, res.err)
		}
	}
	fastGot, stdGot := <-got, <-got
	if fastGot.uri != stdGot.uri || fastGot.body != stdGot.body {
		t.Errorf("fasthttp sent %q %q, net/http %q %q", fastGot.uri, fastGot.body, stdGot.uri, stdGot.body)
	}
	for _, h := range []string{"User-Agent", "Accept-Encoding"} { // net/http's defaults
		stdGot.header.Del(h)
	}
	if a, b := fmtHeader(fastGot.header), fmtHeader(stdGot.header); a != b {
		t.Errorf("headers differ:\nfasthttp %s\nnet/http %s", a, b)
	}
	if g := fastGot.header.Get("X-Kwh-Attempt"); g != "3" || fastGot.header.Get("Expect") != "" || fastGot.header.Get("X-Kwh-Delivery-Id") != "42" {
		t.Errorf("kwh's headers wrong: %v", fastGot.header)
	}
}

// A stored header that is not valid HTTP (a line break in it) is refused,
// as net/http refuses it, never written raw into the request to the app.
func TestFastSendRefusesInvalidHeaders(t *testing.T) {
	url, got := captureApp(t)
	fast := newFastSender(time.Minute)
	defer fast.closeAll()
	for _, h := range []http.Header{{"X-A": {"a\r\nX-Evil: 1"}}, {"X-B\r\nX-Evil: 1": {"v"}}} {
		res := fast.send(&store.Delivery{ID: 1, Header: h}, url, 1)
		if res.err == nil || !strings.Contains(res.reason(), "not a valid HTTP header") {
			t.Errorf("%q: status %d, reason %q", h, res.status, res.reason())
		}
	}
	select {
	case c := <-got:
		t.Fatalf("the app got a request: %v", c.header)
	default:
	}
}

func fmtHeader(h http.Header) string {
	var b strings.Builder
	_ = h.WriteSubset(&b, nil)
	return b.String()
}

// An app that drops its kept-alive connections (a restart, an idle
// timeout) still gets the next forward: it goes again on a new one.
func TestFastSendSurvivesClosedKeepAlive(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer srv.Close()
	fast := newFastSender(time.Minute)
	defer fast.closeAll()
	d := &store.Delivery{ID: 1, Body: []byte("{}"), Header: http.Header{}}
	for i := range 3 {
		if res := fast.send(d, srv.URL, 1); !res.ok() {
			t.Fatalf("forward %d: %d %v", i, res.status, res.err)
		}
		srv.CloseClientConnections()
	}
}

// What the app answers beyond its status is bounded: a large body is
// read no further (the status counts), an oversized header is a failure
// named in kwh's words, and an app that hangs times out.
func TestFastSendBoundsTheAnswer(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/big-body", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write(make([]byte, 3<<20))
	})
	mux.HandleFunc("/big-header", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("X-Junk", strings.Repeat("j", maxAnswerHeader))
	})
	quit := make(chan struct{})
	mux.HandleFunc("/hang", func(http.ResponseWriter, *http.Request) { <-quit })
	srv := httptest.NewServer(mux)
	defer srv.Close()
	defer close(quit)
	d := &store.Delivery{ID: 1, Body: []byte("{}"), Header: http.Header{}}
	fast := newFastSender(50 * time.Millisecond)
	defer fast.closeAll()
	for _, tc := range []struct{ path, reason string }{
		{"/big-body", ""},
		{"/big-header", "the app's answer has a header over 64 KiB"},
		{"/hang", "timeout"},
	} {
		res := fast.send(d, srv.URL+tc.path, 1)
		if tc.reason == "" && !res.ok() || tc.reason != "" && res.reason() != tc.reason {
			t.Errorf("%s: status %d, reason %q; want reason %q", tc.path, res.status, res.reason(), tc.reason)
		}
	}
}

// closeAll (the hard stop) ends a forward the app never answers.
func TestFastSendClosedAtHardStop(t *testing.T) {
	arrived, quit := make(chan struct{}), make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		close(arrived)
		<-quit
	}))
	defer srv.Close()
	defer close(quit)
	fast := newFastSender(time.Hour)
	done := make(chan result)
	go func() {
		done <- fast.send(&store.Delivery{ID: 1, Body: []byte("{}"), Header: http.Header{}}, srv.URL, 1)
	}()
	<-arrived
	fast.closeAll()
	if res := <-done; res.ok() {
		t.Fatal("a forward cut by the hard stop counted as delivered")
	}
	if res := fast.send(&store.Delivery{ID: 2, Header: http.Header{}}, srv.URL, 1); res.err == nil {
		t.Fatal("a forward after the hard stop was sent")
	}
}

// An app listening on ::1 only is reached, as "localhost" too where that
// resolves to ::1 (Node listens there for localhost), as net/http does.
func TestFastSendReachesIPv6Loopback(t *testing.T) {
	ln, err := net.Listen("tcp", "[::1]:0")
	if err != nil {
		t.Skip("no IPv6 loopback here:", err)
	}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	srv.Listener = ln
	srv.Start()
	defer srv.Close()
	fast := newFastSender(time.Minute)
	defer fast.closeAll()
	port := srv.URL[strings.LastIndexByte(srv.URL, ':')+1:]
	targets := []string{"http://[::1]:" + port}
	if addrs, err := net.LookupHost("localhost"); err == nil && strings.Contains(strings.Join(addrs, " "), "::1") {
		targets = append(targets, "http://localhost:"+port)
	}
	for _, target := range targets {
		if res := fast.send(&store.Delivery{ID: 1, Header: http.Header{}}, target, 1); !res.ok() {
			t.Errorf("forward to %s: %d %v", target, res.status, res.err)
		}
	}
}
