//go:build linux

package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/kwh-cli/kwh/internal/webhook"
)

const secret = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"

func numCPU() int { return runtime.NumCPU() }

// kwhProc is a running kwh listen.
type kwhProc struct {
	cmd  *exec.Cmd
	url  string
	mu   sync.Mutex
	seen []map[string]any // every ndjson event after ready
	done chan struct{}
}

// startKwh runs kwh listen on a free port with the store in store, adding
// args, under an open-file limit when nofile > 0.
func startKwh(o options, store string, nofile int, args ...string) (*kwhProc, error) {
	argv := append([]string{"listen", "--port", "0", "-o", "ndjson", "--store", store}, args...)
	var cmd *exec.Cmd
	if nofile > 0 {
		self, err := os.Executable()
		if err != nil {
			return nil, err
		}
		cmd = exec.Command(self, append([]string{"-rlimit-exec", fmt.Sprint(nofile), "--", o.bin}, argv...)...)
	} else {
		cmd = exec.Command(o.bin, argv...)
	}
	cmd.Env = append(os.Environ(), "KIBO_SHARED_SECRET="+secret, "HOME="+store, "XDG_STATE_HOME="+store, "XDG_CONFIG_HOME="+store, "NO_COLOR=1")
	if o.verbose {
		cmd.Stderr = os.Stderr
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &kwhProc{cmd: cmd, done: make(chan struct{})}
	ready := make(chan string, 1)
	go p.read(out, ready)
	select {
	case url := <-ready:
		p.url = url
		return p, nil
	case <-p.done:
		_ = cmd.Wait()
		return nil, fmt.Errorf("kwh listen exited before it was ready (run with -v to see why)")
	case <-time.After(30 * time.Second):
		_ = cmd.Process.Kill()
		return nil, fmt.Errorf("kwh listen not ready within 30 s")
	}
}

func (p *kwhProc) read(out io.Reader, ready chan<- string) {
	defer close(p.done)
	sc := bufio.NewScanner(out)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var e map[string]any
		if json.Unmarshal(sc.Bytes(), &e) != nil {
			continue
		}
		if e["type"] == "ready" {
			ready <- e["url"].(string)
			continue
		}
		p.mu.Lock()
		p.seen = append(p.seen, e)
		p.mu.Unlock()
	}
}

func (p *kwhProc) kill() {
	_ = p.cmd.Process.Kill()
	_ = p.cmd.Wait()
	<-p.done
}

func (p *kwhProc) stop() {
	_ = p.cmd.Process.Signal(os.Interrupt)
	_ = p.cmd.Wait()
	<-p.done
}

// execLimited is the -rlimit-exec helper: the limit is set before exec so
// the Go runtime in kwh cannot raise it (hard = soft).
func execLimited(n int, argv []string) {
	lim := syscall.Rlimit{Cur: uint64(n), Max: uint64(n)}
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		fmt.Fprintln(os.Stderr, "setrlimit:", err)
		os.Exit(2)
	}
	path, err := exec.LookPath(argv[0])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	err = syscall.Exec(path, argv, os.Environ())
	fmt.Fprintln(os.Stderr, "exec:", err)
	os.Exit(2)
}

var client = &http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 64, MaxConnsPerHost: 64}}

// push sends a signed push as Kibo would and returns the status (0 when no
// answer came).
func push(url, id, topic, entity string) int {
	body := webhook.Push{EventID: id, Topic: topic, EntityID: entity, Timestamp: webhook.FormatTimestamp(time.Now())}.Marshal()
	req, err := http.NewRequest(http.MethodPost, url+"/", bytes.NewReader(body))
	if err != nil {
		return 0
	}
	req.Header = webhook.SignedHeaders(secret, webhook.Context{Tenant: "12345", Site: "23456"}, body, time.Now())
	resp, err := client.Do(req)
	if err != nil {
		return 0
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// guid is the dashed GUID of n in run r.
func guid(r, n int) string { return fmt.Sprintf("%08x-0000-4000-8000-%012x", r, n) }

// spelling writes a GUID the way variant v of Kibo's senders might.
func spelling(id string, v int) string {
	switch v % 3 {
	case 1:
		return strings.ReplaceAll(id, "-", "")
	case 2:
		return strings.ToUpper(id)
	}
	return id
}
