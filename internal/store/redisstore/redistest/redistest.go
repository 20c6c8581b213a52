// Package redistest starts a real redis-server for tests: on a free loopback
// port, in the test's temp dir, with the append-only file fsynced on every
// write (a SIGKILL loses nothing acknowledged), stopped when the test ends.
// Without redis-server the test skips, saying how to install it; in CI
// (CI=true) it fails instead.
package redistest

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// Server is one redis-server a test started.
type Server struct {
	t     testing.TB
	bin   string
	dir   string
	port  int
	extra []string // more redis-server arguments
	ready []string // log lines that say it is ready (any one)
	cmd   *exec.Cmd
	done  chan struct{} // closed when the process has exited
}

// readyLine is what redis-server logs once it accepts connections.
var readyLine = []string{"Ready to accept connections"}

// syncedLines are what a replica logs once it has its primary's data: a
// full sync, or a partial one after a restart.
var syncedLines = []string{"sync: Finished with success", "Successful partial resynchronization"}

// Start starts a redis-server for t, or skips t when there is none. Extra
// arguments are passed on (e.g. "--rename-command", "CONFIG", "").
func Start(t testing.TB, extra ...string) *Server {
	t.Helper()
	return start(t, readyLine, extra)
}

// StartReplica starts a redis-server replicating s and returns once its
// first sync with s has finished (its log says so), so WAIT counts it.
func (s *Server) StartReplica() *Server {
	s.t.Helper()
	return start(s.t, syncedLines, []string{"--replicaof", "127.0.0.1", strconv.Itoa(s.port)})
}

func start(t testing.TB, ready []string, extra []string) *Server {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("redis-server is not installed; .ci/run installs it (apt-get install -y redis-server)")
		}
		t.Skip("redis-server not found: install it (apt-get install -y redis-server) to run the Redis store tests")
	}
	s := &Server{t: t, bin: bin, dir: t.TempDir(), extra: extra, ready: ready}
	var last error
	for range 5 { // another process may take the free port first
		if s.port, err = freePort(); err != nil {
			t.Fatal(err)
		}
		if last = s.start(); last == nil {
			t.Cleanup(s.Kill)
			return s
		}
	}
	t.Fatalf("redis-server did not start: %v", last)
	return nil
}

// URL is the redis:// URL of the server.
func (s *Server) URL() string { return "redis://" + s.Addr() + "/0" }

// Addr is the server's host:port.
func (s *Server) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port)) }

// Kill stops the server with SIGKILL, as a crash would; its data stays in
// its dir for Restart.
func (s *Server) Kill() {
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Kill()
	<-s.done
	s.cmd = nil
}

// Restart kills the server (unless it is stopped already) and starts it
// again on the same port and data: what it acknowledged comes back from its
// append-only file.
func (s *Server) Restart() {
	s.t.Helper()
	s.Kill()
	if err := s.start(); err != nil {
		s.t.Fatalf("redis-server did not start again: %v", err)
	}
}

// start runs redis-server and returns once it accepts connections, which
// its log (read from stdout) says.
func (s *Server) start() error {
	args := []string{"--port", strconv.Itoa(s.port), "--bind", "127.0.0.1", "--dir", s.dir,
		"--save", "", "--appendonly", "yes", "--appendfsync", "always",
		"--daemonize", "no", "--logfile", "", "--databases", "1",
		"--repl-diskless-sync-delay", "0"} // a replica syncs at once
	cmd := exec.Command(s.bin, append(args, s.extra...)...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		return err
	}
	lines := bufio.NewScanner(out)
	var log []string
	for lines.Scan() {
		line := lines.Text()
		log = append(log, line)
		if slices.ContainsFunc(s.ready, func(r string) bool { return strings.Contains(line, r) }) {
			s.cmd, s.done = cmd, make(chan struct{})
			go func() {
				for lines.Scan() { // keep draining: a full pipe would stop redis
				}
				_ = cmd.Wait()
				close(s.done)
			}()
			return nil
		}
	}
	_ = cmd.Wait()
	return fmt.Errorf("it exited: %s", strings.Join(tail(log, 5), " / "))
}

func tail(lines []string, n int) []string {
	if len(lines) > n {
		return lines[len(lines)-n:]
	}
	return lines
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
