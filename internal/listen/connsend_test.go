package listen

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kwh-cli/kwh/internal/store"
)

func TestConnSenderTakes(t *testing.T) {
	for _, tc := range []struct {
		target string
		want   bool
	}{
		{"http://127.0.0.1:3000/hooks", true},
		{"http://localhost:3000/hooks?x=1", true},
		{"http://[::1]:3000/", true},
		{"http://localhost/hooks", true},          // port 80
		{"https://127.0.0.1:3000/hooks", false},   // TLS stays with net/http
		{"http://user:pw@127.0.0.1:3000/", false}, // net/http's client sends the credentials
		{"http:opaque", false},
		{"://bad", false},
	} {
		if got := takeTarget(tc.target) != nil; got != tc.want {
			t.Errorf("takeTarget(%q) = %v, want %v", tc.target, got, tc.want)
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

func testSender(t *testing.T, timeout time.Duration) *connSender {
	s := newConnSender(timeout)
	t.Cleanup(s.closeAll)
	return s
}

func sendTo(s *connSender, d *store.Delivery, target string) result {
	return s.send(d, takeTarget(target), 1)
}

// The app gets what net/http's client sends: the event's headers but the
// hop's (cookies and repeated values as they came), kwh's two (a sender's
// own X-Kwh-Attempt replaced), the raw body, the path and query as net/http
// writes them.
func TestConnSenderSendsWhatNetHTTPDoes(t *testing.T) {
	url, got := captureApp(t)
	d := &store.Delivery{ID: 42, Body: []byte(`{"eventId":"e1"}`), Header: http.Header{
		"Content-Type": {"application/json", "text/plain"}, "X-Vol-Hmac-Sha256": {"sig"}, "User-Agent": {"Kibo/1", "Other/2"},
		"Cookie": {`d="x y"; =j`, `f=x\y; h=x"y`}, "Connection": {"close"}, "Expect": {"100-continue"},
		"X-Kwh-Attempt": {"forged"}, "Via": {"a", "b"}, "X-Space": {"  padded  "},
	}}
	target := url + "/hooks/caf%C3%A9/%7Bx%7D?a=1&b=%C3%A9&c"
	s := testSender(t, time.Minute)
	f := &forwarder{client: http.DefaultClient}
	byConn, byClient := sendTo(s, d, target), f.attempt(context.Background(), d, target, 1)
	for _, res := range []result{byConn, byClient} {
		if !res.ok() {
			t.Fatalf("forward failed: %d %v", res.status, res.err)
		}
	}
	a, b := <-got, <-got
	b.header.Del("Accept-Encoding") // net/http's client asks for gzip to decompress it; kwh reads no body
	if a.uri != b.uri || a.body != b.body || fmtHeader(a.header) != fmtHeader(b.header) {
		t.Errorf("differ:\nconn   %s %q\n%s\nclient %s %q\n%s", a.uri, a.body, fmtHeader(a.header), b.uri, b.body, fmtHeader(b.header))
	}
	if a.header.Get("X-Kwh-Attempt") != "1" || a.header.Get("Expect") != "" || a.header.Get("X-Kwh-Delivery-Id") != "42" {
		t.Errorf("kwh's headers wrong: %v", a.header)
	}
}

func fmtHeader(h http.Header) string {
	var b strings.Builder
	_ = h.WriteSubset(&b, nil)
	return b.String()
}

// A stored header that is not valid HTTP (a line break in it) is refused,
// as net/http refuses it, never written into the request to the app.
func TestConnSenderRefusesInvalidHeaders(t *testing.T) {
	url, got := captureApp(t)
	s := testSender(t, time.Minute)
	for _, h := range []http.Header{{"X-A": {"a\r\nX-Evil: 1"}}, {"X-B\r\nX-Evil: 1": {"v"}}} {
		res := sendTo(s, &store.Delivery{ID: 1, Header: h}, url)
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

// An app that drops its kept-alive connections (a restart, an idle
// timeout) gets the next forward on a new one, once.
func TestConnSenderSurvivesClosedKeepAlive(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hits.Add(1) }))
	defer srv.Close()
	s := testSender(t, time.Minute)
	d := &store.Delivery{ID: 1, Body: []byte("{}"), Header: http.Header{}}
	for i := range 3 {
		if res := sendTo(s, d, srv.URL); !res.ok() {
			t.Fatalf("forward %d: %d %v", i, res.status, res.err)
		}
		srv.CloseClientConnections()
	}
	if n := hits.Load(); n != 3 {
		t.Errorf("the app got %d requests for 3 forwards", n)
	}
}

// rawApp answers every request on a connection with answer (then closes
// it when close is set), whatever the request; an answer "RST" resets the
// connection instead.
func rawApp(t *testing.T, answer string, closeAfter bool) (string, *atomic.Int32) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	var requests atomic.Int32
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				br := bufio.NewReader(c)
				for {
					req, err := http.ReadRequest(br)
					if err != nil {
						return
					}
					_, _ = io.Copy(io.Discard, req.Body)
					requests.Add(1)
					if answer == "RST" {
						_ = c.(*net.TCPConn).SetLinger(0)
						return
					}
					if _, err := io.WriteString(c, answer); err != nil || closeAfter {
						return
					}
				}
			}()
		}
	}()
	return "http://" + ln.Addr().String() + "/", &requests
}

// What the app answers counts by its status once that is read, as with
// net/http's client; what it sends beyond is bounded, and failures are
// named in kwh's words. Each forward reaches the app once.
func TestConnSenderReadsAnswersAsNetHTTPDoes(t *testing.T) {
	for _, tc := range []struct {
		name, answer string
		closeAfter   bool
		status       int
		reason       string
	}{
		{"bare LF line ends", "HTTP/1.1 200 OK\nContent-Length: 0\n\n", false, 200, ""},
		{"body cut short", "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", true, 200, ""},
		{"bad chunk", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", true, 200, ""},
		{"interim answers first", "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", false, 200, ""},
		{"switching protocols", "HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\nConnection: Upgrade\r\n\r\n", false, 101, "101 Switching Protocols"},
		{"no answer", "", true, 0, "the app closed the connection without answering"},
		{"reset", "RST", true, 0, "connection reset"},
		{"half an answer", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n", true, 0, "the app closed the connection in the middle of its answer"},
		{"not HTTP", "SSH-2.0-OpenSSH\r\n\r\n", true, 0, "the app's answer is not valid HTTP"},
		{"huge header", "HTTP/1.1 200 OK\r\nX-Junk: " + strings.Repeat("j", maxAnswerHeader) + "\r\n\r\n", true, 0, "the app's answer has a header over 64 KiB"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			url, requests := rawApp(t, tc.answer, tc.closeAfter)
			s := testSender(t, time.Hour) // none of these may wait for the timeout
			res := sendTo(s, &store.Delivery{ID: 1, Body: []byte("{}"), Header: http.Header{}}, url)
			if res.status != tc.status || (tc.reason == "") != (res.err == nil && res.status == 200) || !strings.Contains(res.reason(), tc.reason) {
				t.Errorf("status %d, reason %q; want %d, %q", res.status, res.reason(), tc.status, tc.reason)
			}
			if n := requests.Load(); n != 1 {
				t.Errorf("the app got the forward %d times", n)
			}
		})
	}
}

// net/http's client hands a 101's connection over as its body: the
// forward ends with the status, not when the app closes the connection.
func TestAttemptEndsAtSwitchingProtocols(t *testing.T) {
	url, _ := rawApp(t, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\nConnection: Upgrade\r\n\r\n", false)
	f := &forwarder{client: &http.Client{}}
	if res := f.attempt(context.Background(), &store.Delivery{ID: 1, Header: http.Header{}}, url, 1); res.status != 101 || res.ok() {
		t.Errorf("status %d, err %v", res.status, res.err)
	}
}

// A large body is read no further (the status counts); an app that never
// answers times out.
func TestConnSenderBoundsTheAnswer(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/big-body", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write(make([]byte, 3<<20)) })
	quit := make(chan struct{})
	mux.HandleFunc("/hang", func(http.ResponseWriter, *http.Request) { <-quit })
	srv := httptest.NewServer(mux)
	defer srv.Close()
	defer close(quit)
	s := testSender(t, 50*time.Millisecond)
	d := &store.Delivery{ID: 1, Body: []byte("{}"), Header: http.Header{}}
	if res := sendTo(s, d, srv.URL+"/big-body"); res.status != 200 {
		t.Errorf("big body: %d %v", res.status, res.err)
	}
	if res := sendTo(s, d, srv.URL+"/hang"); res.reason() != "timeout" {
		t.Errorf("hang: %d %q", res.status, res.reason())
	}
}

// An app that reads a forward and dies without answering (a panic) gets it
// once: a POST is never resent on its own.
func TestConnSenderNeverResends(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		hits.Add(1)
		panic(http.ErrAbortHandler) // net/http closes the connection, says nothing
	}))
	defer srv.Close()
	s := testSender(t, time.Minute)
	d := &store.Delivery{ID: 1, Body: []byte("{}"), Header: http.Header{}}
	for range 2 { // on a new connection, then (had it been kept) on a kept one
		if res := sendTo(s, d, srv.URL); res.reason() != "the app closed the connection without answering" {
			t.Errorf("reason %q", res.reason())
		}
	}
	if n := hits.Load(); n != 2 {
		t.Errorf("the app got 2 forwards %d times", n)
	}
}

// closeAll (the hard stop) ends a forward the app never answers, and
// refuses the next.
func TestConnSenderClosedAtHardStop(t *testing.T) {
	arrived, quit := make(chan struct{}), make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		close(arrived)
		<-quit
	}))
	defer srv.Close()
	defer close(quit)
	s := newConnSender(time.Hour)
	done := make(chan result)
	go func() { done <- sendTo(s, &store.Delivery{ID: 1, Body: []byte("{}"), Header: http.Header{}}, srv.URL) }()
	<-arrived
	s.closeAll()
	if res := <-done; res.ok() {
		t.Fatal("a forward cut by the hard stop counted as delivered")
	}
	if res := sendTo(s, &store.Delivery{ID: 2, Header: http.Header{}}, srv.URL); res.err == nil {
		t.Fatal("a forward after the hard stop was sent")
	}
}

// An app listening on ::1 only is reached, as "localhost" too where that
// resolves to ::1 (Node listens there for localhost), as net/http does.
func TestConnSenderReachesIPv6Loopback(t *testing.T) {
	ln, err := net.Listen("tcp", "[::1]:0")
	if err != nil {
		t.Skip("no IPv6 loopback here:", err)
	}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	srv.Listener = ln
	srv.Start()
	defer srv.Close()
	s := testSender(t, time.Minute)
	port := srv.URL[strings.LastIndexByte(srv.URL, ':')+1:]
	targets := []string{"http://[::1]:" + port}
	if addrs, err := net.LookupHost("localhost"); err == nil && strings.Contains(strings.Join(addrs, " "), "::1") {
		targets = append(targets, "http://localhost:"+port)
	}
	for _, target := range targets {
		if res := sendTo(s, &store.Delivery{ID: 1, Header: http.Header{}}, target); !res.ok() {
			t.Errorf("forward to %s: %d %v", target, res.status, res.err)
		}
	}
}

// Connections idle past connIdle are closed by kwh, not left to the app
// (which would leave them half-closed on kwh's side).
func TestConnSenderClosesIdleConnections(t *testing.T) {
	closed := make(chan struct{}, 8)
	release := make(chan struct{})
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { <-release }))
	srv.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateClosed {
			closed <- struct{}{}
		}
	}
	srv.Start()
	defer srv.Close()
	s := testSender(t, time.Minute)
	done := make(chan result, 3)
	for i := range 3 { // three at once: three connections
		go func() { done <- sendTo(s, &store.Delivery{ID: uint64(i + 1), Header: http.Header{}}, srv.URL) }()
	}
	for s.openCount() < 3 {
		runtime.Gosched()
	}
	close(release)
	for range 3 {
		if res := <-done; !res.ok() {
			t.Fatalf("forward: %d %v", res.status, res.err)
		}
	}
	for range 3 {
		<-closed // each closed by the sweep, with no forward to come
	}
	if n := s.openCount(); n != 0 {
		t.Errorf("%d connections still open", n)
	}
}

func (s *connSender) openCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.open)
}
