// Command listen benchmarks kwh listen against a bare Go handler, on
// loopback, in one bounded run:
//
//  1. throughput and ack latency at concurrency 32, bare handler (answers 200);
//  2. the same for kwh listen (verify, dedupe, durable spool, forward to a sink);
//  3. kwh listen at a steady 1,000 requests/s: ack latency and forward lag
//     (send to arrival at the sink);
//
// then the peak memory (VmHWM) of the kwh process; then what users see
// (sustained.go): for nginx proxy_pass and each kwh listen --order, the
// highest open-loop offered rate at which ≥ 95% of events reach a
// signature-checking app while the load lasts with forward lag p99 ≤ 1 s,
// whether forwarding holds up past it, and kwh's CPU per event. Run it with
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
	"strings"
	"time"
)

const secret = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"

func main() {
	kwhBin := flag.String("kwh", "", "kwh binary (default: go build it)")
	bare := flag.String("bare-server", "", "internal: serve a bare 200 handler on this address")
	appAddr := flag.String("app-server", "", "internal: serve the signature-checking app on this address")
	proxyMode := flag.String("go-proxy-server", "", "internal: serve the floor Go proxy (sync or async) to -go-proxy-target")
	proxyTarget := flag.String("go-proxy-target", "", "internal: where the floor Go proxy forwards")
	goProxies := flag.Bool("go-proxies", false, "also measure two minimal Go proxies with no store or checks (net/http in, http.Client out), one answering after the app as nginx does, one at once as kwh does: what Go's HTTP stack alone costs here")
	flag.DurationVar(&appDelay, "app-delay", 0, "the app takes this long to answer each event (e.g. 2ms: --order topic's six lanes, not the CPU, then bound the rate)")
	duration := flag.Duration("duration", 5*time.Second, "length of each saturation phase")
	rateDur := flag.Duration("rate-duration", 10*time.Second, "length of the 1,000 req/s phase")
	ingestOnly := flag.Bool("ingest-only", false, "diagnostic: run kwh listen without --forward")
	sus := flag.Bool("sustained", true, "also measure the sustained end-to-end rate (nginx proxy_pass and each --order)")
	rates := flag.String("rates", "2000,3000,4000,5000,6000,7000,8000,10000,12000", "offered rates of the sustained steps (per second)")
	step := flag.Duration("step-duration", 5*time.Second, "length of each sustained step")
	orders := flag.String("orders", "topic,entity,none", "kwh listen --order modes to measure")
	cpuRate := flag.Int("cpu-rate", 2000, "steady rate at which CPU per event (ingest, forward) is measured; 0 skips")
	noNginx := flag.Bool("no-nginx", false, "skip the nginx proxy_pass reference")
	only := flag.Bool("sustained-only", false, "skip the acknowledgement phases")
	replicas := flag.Bool("replicas", false, "only compare one kwh listen on bbolt with two on one Redis (needs redis-server)")
	redisFsync := flag.String("redis-fsync", "always", "with -replicas: Redis's appendfsync (always: as durable as bbolt; everysec: Redis's default)")
	flag.Parse()
	if *bare != "" {
		serveBare(*bare)
		return
	}
	if *appAddr != "" {
		serveApp(*appAddr)
		return
	}
	if *proxyMode != "" {
		serveGoProxy(*proxyMode, *proxyTarget)
		return
	}
	if *replicas {
		if err := runReplicas(*kwhBin, *redisFsync, *duration, *rateDur); err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(1)
		}
		return
	}
	rs, err := parseRates(*rates)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(2)
	}
	sopts := sustainedOptions{rates: rs, step: *step, orders: strings.Split(*orders, ","), cpuRate: *cpuRate, nginx: !*noNginx, goProxies: *goProxies}
	if !*sus {
		sopts.rates = nil
	}
	if err := run(*kwhBin, *duration, *rateDur, *ingestOnly, !*only, sopts); err != nil {
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

// benchDir makes the run's scratch folder and, without -kwh, builds kwh
// into it.
func benchDir(kwhBin string) (dir, bin string, err error) {
	if dir, err = os.MkdirTemp("", "kwh-bench-"); err != nil {
		return "", "", err
	}
	if kwhBin != "" {
		return dir, kwhBin, nil
	}
	bin = filepath.Join(dir, "kwh")
	if out, err := exec.Command("go", "build", "-o", bin, "./cmd/kwh").CombinedOutput(); err != nil {
		os.RemoveAll(dir)
		return "", "", fmt.Errorf("go build: %v\n%s", err, out)
	}
	return dir, bin, nil
}

func run(kwhBin string, duration, rateDur time.Duration, ingestOnly, acks bool, sopts sustainedOptions) error {
	dir, kwhBin, err := benchDir(kwhBin)
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if !acks {
		return runSustained(kwhBin, dir, sopts)
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
	bareRes := saturate([]string{bareURL}, 32, duration, nil, func() {
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
		kwhRes = saturate([]string{url}, 32, duration, fwd, func() {
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
		rated = steady([]string{url}, 1000, rateDur, fwd)
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
	if len(sopts.rates) == 0 {
		return nil
	}
	return runSustained(kwhBin, dir, sopts)
}

// withKwh runs a kwh listen forwarding to target (none when "") while fn
// runs, then stops it the way a user does (SIGINT).
func withKwh(bin, store, target string, fn func(url string, pid int)) error {
	args := []string{"listen", "--port", "0", "-o", "ndjson", "--store", store}
	if target != "" {
		args = append(args, "--forward", target)
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = kwhEnv(store)
	cmd, url, err := startProc(cmd, `"type":"ready"`)
	if err != nil {
		return err
	}
	fn(url, cmd.Process.Pid)
	_ = cmd.Process.Signal(os.Interrupt)
	return cmd.Wait()
}

// kwhEnv is a kwh process's environment: the shared secret, and a home of
// its own so no user profile or state leaks into the figures.
func kwhEnv(home string) []string {
	return append(os.Environ(), "KIBO_SHARED_SECRET="+secret, "HOME="+home, "XDG_STATE_HOME="+home, "XDG_CONFIG_HOME="+home)
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
