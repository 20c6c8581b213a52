package emulator

import (
	"strings"
	"testing"

	"github.com/kwh-cli/kwh/internal/cmdutil/cmdutiltest"
)

// TestEmulatorArgs: --subscribe and the other flags are checked before the
// runF seam, not once the emulator is half started.
func TestEmulatorArgs(t *testing.T) {
	tests := []struct {
		argv    []string
		wantErr string
	}{
		{[]string{"--subscribe", "order.*,shipment.*=http://127.0.0.1:8080", "--time-scale", "3600"}, ""},
		{[]string{"--subscribe", "http://127.0.0.1:8080=order.*"}, ""},
		{[]string{"--subscribe", "order.*"}, "TOPIC_GLOB[,GLOB]=URL"},
		{[]string{"--subscribe", "order.*=127.0.0.1:8080"}, "127.0.0.1:8080"},
		{[]string{"--time-scale", "0"}, "--time-scale"},
		{[]string{"--duplicate-rate", "2"}, "--duplicate-rate"},
		{[]string{"--port", "-1"}, "-1"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.argv, " "), func(t *testing.T) {
			got, err := cmdutiltest.Parse(t, NewCmdEmulator, tt.argv...)
			if tt.wantErr == "" {
				if err != nil || len(got.Subscribe) != 1 {
					t.Fatalf("err %v, options %+v", err, got)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || got != nil {
				t.Fatalf("err %v, ran %v: want an error about %q before runF", err, got != nil, tt.wantErr)
			}
		})
	}
}
