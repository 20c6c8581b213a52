// Command listen benchmarks kwh listen against a bare Go handler, on
// loopback, in one bounded run:
//
//  1. throughput and ack latency at concurrency 32, bare handler (answers 200);
//  2. the same for kwh listen (verify, dedupe, durable spool, forward to a sink);
//  3. kwh listen at a steady 1,000 requests/s: ack latency and forward lag
//     (send to arrival at the sink);
//
// then the peak memory (VmHWM) of the kwh process. Run it with
// bench/listen.sh, or: go run ./bench/listen -kwh path/to/kwh
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kwh-cli/kwh/internal/webhook"
)

const secret = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"

func main() {
	kwhBin := flag.String("kwh", "", "kwh binary (default: go build it)")
	bare := flag.String("bare-server", "", "internal: serve a bare 200 handler on this address")
	duration := flag.Duration("duration", 5*time.Second, "length of each saturation phase")
	rateDur := flag.Duration("rate-duration", 10*time.Second, "length of the 1,000 req/s phase")
	ingestOnly := flag.Bool("ingest-only", false, "diagnostic: run kwh listen without --forward")
	flag.Parse()
	if *bare != "" {
		serveBare(*bare)
		return
	}
	if err := run(*kwhBin, *duration, *rateDur, *ingestOnly); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func serveBare(addr string) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		panic(err)
	}
	fmt.Println("ready", ln.Addr())
	_ = http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.WriteHeader(200)
	}))
}

func run(kwhBin string, duration, rateDur time.Duration, ingestOnly bool) error {
	dir, err := os.MkdirTemp("", "kwh-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if kwhBin == "" {
		kwhBin = filepath.Join(dir, "kwh")
		if out, err := exec.Command("go", "build", "-o", kwhBin, "./cmd/kwh").CombinedOutput(); err != nil {
			return fmt.Errorf("go build: %v\n%s", err, out)
		}
	}
	sink := newSink()
	sinkSrv := &http.Server{Handler: sink}
	sinkLn, _ := net.Listen("tcp", "127.0.0.1:0")
	go sinkSrv.Serve(sinkLn)
	defer sinkSrv.Close()

	self, _ := os.Executable()
	bareCmd, bareURL, err := startProc(exec.Command(self, "-bare-server", "127.0.0.1:0"), "ready ")
	if err != nil {
		return err
	}
	defer bareCmd.Process.Kill()
	// fwd is what kwh forwards to; without it nothing waits for forwards.
	fwd, fwdURL := sink, "http://"+sinkLn.Addr().String()+"/hooks"
	if ingestOnly {
		fwd, fwdURL = nil, ""
	}

	fmt.Printf("kwh listen benchmark · loopback · %d CPUs · concurrency 32 for %s, then 1,000 req/s for %s\n\n", numCPU(), duration, rateDur)
	cpu0, self0 := cpuTime(bareCmd.Process.Pid), cpuTime(os.Getpid())
	var bareCPU, bareSelf time.Duration
	bareRes := saturate(bareURL, 32, duration, nil, func() {
		bareCPU, bareSelf = cpuTime(bareCmd.Process.Pid)-cpu0, cpuTime(os.Getpid())-self0
	})
	bareCPU, bareSelf = perReq(bareCPU, bareRes), perReq(bareSelf, bareRes)
	var kwhCPU, kwhSelf time.Duration
	during := 0
	var kwhRes, rated result
	peakSat, peak := "", ""
	// Each kwh phase gets a fresh process and store, so the 1,000 req/s
	// phase does not inherit the saturation phase's forwarding backlog.
	err = withKwh(kwhBin, filepath.Join(dir, "store1"), fwdURL, func(url string, pid int) {
		cpu0, self0 := cpuTime(pid), cpuTime(os.Getpid())
		kwhRes = saturate(url, 32, duration, fwd, func() {
			kwhCPU, kwhSelf = cpuTime(pid)-cpu0, cpuTime(os.Getpid())-self0
			during = sink.count()
		})
		kwhCPU, kwhSelf = perReq(kwhCPU, kwhRes), perReq(kwhSelf, kwhRes)
		peakSat = vmHWM(pid)
	})
	if err != nil {
		return err
	}
	sink.reset()
	err = withKwh(kwhBin, filepath.Join(dir, "store2"), fwdURL, func(url string, pid int) {
		rated = steady(url, 1000, rateDur, fwd)
		peak = vmHWM(pid)
	})
	if err != nil {
		return err
	}

	fmt.Printf("%-34s %10s %9s %9s %12s\n", "", "req/s", "ack p50", "ack p99", "fwd lag p99")
	fmt.Printf("%-34s %10.0f %9s %9s %12s\n", "bare Go handler, concurrency 32", bareRes.rps, ms(bareRes.p50), ms(bareRes.p99), "—")
	fmt.Printf("%-34s %10.0f %9s %9s %12s\n", "kwh listen, concurrency 32", kwhRes.rps, ms(kwhRes.p50), ms(kwhRes.p99), ms(kwhRes.lag99))
	fmt.Printf("%-34s %10.0f %9s %9s %12s\n", "kwh listen, 1,000 req/s", rated.rps, ms(rated.p50), ms(rated.p99), ms(rated.lag99))
	fmt.Printf("\nkwh/bare throughput: %.0f%% (target ≥ 50%%)\n", 100*kwhRes.rps/bareRes.rps)
	fmt.Printf("at 1,000 req/s: ack p99 %s (target ≤ 5 ms), forward lag p99 %s (target ≤ 50 ms), %d/%d forwarded, %d errors\n",
		ms(rated.p99), ms(rated.lag99), rated.forwarded, rated.sent, rated.errors)
	if !ingestOnly {
		fmt.Printf("at concurrency 32: %d of %d events forwarded while the load lasted; all %d forwarded %s after it ended\n",
			during, kwhRes.sent, kwhRes.forwarded, kwhRes.drained.Round(10*time.Millisecond))
	}
	fmt.Printf("CPU per request at concurrency 32: bare handler %s (load generator %s); kwh listen %s (load generator and sink %s)\n", us(bareCPU), us(bareSelf), us(kwhCPU), us(kwhSelf))
	fmt.Printf("kwh listen peak memory (VmHWM): %s at saturation, %s at 1,000 req/s\n", peakSat, peak)
	return nil
}

// withKwh runs a kwh listen forwarding to target (none when "") while fn
// runs, then stops it the way a user does (SIGINT).
func withKwh(bin, store, target string, fn func(url string, pid int)) error {
	args := []string{"listen", "--port", "0", "-o", "ndjson", "--store", store}
	if target != "" {
		args = append(args, "--forward", target)
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "KIBO_SHARED_SECRET="+secret, "HOME="+store, "XDG_STATE_HOME="+store, "XDG_CONFIG_HOME="+store)
	cmd, url, err := startProc(cmd, `"type":"ready"`)
	if err != nil {
		return err
	}
	fn(url, cmd.Process.Pid)
	_ = cmd.Process.Signal(os.Interrupt)
	return cmd.Wait()
}

func startProc(cmd *exec.Cmd, marker string) (*exec.Cmd, string, error) {
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, "", err
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, "", err
	}
	buf := make([]byte, 4096)
	var acc []byte
	for {
		n, err := out.Read(buf)
		acc = append(acc, buf[:n]...)
		if i := bytes.Index(acc, []byte(marker)); i >= 0 {
			line := string(acc[i:])
			if nl := strings.IndexByte(line, '\n'); nl >= 0 {
				go io.Copy(io.Discard, out)
				return cmd, urlFrom(line[:nl], marker), nil
			}
		}
		if err != nil {
			return nil, "", fmt.Errorf("%s never became ready", cmd.Path)
		}
	}
}

func urlFrom(line, marker string) string {
	if marker == "ready " {
		return "http://" + strings.TrimPrefix(line, marker)
	}
	var e struct{ URL string }
	_ = json.Unmarshal([]byte("{"+strings.SplitN(line, "{", 2)[0]+line), &e)
	if e.URL == "" {
		i := strings.Index(line, `"url":"`)
		rest := line[i+7:]
		return rest[:strings.IndexByte(rest, '"')]
	}
	return e.URL
}

// sink is the app kwh forwards to; it notes when each event arrived.
type sink struct {
	mu      sync.Mutex
	arrived map[string]time.Time
}

func newSink() *sink { return &sink{arrived: map[string]time.Time{}} }

func (s *sink) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	now := time.Now()
	// The sink stands for the developer's app and shares the CPUs with kwh:
	// it finds the event id with a scan rather than a full JSON parse.
	if id := eventID(body); id != "" {
		s.mu.Lock()
		s.arrived[id] = now
		s.mu.Unlock()
	}
}

var idField = []byte(`"eventId":"`)

func eventID(body []byte) string {
	i := bytes.Index(body, idField)
	if i < 0 {
		return ""
	}
	rest := body[i+len(idField):]
	if j := bytes.IndexByte(rest, '"'); j >= 0 {
		return string(rest[:j])
	}
	return ""
}

func (s *sink) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.arrived)
}

func (s *sink) reset() {
	s.mu.Lock()
	s.arrived = map[string]time.Time{}
	s.mu.Unlock()
}

type sent struct {
	id   string
	at   time.Time
	took time.Duration
}

type result struct {
	rps                     float64
	p50, p99, lag99         time.Duration
	sent, forwarded, errors int
	drained                 time.Duration // from the end of sending until the last forward landed
}

var client = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256, MaxIdleConns: 256}, Timeout: 10 * time.Second}

func post(url string, i int) (sent, error) {
	id := webhook.NewEventID()
	body := webhook.Push{EventID: id, Topic: []string{"order.opened", "order.closed", "shipment.statuschanged", "product.updated"}[i%4], EntityID: fmt.Sprint(i), Timestamp: webhook.FormatTimestamp(time.Now())}.Marshal()
	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	start := time.Now()
	req.Header = webhook.SignedHeaders(secret, webhook.Context{Tenant: "1"}, body, start)
	resp, err := client.Do(req)
	if err != nil {
		return sent{}, err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		return sent{}, fmt.Errorf("status %d", resp.StatusCode)
	}
	return sent{id: id, at: start, took: time.Since(start)}, nil
}

// saturate sends from conc loops for d; loaded runs when the sending ends,
// before waiting for forwards.
func saturate(url string, conc int, d time.Duration, s *sink, loaded func()) result {
	var mu sync.Mutex
	var all []sent
	var errs atomic.Int64
	var n atomic.Int64
	deadline := time.Now().Add(d)
	var wg sync.WaitGroup
	start := time.Now()
	for range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []sent
			for time.Now().Before(deadline) {
				r, err := post(url, int(n.Add(1)))
				if err != nil {
					errs.Add(1)
					continue
				}
				mine = append(mine, r)
			}
			mu.Lock()
			all = append(all, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	loaded()
	res := summarize(all, s)
	res.rps = float64(len(all)) / elapsed.Seconds()
	res.errors = int(errs.Load())
	return res
}

// steady sends at a fixed rate, each request at its scheduled time.
func steady(url string, perSec int, d time.Duration, s *sink) result {
	total := int(d.Seconds() * float64(perSec))
	interval := time.Second / time.Duration(perSec)
	results := make(chan sent, total)
	var errs atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for i := range total {
		if wait := time.Until(start.Add(time.Duration(i) * interval)); wait > 0 {
			time.Sleep(wait)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := post(url, i)
			if err != nil {
				errs.Add(1)
				return
			}
			results <- r
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	close(results)
	var all []sent
	for r := range results {
		all = append(all, r)
	}
	res := summarize(all, s)
	res.rps = float64(len(all)) / elapsed.Seconds()
	res.errors = int(errs.Load())
	return res
}

// summarize computes ack percentiles and, with a sink, forward lag after
// waiting (bounded) for the forwards to land.
func summarize(all []sent, s *sink) result {
	res := result{sent: len(all)}
	acks := make([]time.Duration, len(all))
	for i, r := range all {
		acks[i] = r.took
	}
	res.p50, res.p99 = pct(acks, 50), pct(acks, 99)
	if s == nil {
		return res
	}
	ended := time.Now()
	deadline := ended.Add(30 * time.Second)
	var lags []time.Duration
	for {
		s.mu.Lock()
		lags = lags[:0]
		for _, r := range all {
			if at, ok := s.arrived[r.id]; ok {
				lags = append(lags, at.Sub(r.at))
			}
		}
		s.mu.Unlock()
		if len(lags) == len(all) || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	res.forwarded = len(lags)
	res.lag99 = pct(lags, 99)
	res.drained = time.Since(ended)
	return res
}

func pct(ds []time.Duration, p int) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[min(len(s)-1, len(s)*p/100)]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d.Microseconds())/1000) }

// vmHWM is a process's peak resident memory, with how much of what is
// resident now is its own (RssAnon) rather than mapped file pages (bbolt
// maps its file, and pages it touched count as resident).
func vmHWM(pid int) string {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return "unknown"
	}
	field := func(name string) string {
		for _, line := range strings.Split(string(raw), "\n") {
			if strings.HasPrefix(line, name+":") {
				return strings.TrimSpace(strings.TrimPrefix(line, name+":"))
			}
		}
		return "unknown"
	}
	return fmt.Sprintf("%s (anonymous now %s, mapped file %s)", field("VmHWM"), field("RssAnon"), field("RssFile"))
}

// cpuTime is a process's user+system CPU so far (Linux; 0 elsewhere).
func cpuTime(pid int) time.Duration {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// Fields after the command name (which may hold spaces) start at state.
	f := strings.Fields(string(raw[bytes.LastIndexByte(raw, ')')+2:]))
	var ut, st int64
	fmt.Sscan(f[11], &ut)
	fmt.Sscan(f[12], &st)
	return time.Duration(ut+st) * 10 * time.Millisecond // USER_HZ is 100 on Linux
}

// perReq is the CPU spent while sending, per acknowledged request.
func perReq(cpu time.Duration, r result) time.Duration {
	if r.sent == 0 {
		return 0
	}
	return cpu / time.Duration(r.sent)
}

func us(d time.Duration) string { return fmt.Sprintf("%.0f µs", float64(d.Nanoseconds())/1000) }

func numCPU() int {
	raw, _ := os.ReadFile("/proc/cpuinfo")
	return strings.Count(string(raw), "processor\t:")
}
