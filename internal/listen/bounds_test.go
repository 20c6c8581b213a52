package listen_test

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kwh-cli/kwh/internal/listen"
	"github.com/kwh-cli/kwh/internal/store/boltstore"
)

// serve runs a listener on a loopback port until the test ends.
func serve(t *testing.T, cfg listen.Config) string {
	t.Helper()
	st, err := boltstore.Open(filepath.Join(t.TempDir(), "listen.db"))
	if err != nil {
		t.Fatal(err)
	}
	cfg.Store, cfg.Addr = st, "127.0.0.1:0"
	l, err := listen.Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ready := <-l.Events()
	go func() {
		for range l.Events() {
		}
	}()
	t.Cleanup(func() { l.Stop(); st.Close() })
	return strings.TrimPrefix(ready.URL, "http://")
}

// trickle opens a connection that declares a 2 GB body and sends one byte.
func trickle(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	fmt.Fprintf(c, "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2000000000\r\n\r\n{")
	return c
}

// A client sending its body slower than the minimum rate is answered 408
// and cut off after the grace (today only headers have a limit), and a real
// push is answered while such clients hold every connection slot.
func TestSlowBodyIsCutOffAndRealPushesGoOn(t *testing.T) {
	addr := serve(t, listen.Config{MinBodyRate: 240, BodyGrace: 100 * time.Millisecond, RequestTimeout: 5 * time.Second, MaxConns: 4})
	var slow []net.Conn
	for range 8 {
		slow = append(slow, trickle(t, addr))
	}
	resp, err := http.Post("http://"+addr+"/", "application/json", bytes.NewReader([]byte(`{"eventId":"ev-1","topic":"order.opened"}`)))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("real push: %d", resp.StatusCode)
	}
	for i, c := range slow {
		// A bound so that today's code fails instead of hanging.
		_ = c.SetReadDeadline(time.Now().Add(30 * time.Second))
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatalf("slow client %d: %v, want a 408", i, err)
		}
		if resp.StatusCode != http.StatusRequestTimeout || !resp.Close {
			t.Fatalf("slow client %d: %d %v", i, resp.StatusCode, resp.Header)
		}
		var b strings.Builder
		_, _ = bufio.NewReader(resp.Body).WriteTo(&b)
		if !strings.Contains(b.String(), "too slowly") {
			t.Fatalf("slow client %d: reason %q", i, b.String())
		}
	}
}
