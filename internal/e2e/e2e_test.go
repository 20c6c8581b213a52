//go:build unix

// Package e2e runs the README's workflows as testscript scripts
// (testdata/script/*.txtar) against kwh itself, on loopback only.
package e2e

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/kwh-cli/kwh/internal/app"
	"github.com/kwh-cli/kwh/internal/webhook"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"kwh":      func() { os.Exit(app.Main("1.0.0-test", os.Args[1:])) },
		"test-app": testApp,
	})
}

func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script",
		Setup: func(env *testscript.Env) error {
			home := env.WorkDir + "/home"
			env.Setenv("HOME", home)
			env.Setenv("XDG_CONFIG_HOME", home+"/config")
			env.Setenv("XDG_CACHE_HOME", home+"/cache")
			env.Setenv("XDG_STATE_HOME", home+"/state")
			for _, name := range []string{"EMU_PORT", "LISTEN_PORT", "APP_PORT"} {
				port, release, err := reservePort()
				if err != nil {
					return err
				}
				env.Defer(release)
				env.Setenv(name, strconv.Itoa(port))
			}
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"waitfor":  waitFor,
			"waitexit": waitExit,
			"capture":  capture,
		},
	})
}

// waitfor URL: until GET URL answers 2xx (a server in the background is up).
func waitFor(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 {
		ts.Fatalf("usage: waitfor URL")
	}
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := http.Get(args[0]); err == nil {
			resp.Body.Close()
			if resp.StatusCode/100 == 2 {
				return
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	ts.Fatalf("%s never answered", args[0])
}

// waitexit CODE kwh args...: runs the command until it exits with CODE
// (for state that a background process reaches on its own).
func waitExit(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 2 {
		ts.Fatalf("usage: waitexit CODE command args...")
	}
	want := args[0]
	deadline := time.Now().Add(30 * time.Second)
	var last error
	for time.Now().Before(deadline) {
		last = ts.Exec(args[1], args[2:]...)
		code := "0"
		if last != nil {
			code = strings.TrimPrefix(last.Error(), "exit status ")
		}
		if code == want {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	ts.Fatalf("%v never exited %s (last: %v)", args[1:], want, last)
}

// testApp PORT STATUSFILE LOG: a handler that answers with the status written
// in STATUSFILE (200 when missing) and appends "topic eventId status" to LOG.
func testApp() {
	if len(os.Args) != 4 {
		fmt.Fprintln(os.Stderr, "usage: test-app PORT STATUSFILE LOG")
		os.Exit(2)
	}
	statusFile, logFile := os.Args[2], os.Args[3]
	var mu sync.Mutex
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet {
			return // health
		}
		body, _ := io.ReadAll(r.Body)
		status := 200
		if raw, err := os.ReadFile(statusFile); err == nil {
			status, _ = strconv.Atoi(strings.TrimSpace(string(raw)))
		}
		p, _ := webhook.ParsePush(body)
		mu.Lock()
		f, _ := os.OpenFile(logFile, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
		fmt.Fprintf(f, "%s %s %d\n", p.Topic, p.EventID, status)
		f.Close()
		mu.Unlock()
		w.WriteHeader(status)
	})
	if err := http.ListenAndServe("127.0.0.1:"+os.Args[1], nil); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// capture NAME command args...: runs the command and sets $NAME to its
// trimmed stdout.
func capture(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 2 {
		ts.Fatalf("usage: capture NAME command args...")
	}
	ts.Check(ts.Exec(args[1], args[2:]...))
	ts.Setenv(args[0], strings.TrimSpace(ts.ReadFile("stdout")))
}
