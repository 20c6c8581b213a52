package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kwh-cli/kwh/internal/webhook"
)

// appServer stands for the developer's handler in the sustained runs, in
// its own process (as a real app is: it must not share a Go scheduler with
// the load generator). It checks Kibo's signature, as a real handler must,
// and notes when each event first arrived. Its /_kwhbench/ paths let the
// benchmark read and reset what it saw.
type appServer struct {
	verifier webhook.Verifier
	badSig   atomic.Int64
	inFlight atomic.Int64
	maxIn    atomic.Int64

	mu      sync.Mutex
	arrived map[string]int64 // event id → arrival, Unix ns
}

func serveApp(addr string) {
	a := &appServer{verifier: webhook.Verifier{Secret: secret}, arrived: map[string]int64{}}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		panic(err)
	}
	fmt.Println("ready", ln.Addr())
	mux := http.NewServeMux()
	mux.HandleFunc("POST /hooks", a.hook)
	mux.HandleFunc("GET /_kwhbench/count", func(w http.ResponseWriter, r *http.Request) {
		a.mu.Lock()
		n := len(a.arrived)
		a.mu.Unlock()
		fmt.Fprintln(w, n)
	})
	mux.HandleFunc("GET /_kwhbench/arrivals", func(w http.ResponseWriter, r *http.Request) {
		bw := bufio.NewWriter(w)
		a.mu.Lock()
		for id, at := range a.arrived {
			fmt.Fprintf(bw, "%s %d\n", id, at)
		}
		a.mu.Unlock()
		_ = bw.Flush()
	})
	mux.HandleFunc("GET /_kwhbench/stats", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "%d %d\n", a.maxIn.Load(), a.badSig.Load())
	})
	mux.HandleFunc("POST /_kwhbench/reset", func(w http.ResponseWriter, r *http.Request) {
		a.mu.Lock()
		a.arrived = map[string]int64{}
		a.mu.Unlock()
		a.badSig.Store(0)
		a.maxIn.Store(0)
	})
	_ = http.Serve(ln, mux)
}

func (a *appServer) hook(w http.ResponseWriter, r *http.Request) {
	n := a.inFlight.Add(1)
	defer a.inFlight.Add(-1)
	for m := a.maxIn.Load(); n > m && !a.maxIn.CompareAndSwap(m, n); m = a.maxIn.Load() {
	}
	body, _ := io.ReadAll(r.Body)
	now := time.Now().UnixNano()
	if appDelay > 0 {
		time.Sleep(appDelay) // a handler's own work: a database write, a call out
	}
	if err := a.verifier.VerifyRequest(r.Header, body); err != nil {
		a.badSig.Add(1)
		http.Error(w, err.Error(), http.StatusUnauthorized)
		return
	}
	if id := eventID(body); id != "" {
		a.mu.Lock()
		if _, seen := a.arrived[id]; !seen {
			a.arrived[id] = now
		}
		a.mu.Unlock()
	}
}

// appDelay is how long the app takes to answer each event (-app-delay).
var appDelay time.Duration

// app is the benchmark's handle on the app process.
type app struct {
	cmd  *exec.Cmd
	base string
	url  string // where to forward
}

func startApp() (*app, error) {
	self, _ := os.Executable()
	cmd, base, err := startProc(exec.Command(self, "-app-server", "127.0.0.1:0", "-app-delay", appDelay.String()), "ready ")
	if err != nil {
		return nil, err
	}
	return &app{cmd: cmd, base: base, url: base + "/hooks"}, nil
}

func (a *app) get(path string) string {
	resp, err := client.Get(a.base + path)
	if err != nil {
		return ""
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

func (a *app) reset() {
	if resp, err := client.Post(a.base+"/_kwhbench/reset", "", nil); err == nil {
		resp.Body.Close()
	}
}

func (a *app) count() int {
	n, _ := strconv.Atoi(strings.TrimSpace(a.get("/_kwhbench/count")))
	return n
}

// maxInFlight is the most requests the app had open at once since reset.
func (a *app) maxInFlight() int64 {
	var m, bad int64
	fmt.Sscan(a.get("/_kwhbench/stats"), &m, &bad)
	return m
}

// arrivals reports, for the events sent, when each arrived (zero: not yet).
func (a *app) arrivals(ids []string) []time.Time {
	at := map[string]int64{}
	for _, line := range strings.Split(a.get("/_kwhbench/arrivals"), "\n") {
		if id, ns, ok := strings.Cut(line, " "); ok {
			at[id], _ = strconv.ParseInt(ns, 10, 64)
		}
	}
	out := make([]time.Time, len(ids))
	for i, id := range ids {
		if ns := at[id]; ns != 0 {
			out[i] = time.Unix(0, ns)
		}
	}
	return out
}

func (a *app) close() { _ = a.cmd.Process.Kill(); _ = a.cmd.Wait() }
