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
)

// goProxySystem is a floor for any forwarder written on Go's net/http: a
// proxy with no store, no signature check, no dedupe and no ordering,
// net/http's server in and http.Client out. "sync" answers after the app,
// as nginx proxy_pass does; "async" answers at once and forwards on 64
// workers, as kwh does but with nothing kept on disk. The gap between them
// and nginx is what Go's HTTP stack costs on this machine; the gap between
// "async" and kwh is what kwh's guarantees cost.
func goProxySystem(self, mode string) system {
	return system{name: "go proxy, " + mode + ", no store", start: func(appURL string) (*instance, error) {
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

// serveGoProxy runs the floor proxy until interrupted.
func serveGoProxy(mode, target string) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConns: 256, MaxIdleConnsPerHost: 256}}
	send := func(h http.Header, body []byte) {
		req, err := http.NewRequest(http.MethodPost, target, bytes.NewReader(body))
		if err != nil {
			return
		}
		req.Header = h
		if resp, err := client.Do(req); err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			_ = resp.Body.Close()
		}
	}
	type job struct {
		h    http.Header
		body []byte
	}
	jobs := make(chan job, 1<<18) // full: the handler waits, as a bounded queue must
	for range 64 {
		go func() {
			for j := range jobs {
				send(j.h, j.body)
			}
		}()
	}
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if mode == "async" {
			jobs <- job{r.Header.Clone(), body}
		} else {
			send(r.Header.Clone(), body)
		}
		w.WriteHeader(http.StatusOK)
	})
	fmt.Println("ready", ln.Addr())
	go func() { _ = http.Serve(ln, handler) }()
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, os.Interrupt)
	<-stop
}
