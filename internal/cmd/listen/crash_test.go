package listen_test

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/kwh-cli/kwh/internal/apptest"
	"github.com/kwh-cli/kwh/internal/listen"
	"github.com/kwh-cli/kwh/internal/webhook"
)

// buildKwh compiles the real binary once per test run.
func buildKwh(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "kwh")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/kwh")
	cmd.Dir = apptest.Root()
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// crashApp counts deliveries per event and remembers which first came from
// the process that was killed.
type crashApp struct {
	mu          sync.Mutex
	count       map[string]int
	firstBefore map[string]bool
	arrived     chan struct{}
}

func (a *crashApp) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	p, err := webhook.ParsePush(body)
	if err != nil {
		http.Error(w, err.Error(), 400)
		return
	}
	a.mu.Lock()
	if a.count[p.EventID] == 0 {
		// The first process forwards to /gen1, the restarted one to /gen2.
		a.firstBefore[p.EventID] = r.URL.Path == "/gen1"
	}
	a.count[p.EventID]++
	a.mu.Unlock()
	select {
	case a.arrived <- struct{}{}:
	default:
	}
}

// startBinary runs a built kwh listen forwarding to appURL (with extra
// flags) and waits for its ready event; the test's end kills it.
func startBinary(t *testing.T, bin, store, appURL string, args ...string) (*exec.Cmd, string) {
	t.Helper()
	home := t.TempDir()
	cmd := exec.Command(bin, append([]string{"listen", "--port", "0", "-o", "ndjson", "--store", store, "--forward", appURL, "--retry-min", "5ms"}, args...)...)
	cmd.Env = []string{"HOME=" + home, "XDG_CONFIG_HOME=" + home, "XDG_CACHE_HOME=" + home, "XDG_STATE_HOME=" + home, "KIBO_SHARED_SECRET=" + apptest.SharedSecret, "PATH=" + os.Getenv("PATH")}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		var e listen.Event
		if json.Unmarshal(sc.Bytes(), &e) == nil && e.Kind == listen.KindReady {
			go func() {
				for sc.Scan() {
				}
			}()
			return cmd, e.URL
		}
	}
	t.Fatal("kwh listen never became ready")
	return nil, ""
}

// TestCrashLosesNothingAcknowledged streams 2,000 signed events into a built
// kwh listen, SIGKILLs it mid-stream, restarts it on the same store, and
// checks that every event answered 200 reaches the app, and that the only
// duplicates are events whose forward was in flight at the kill or delivered
// but not yet recorded (per topic lane at most one in flight plus
// listen.MaxUnrecorded).
func TestCrashLosesNothingAcknowledged(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	const total, killAfter = 2000, 700
	topics := []string{"order.opened", "order.closed", "shipment.statuschanged", "product.updated"}
	bin := buildKwh(t)
	app := &crashApp{count: map[string]int{}, firstBefore: map[string]bool{}, arrived: make(chan struct{}, 1)}
	appSrv := httptest.NewServer(app)
	defer appSrv.Close()
	store := t.TempDir()

	proc, url := startBinary(t, bin, store, appSrv.URL+"/gen1")
	var killOnce sync.Once
	kill := func() {
		killOnce.Do(func() {
			_ = proc.Process.Signal(syscall.SIGKILL)
			_ = proc.Wait()
		})
	}
	kibo := newKiboSender(t, total, topics, 5*time.Second)
	kibo.send([]string{url}, func() {
		if kibo.nAcked.Load() == killAfter {
			go kill()
		}
	})
	kill()
	ackedBeforeKill := kibo.nAcked.Load()
	if ackedBeforeKill < killAfter {
		t.Fatalf("only %d events were acknowledged before the kill", ackedBeforeKill)
	}

	proc2, url2 := startBinary(t, bin, store, appSrv.URL+"/gen2")
	defer func() {
		_ = proc2.Process.Signal(syscall.SIGINT)
		if err := proc2.Wait(); err != nil {
			t.Errorf("kwh listen did not stop cleanly on SIGINT: %v", err)
		}
	}()
	missing := func() int {
		app.mu.Lock()
		defer app.mu.Unlock()
		n := 0
		kibo.acked.Range(func(k, _ any) bool {
			if app.count[k.(string)] == 0 {
				n++
			}
			return true
		})
		return n
	}
	// Kibo sends again what got no 200: kwh dedupes what it had already kept.
	kibo.send([]string{url2}, func() {})
	if kibo.nAcked.Load() != total {
		t.Fatalf("%d of %d acknowledged after the restart", kibo.nAcked.Load(), total)
	}
	deadline := time.After(60 * time.Second)
	for missing() > 0 {
		select {
		case <-app.arrived:
		case <-deadline:
			t.Fatalf("%d acknowledged events never reached the app", missing())
		}
	}
	app.mu.Lock()
	defer app.mu.Unlock()
	dups := 0
	for id, n := range app.count {
		if n > 1 {
			dups++
			if !app.firstBefore[id] {
				t.Errorf("event %s reached the app %d times but was not in flight at the kill", id, n)
			}
		}
	}
	if limit := len(topics) * (1 + listen.MaxUnrecorded); dups > limit {
		t.Errorf("%d events reached the app twice; at most %d (per lane one in flight and %d not yet recorded) can be resent after a kill", dups, limit, listen.MaxUnrecorded)
	}
	if len(app.count) != total {
		t.Errorf("the app saw %d distinct events, want %d", len(app.count), total)
	}
	t.Logf("%d acknowledged before the kill, all %d after resending; app saw %d distinct events, %d duplicated by the kill", ackedBeforeKill, total, len(app.count), dups)
}
