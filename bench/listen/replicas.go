package main

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// runReplicas compares one kwh listen on bbolt with two replicas sharing
// one Redis (issue 15), in one run on this machine: throughput at
// concurrency 32, then ack p50/p99 and forward lag at a steady 1,000
// req/s. The load goes round-robin to the replicas, as a load balancer
// would send it. Redis fsyncs its append-only file as fsync says: always
// is as durable as bbolt's commit, everysec is what Redis ships with; each
// phase gets fresh processes and an empty store.
func runReplicas(kwhBin, fsync string, duration, rateDur time.Duration) error {
	dir, kwhBin, err := benchDir(kwhBin)
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	redisURL, stopRedis, err := startRedis(filepath.Join(dir, "redis"), fsync)
	if err != nil {
		return err
	}
	defer stopRedis()
	sink := newSink()
	sinkLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	sinkSrv := &http.Server{Handler: sink}
	go sinkSrv.Serve(sinkLn)
	defer sinkSrv.Close()
	fwdURL := "http://" + sinkLn.Addr().String() + "/hooks"

	fmt.Printf("one kwh listen on bbolt against two on one Redis (appendfsync %s) · loopback · %d CPUs · concurrency 32 for %s, then 1,000 req/s for %s\n\n", fsync, numCPU(), duration, rateDur)
	setups := []struct {
		name   string
		stores func(phase int) []string
	}{
		{"1 replica, bbolt", func(phase int) []string { return []string{filepath.Join(dir, fmt.Sprintf("bolt%d", phase))} }},
		{"2 replicas, Redis " + fsync, func(phase int) []string {
			u := fmt.Sprintf("%s/%d", redisURL, phase) // a database per phase: an empty store
			return []string{u, u}
		}},
	}
	fmt.Printf("%-24s %10s %9s %9s %12s %9s %9s %12s\n", "", "req/s", "ack p50", "ack p99", "fwd lag p99", "ack p50", "ack p99", "fwd lag p99")
	fmt.Printf("%-24s %43s %33s\n", "", "── concurrency 32 ──", "── 1,000 req/s ──")
	for _, s := range setups {
		var sat, rated result
		err := withKwhs(kwhBin, s.stores(1), fwdURL, func(urls []string) {
			sat = saturate(urls, 32, duration, sink, func() {})
		})
		if err != nil {
			return err
		}
		sink.reset()
		err = withKwhs(kwhBin, s.stores(2), fwdURL, func(urls []string) {
			rated = steady(urls, 1000, rateDur, sink)
		})
		if err != nil {
			return err
		}
		sink.reset()
		fmt.Printf("%-24s %10.0f %9s %9s %12s %9s %9s %12s\n", s.name, sat.rps, ms(sat.p50), ms(sat.p99), ms(sat.lag99), ms(rated.p50), ms(rated.p99), ms(rated.lag99))
		fmt.Printf("%-24s %d/%d forwarded at concurrency 32 (%d errors), %d/%d at 1,000 req/s (%d errors)\n", "", sat.forwarded, sat.sent, sat.errors, rated.forwarded, rated.sent, rated.errors)
	}
	return nil
}

// withKwhs runs one kwh listen per store (the same Redis URL twice: two
// replicas) forwarding to target while fn runs with their URLs, then stops
// them the way a user does (SIGINT).
func withKwhs(bin string, stores []string, target string, fn func(urls []string)) error {
	var cmds []*exec.Cmd
	var urls []string
	defer func() {
		for _, c := range cmds {
			_ = c.Process.Signal(os.Interrupt)
			_ = c.Wait()
		}
	}()
	for i, store := range stores {
		home, err := os.MkdirTemp("", "kwh-bench-home-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(home)
		cmd := exec.Command(bin, "listen", "--port", "0", "-o", "ndjson", "--store", store, "--forward", target)
		cmd.Env = kwhEnv(home)
		cmd, url, err := startProc(cmd, `"type":"ready"`)
		if err != nil {
			return fmt.Errorf("replica %d: %w", i+1, err)
		}
		cmds, urls = append(cmds, cmd), append(urls, url)
	}
	fn(urls)
	return nil
}

// startRedis runs a redis-server on a free loopback port in dir, its
// append-only file fsynced as fsync says (appendfsync).
func startRedis(dir, fsync string) (string, func(), error) {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		return "", nil, fmt.Errorf("redis-server not found: bench/listen.sh -replicas installs it (apt-get install -y redis-server)")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	cmd := exec.Command(bin, "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--dir", dir,
		"--save", "", "--appendonly", "yes", "--appendfsync", fsync, "--daemonize", "no", "--logfile", "")
	out, err := cmd.StdoutPipe()
	if err != nil {
		return "", nil, err
	}
	if err := cmd.Start(); err != nil {
		return "", nil, err
	}
	lines := bufio.NewScanner(out)
	for lines.Scan() {
		if strings.Contains(lines.Text(), "Ready to accept connections") {
			go func() {
				for lines.Scan() {
				}
			}()
			stop := func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }
			return "redis://127.0.0.1:" + strconv.Itoa(port), stop, nil
		}
	}
	_ = cmd.Wait()
	return "", nil, fmt.Errorf("redis-server did not start")
}
