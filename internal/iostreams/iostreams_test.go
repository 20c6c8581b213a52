package iostreams

import (
	"strings"
	"testing"
	"time"
)

func TestColorWanted(t *testing.T) {
	tests := []struct {
		env  map[string]string
		tty  bool
		want bool
	}{
		{nil, true, true},
		{nil, false, false},
		{map[string]string{"NO_COLOR": "1"}, true, false},
		{map[string]string{"CLICOLOR": "0"}, true, false},
		{map[string]string{"CLICOLOR_FORCE": "1"}, false, true},
		{map[string]string{"CLICOLOR_FORCE": "1", "NO_COLOR": "1"}, false, false},
	}
	for _, tt := range tests {
		if got := ColorWanted(func(k string) string { return tt.env[k] }, tt.tty); got != tt.want {
			t.Errorf("%v tty=%v: %v", tt.env, tt.tty, got)
		}
	}
}

func TestProgressOnlyOnATerminalAfterTheDelay(t *testing.T) {
	s, _, _, errOut := Test()
	p := s.startProgress("fetching events", 0, time.Hour)
	p.Update(200, 1000)
	p.Stop()
	if errOut.Len() != 0 {
		t.Errorf("progress drawn without a terminal: %q", errOut)
	}

	s.SetStderrTTY(true)
	p = s.startProgress("fetching events", 0, time.Hour)
	p.Update(400, 1000)
	p.Stop()
	if !strings.Contains(errOut.String(), "fetching events 400/1000") || !strings.HasSuffix(errOut.String(), "\r\x1b[K") {
		t.Errorf("progress: %q", errOut)
	}

	errOut.Reset()
	p = s.startProgress("fetching events", time.Hour, time.Hour) // a quick run
	p.Update(1, 2)
	p.Stop()
	if errOut.Len() != 0 {
		t.Errorf("a run shorter than the delay drew: %q", errOut)
	}
}
