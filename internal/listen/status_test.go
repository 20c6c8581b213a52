package listen

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/kwh-cli/kwh/internal/netutil/netutiltest"
)

func TestReadStatus(t *testing.T) {
	dir := t.TempDir()
	if st, err := ReadStatus(dir); st != nil || err != nil {
		t.Fatalf("no listener running: got %+v, %v", st, err)
	}
	failing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusInternalServerError) }))
	t.Cleanup(failing.Close)
	downURL := netutiltest.RefusedURL(t)
	l, readyURL := startAndPush(t, Config{Addr: "127.0.0.1:0", StoreDir: dir, Secret: testSecret, Forward: []string{failing.URL, downURL},
		MaxAttempts: 1, Backoff: func(int) time.Duration { return time.Hour }}, "5f1c2e00-0000-0000-0000-000000000009")
	nextKind(t, l.Events(), KindFailed) // the first target gave up
	st, err := ReadStatus(dir)
	if err != nil || st == nil {
		t.Fatalf("status: %+v, %v", st, err)
	}
	if st.URL != readyURL || !st.Ready || len(st.Targets) != 2 || st.GivenUp < 1 || st.GivenUp+st.Spooled != 2 {
		t.Errorf("status %+v", st)
	}
}

func TestReadStatusSpooled(t *testing.T) {
	dir := t.TempDir()
	downURL := netutiltest.RefusedURL(t)
	l, _ := startAndPush(t, Config{Addr: "127.0.0.1:0", StoreDir: dir, Secret: testSecret, Forward: []string{downURL},
		Backoff: func(int) time.Duration { return time.Hour }}, "5f1c2e00-0000-0000-0000-00000000000a")
	nextKind(t, l.Events(), KindFailed)
	st, err := ReadStatus(dir)
	if err != nil || st == nil || st.Spooled != 1 || st.GivenUp != 0 {
		t.Fatalf("status %+v, %v", st, err)
	}
	if st.Backlog != 1 || st.Order != OrderTopic || st.ForwardConcurrency != DefaultForwardConcurrency || st.MaxBacklog != 0 {
		t.Errorf("forwarding in status: %+v", st)
	}
}

// startAndPush starts a listener with cfg, waits until it is ready and posts
// one signed order.opened push with eventID; it returns the listener and its URL.
func startAndPush(t *testing.T, cfg Config, eventID string) (*Listener, string) {
	t.Helper()
	l, err := Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Stop() })
	ready := nextKind(t, l.Events(), KindReady)
	body, h := signedPush(eventID, "order.opened")
	req, _ := http.NewRequest(http.MethodPost, ready.URL+"/", bytes.NewReader(body))
	req.Header = h
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return l, ready.URL
}
