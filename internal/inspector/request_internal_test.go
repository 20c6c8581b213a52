package inspector

import (
	"bufio"
	"bytes"
	"io"
	"net/http"
	"os/exec"
	"strings"
	"testing"

	"github.com/kwh-cli/kwh/internal/store"
)

// The copied commands give the shell back the exact bytes: a stand-in curl
// and kwh print the argv and stdin the shell hands them.
func TestCopiedCommandsKeepEveryByte(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh to run the copied commands")
	}
	bodies := []string{`{"eventId":"e1","topic":"order.opened","entityId":"it's $HOME \"q\" ` + "`id`" + ` \\ KWH_BODY"}`, "{}", `{"a":"line1\nline2"}`}
	for _, body := range bodies {
		d := &store.Delivery{ID: 3, Method: http.MethodPost, Path: "/hooks?x=1", Host: "h", Topic: "order.opened", Body: []byte(body),
			Header: http.Header{"Date": {"Fri, 20 Nov 2026 12:00:00 GMT"}, "X-Vol-Hmac-Sha256": {"a'b="}, "Authorization": {"Bearer secret"}, "Content-Length": {"9"}}}
		argv := runShell(t, sh, `curl() { for a in "$@"; do printf '%s\0' "$a"; done; }; `+curlCommand(d, "http://127.0.0.1:3000/x?y='z'"))
		want := []string{"-sS", "-X", "POST", "http://127.0.0.1:3000/x?y='z'", "-H", "Date: Fri, 20 Nov 2026 12:00:00 GMT", "-H", "X-Vol-Hmac-Sha256: a'b=", "--data-binary", body}
		if strings.Join(argv, "|") != strings.Join(want, "|") {
			t.Errorf("curl argv:\n%q\nwant\n%q", argv, want)
		}
		stdin := runShell(t, sh, `kwh() { for a in "$@"; do printf '%s\0' "$a"; done; cat; }; `+sendCommand(d, "http://127.0.0.1:3000/x"))
		wantSend := []string{"send", "order.opened", "--to", "http://127.0.0.1:3000/x", "--data", "-", body + "\n"}
		if strings.Join(stdin, "|") != strings.Join(wantSend, "|") {
			t.Errorf("kwh send:\n%q\nwant\n%q", stdin, wantSend)
		}
		req, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(rawRequest(d))))
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(req.Body)
		if string(got) != body || req.URL.RequestURI() != "/hooks?x=1" || req.Header.Get("Authorization") != store.Redacted || req.Header.Get("X-Vol-Hmac-Sha256") != "a'b=" {
			t.Errorf(".http: %q %s %v", got, req.URL, req.Header)
		}
	}
}

// runShell runs script and splits what it printed at NUL bytes (the last
// piece is whatever followed the last NUL).
func runShell(t *testing.T, sh, script string) []string {
	t.Helper()
	out, err := exec.Command(sh, "-c", script).Output()
	if err != nil {
		t.Fatalf("%v\n%s", err, script)
	}
	parts := strings.Split(string(out), "\x00")
	if parts[len(parts)-1] == "" {
		parts = parts[:len(parts)-1]
	}
	return parts
}
