package app_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kwh-cli/kwh/internal/apptest"
)

// A port or store another process holds is named, with the flag that picks
// another; an impossible port is a usage error.
func TestConflictsSayWhatToDo(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	port := strconv.Itoa(busy.Addr().(*net.TCPAddr).Port)
	tests := []struct {
		args []string
		code int
		want []string
	}{
		{[]string{"listen", "--port", "99999"}, 2, []string{"--port 99999: want 1-65535"}},
		{[]string{"emulator", "--port", "-1"}, 2, []string{"--port -1: want 1-65535"}},
		{[]string{"listen", "--port", port}, 1, []string{"port " + port + " on 127.0.0.1 is already in use", "--port 0 picks a free one"}},
		{[]string{"emulator", "--port", port}, 1, []string{"port " + port + " on 127.0.0.1 is already in use", "--port"}},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			h := apptest.New(t, apptest.Seed(t))
			args := tt.args
			if args[0] == "listen" {
				args = append(args, "--store", t.TempDir())
			}
			res := h.Run(args...)
			if res.Code != tt.code {
				t.Errorf("exit %d, want %d: %s", res.Code, tt.code, res.Stderr)
			}
			for _, w := range tt.want {
				if !strings.Contains(res.Stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, res.Stderr)
				}
			}
		})
	}
}

func TestStoreInUseNamesTheOtherProcess(t *testing.T) {
	h := apptest.New(t, apptest.Seed(t))
	dir := t.TempDir()
	first := h.Start("listen", "--port", "0", "-o", "ndjson", "--store", dir)
	defer first.Stop()
	if line := first.Next(); !strings.Contains(line, `"ready"`) {
		t.Fatalf("first listen: %s", line)
	}
	res := h.Run("listen", "--port", "0", "--store", dir)
	want := []string{fmt.Sprintf("is in use by another kwh listen (pid %d)", os.Getpid()), "--store DIR"}
	for _, w := range want {
		if !strings.Contains(res.Stderr, w) {
			t.Errorf("stderr lacks %q:\n%s", w, res.Stderr)
		}
	}
	if res.Code != 1 {
		t.Errorf("exit %d", res.Code)
	}
}

// kwh verify never waits silently on a terminal, and Ctrl-C ends a wait for
// a pipe that stays silent.
func TestVerifyStdin(t *testing.T) {
	h := apptest.New(t, apptest.Seed(t))
	res := h.RunWith(apptest.RunOpts{TTY: true}, "verify", "--date", "x", "--signature", "y")
	if res.Code != 2 || !strings.Contains(res.Stderr, "standard input, which is a terminal") {
		t.Errorf("on a terminal: exit %d: %s", res.Code, res.Stderr)
	}
	silent, w := io.Pipe()
	defer w.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan apptest.Result, 1)
	go func() {
		done <- h.RunWithContext(ctx, apptest.RunOpts{In: silent}, "verify", "--date", "x", "--signature", "y")
	}()
	cancel()
	select {
	case res := <-done:
		if res.Code != 130 {
			t.Errorf("Ctrl-C: exit %d: %s", res.Code, res.Stderr)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("verify kept waiting for stdin after Ctrl-C")
	}
}
