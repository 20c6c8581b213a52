// Package apptest runs kwh in-process against the emulator for tests: a
// loopback emulator seeded from testdata, private XDG directories, an
// environment pointing kwh at both, and golden-file helpers.
package apptest

import (
	"bufio"
	"bytes"
	"context"
	"flag"
	"io"
	"net"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kwh-cli/kwh/internal/app"
	"github.com/kwh-cli/kwh/internal/emulator"
	"github.com/kwh-cli/kwh/internal/emulator/emutest"
	"github.com/kwh-cli/kwh/internal/iostreams"
	"github.com/kwh-cli/kwh/internal/netutil/netutiltest"
)

var update = flag.Bool("update", false, "rewrite golden files")

// Seed credentials of testdata/kibo/seed.json (they live in emutest).
const (
	ClientID     = emutest.ClientID
	SharedSecret = emutest.SharedSecret
	Tenant       = emutest.Tenant
	Site         = emutest.Site
)

// Root is the repository root.
func Root() string { return emutest.Root() }

// Seed loads testdata/kibo/seed.json.
func Seed(t testing.TB) emulator.Seed { t.Helper(); return emutest.Seed(t) }

// Harness is one emulator and one user's home.
type Harness struct {
	T    testing.TB
	Emu  *emulator.Emulator
	URL  string
	Home string
	Env  map[string]string
	// Sleeps records every back-off kwh asked for; nothing actually waits.
	mu     sync.Mutex
	Sleeps []time.Duration
	// OnPause runs at each pause of a polling command (events tail), with the
	// pause's number from 1; an error such as context.Canceled stops the
	// command. Unset, the first pause stops it.
	OnPause func(n int, d time.Duration) error
	pauses  int
	srv     *httptest.Server
}

// StopEmulator shuts the emulator down, as a user stopping `kwh emulator`
// would: its address then refuses connections. Its port stays held, so no
// other test's server can take it and answer in its place.
func (h *Harness) StopEmulator() {
	port := h.srv.Listener.Addr().(*net.TCPAddr).Port
	h.srv.Close()
	netutiltest.Refuse(h.T, port)
}

// New starts an emulator with seed and an environment whose KIBO_* variables
// point kwh at it (auth host only: the API host is looked up from the tenant).
func New(t testing.TB, seed emulator.Seed) *Harness {
	t.Helper()
	emu := emulator.New(seed)
	srv := httptest.NewServer(emu)
	t.Cleanup(srv.Close)
	t.Cleanup(func() {
		for _, r := range emu.Requests() {
			if v := r.SpecViolation(); v != "" {
				t.Errorf("kwh sent a request the Kibo spec does not have: %s", v)
			}
		}
	})
	home := t.TempDir()
	h := &Harness{T: t, Emu: emu, URL: srv.URL, Home: home, srv: srv, Env: map[string]string{
		"HOME":               home,
		"XDG_CONFIG_HOME":    filepath.Join(home, "config"),
		"XDG_CACHE_HOME":     filepath.Join(home, "cache"),
		"XDG_STATE_HOME":     filepath.Join(home, "state"),
		"KIBO_CLIENT_ID":     ClientID,
		"KIBO_SHARED_SECRET": SharedSecret,
		"KIBO_TENANT":        Tenant,
		"KIBO_AUTH_HOST":     srv.URL,
	}}
	return h
}

// Result is one kwh run.
type Result struct {
	Code   int
	Stdout string
	Stderr string
}

// RunOpts tune a run.
type RunOpts struct {
	TTY   bool      // stdout, stderr and stdin are terminals, colour on
	Stdin string    // what stdin holds
	In    io.Reader // when set, stdin instead of Stdin (a pipe that stays silent)
	Width int       // with TTY, the terminal's width in columns (0: unknown)
}

// Run runs kwh with args in a fresh process-like environment.
func (h *Harness) Run(args ...string) Result { return h.RunWith(RunOpts{}, args...) }

// RunCancelled runs kwh as if Ctrl-C had been pressed before it started.
func (h *Harness) RunCancelled(args ...string) Result {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return h.run(ctx, RunOpts{}, args)
}

// RunContext runs kwh under ctx: cancelling it is Ctrl-C.
func (h *Harness) RunContext(ctx context.Context, args ...string) Result {
	return h.run(ctx, RunOpts{}, args)
}

// RunWith runs kwh with options.
func (h *Harness) RunWith(o RunOpts, args ...string) Result {
	return h.run(context.Background(), o, args)
}

// RunWithContext runs kwh with options under ctx: cancelling it is Ctrl-C.
func (h *Harness) RunWithContext(ctx context.Context, o RunOpts, args ...string) Result {
	return h.run(ctx, o, args)
}

func (h *Harness) run(ctx context.Context, o RunOpts, args []string) Result {
	ios, in, out, errOut := iostreams.Test()
	in.WriteString(o.Stdin)
	if o.In != nil {
		ios.In = o.In
	}
	if o.TTY {
		ios.SetStdoutTTY(true)
		ios.SetStderrTTY(true)
		ios.SetStdinTTY(true)
		ios.SetColorEnabled(true)
		if o.Width > 0 {
			ios.SetTerminalWidth(o.Width)
		}
	}
	env := app.Env{Version: "1.0.0-test", Args: args, IO: ios, Getenv: h.getenv, Sleep: h.sleep, Pause: h.pause}
	code := app.Run(ctx, env)
	return Result{Code: code, Stdout: out.String(), Stderr: errOut.String()}
}

func (h *Harness) getenv(k string) string { return h.Env[k] }

func (h *Harness) sleep(ctx context.Context, d time.Duration) error {
	h.mu.Lock()
	h.Sleeps = append(h.Sleeps, d)
	h.mu.Unlock()
	return ctx.Err()
}

func (h *Harness) pause(ctx context.Context, d time.Duration) error {
	h.mu.Lock()
	h.pauses++
	n := h.pauses
	h.mu.Unlock()
	if h.OnPause == nil {
		return context.Canceled
	}
	return h.OnPause(n, d)
}

// Golden compares got with testdata/<name>, rewriting it under -update. The
// emulator's address is replaced by EMULATOR so files do not depend on ports.
func (h *Harness) Golden(name, got string) {
	h.T.Helper()
	Golden(h.T, name, strings.ReplaceAll(got, h.URL, "EMULATOR"))
}

// Golden compares got with the file testdata/<name> of the calling package.
func Golden(t testing.TB, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update || os.Getenv("KWH_UPDATE_GOLDEN") != "" {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(want, []byte(got)) {
		t.Errorf("%s differs from the golden file (go test -update rewrites it)\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

// Running is a long-lived kwh command (kwh listen) started in-process.
type Running struct {
	t      testing.TB
	lines  chan string
	cancel context.CancelFunc
	done   chan Result
	stderr *syncBuffer
	once   sync.Once
	result Result
}

// Start runs kwh in the background; its stdout is read line by line.
func (h *Harness) Start(args ...string) *Running {
	ios, _, _, _ := iostreams.Test()
	pr, pw := io.Pipe()
	errBuf := &syncBuffer{}
	ios.Out, ios.ErrOut = pw, errBuf
	ctx, cancel := context.WithCancel(context.Background())
	r := &Running{t: h.T, lines: make(chan string, 100000), cancel: cancel, done: make(chan Result, 1), stderr: errBuf}
	go func() {
		sc := bufio.NewScanner(pr)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			r.lines <- sc.Text()
		}
		close(r.lines)
	}()
	go func() {
		env := app.Env{Version: "1.0.0-test", Args: args, IO: ios, Getenv: h.getenv, Sleep: h.sleep, Pause: h.pause}
		code := app.Run(ctx, env)
		pw.Close()
		r.done <- Result{Code: code, Stderr: errBuf.String()}
	}()
	return r
}

// Next returns the next stdout line, failing the test if the command ended.
func (r *Running) Next() string {
	r.t.Helper()
	select {
	case line, ok := <-r.lines:
		if !ok {
			res := <-r.done
			r.done <- res
			r.t.Fatalf("the command ended (exit %d) before printing what was expected: %s", res.Code, res.Stderr)
		}
		return line
	case <-time.After(30 * time.Second):
		r.t.Fatalf("no output within 30 s; stderr: %s", r.stderr.String())
	}
	return ""
}

// Stop interrupts the command (Ctrl-C) and waits for it to end; the result's
// Stdout holds the lines not read with Next. Calling it again returns the
// same result.
func (r *Running) Stop() Result {
	r.once.Do(func() {
		r.cancel()
		r.result = <-r.done
		var rest strings.Builder
		for line := range r.lines {
			rest.WriteString(line + "\n")
		}
		r.result.Stdout = rest.String() // what was printed and not yet read
	})
	return r.result
}

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
