package main

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"

	"github.com/kwh-cli/kwh/internal/listen"
)

// goProxySystem is a floor for any forwarder written on Go's net/http: a
// proxy with no store, no signature check, no dedupe and no ordering,
// net/http's server in and http.Client out. "sync" answers after the app
// with the app's status (502 when it cannot be reached), as nginx
// proxy_pass does; "async" answers at once and forwards on as many workers
// as kwh's default --forward-concurrency, as kwh does but with nothing
// kept on disk. The gap between them and nginx is what Go's HTTP stack
// costs on this machine; the gap between "async" and kwh is what kwh's
// guarantees cost (kwh's forwards use connections it drives itself, a
// little cheaper than http.Client's).
func goProxySystem(self, mode string) system {
	return system{name: goProxyName(mode), start: func(appURL string) (*instance, error) {
		cmd, url, err := startProc(exec.Command(self, "-go-proxy-server", mode, "-go-proxy-target", appURL), "ready ")
		if err != nil {
			return nil, err
		}
		pid := cmd.Process.Pid
		return &instance{url: url, pids: func() []int { return []int{pid} }, stop: func() {
			_ = cmd.Process.Signal(os.Interrupt)
			_ = cmd.Wait()
		}}, nil
	}}
}

// goProxyName is the system's name in the tables and the summary.
func goProxyName(mode string) string { return "go proxy, " + mode + ", no store" }

// serveGoProxy runs the floor proxy until interrupted.
func serveGoProxy(mode, target string) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConns: 256, MaxIdleConnsPerHost: 256}}
	send := func(h http.Header, body []byte) int {
		req, err := http.NewRequest(http.MethodPost, target, bytes.NewReader(body))
		if err != nil {
			return http.StatusBadGateway
		}
		req.Header = h
		resp, err := client.Do(req)
		if err != nil {
			return http.StatusBadGateway
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
		return resp.StatusCode
	}
	type job struct {
		h    http.Header
		body []byte
	}
	var jobs chan job
	if mode == "async" {
		jobs = make(chan job, 1<<18) // full: the handler waits, as a bounded queue must
		for range listen.DefaultForwardConcurrency {
			go func() {
				for j := range jobs {
					send(j.h, j.body)
				}
			}()
		}
	}
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if jobs != nil {
			jobs <- job{r.Header.Clone(), body}
			w.WriteHeader(http.StatusOK)
			return
		}
		w.WriteHeader(send(r.Header.Clone(), body))
	})
	fmt.Println("ready", ln.Addr())
	go func() { _ = http.Serve(ln, handler) }()
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, os.Interrupt)
	<-stop
}
