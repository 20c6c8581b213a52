package inbox

import (
	"reflect"
	"strings"
	"testing"

	"github.com/kwh-cli/kwh/internal/cmdutil"
	"github.com/kwh-cli/kwh/internal/cmdutil/cmdutiltest"
	"github.com/kwh-cli/kwh/internal/iostreams"
)

func TestListArgs(t *testing.T) {
	tests := []struct {
		argv    string
		want    ListOptions
		wantErr string
	}{
		{"", ListOptions{Limit: 50}, ""},
		{"--topic order.* --topic product.created --since 1h --until 2026-11-20 -L 5 --store /tmp/s",
			ListOptions{Topics: []string{"order.*", "product.created"}, Since: "1h", Until: "2026-11-20", Limit: 5, Store: "/tmp/s"}, ""},
		{"-L -1", ListOptions{}, "--limit"},
		{"extra", ListOptions{}, "extra"},
	}
	for _, tt := range tests {
		t.Run(tt.argv, func(t *testing.T) {
			got, err := cmdutiltest.Parse(t, NewCmdList, strings.Fields(tt.argv)...)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || got != nil {
					t.Fatalf("err %v, ran %v: want an error about %q before running", err, got != nil, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			o := ListOptions{Store: got.Store, Topics: got.Topics, Since: got.Since, Until: got.Until, Limit: got.Limit}
			if !reflect.DeepEqual(o, tt.want) {
				t.Errorf("got %+v, want %+v", o, tt.want)
			}
		})
	}
}

func TestShowArgs(t *testing.T) {
	tests := []struct {
		argv    string
		id      uint64
		wantErr string
	}{
		{"12", 12, ""},
		{"#12 --store /tmp/s", 12, ""},
		{"", 0, "which delivery"},
		{"abc", 0, "not a delivery id"},
		{"1 2", 0, "too many arguments"},
	}
	for _, tt := range tests {
		t.Run(tt.argv, func(t *testing.T) {
			got, err := cmdutiltest.Parse(t, NewCmdShow, strings.Fields(tt.argv)...)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || got != nil {
					t.Fatalf("err %v: want an error about %q before running", err, tt.wantErr)
				}
				return
			}
			if err != nil || got.ID != tt.id {
				t.Fatalf("id %v (%v), want %d", got, err, tt.id)
			}
		})
	}
}

func TestReplayArgs(t *testing.T) {
	tests := []struct {
		argv    string
		want    ReplayOptions
		wantErr string
	}{
		{"12 13", ReplayOptions{IDs: []uint64{12, 13}}, ""},
		{"12 --to http://localhost:3000/hooks --keep-headers", ReplayOptions{IDs: []uint64{12}, To: "http://localhost:3000/hooks", KeepHeaders: true}, ""},
		{"", ReplayOptions{}, "which deliveries"},
		{"12 x", ReplayOptions{}, "not a delivery id"},
		{"12 --to localhost:3000", ReplayOptions{}, "localhost:3000"}, // checked before running, not after
	}
	for _, tt := range tests {
		t.Run(tt.argv, func(t *testing.T) {
			got, err := cmdutiltest.Parse(t, NewCmdReplay, strings.Fields(tt.argv)...)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || got != nil {
					t.Fatalf("err %v, ran %v: want an error about %q before running", err, got != nil, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			o := ReplayOptions{IDs: got.IDs, To: got.To, KeepHeaders: got.KeepHeaders, Store: got.Store}
			if !reflect.DeepEqual(o, tt.want) {
				t.Errorf("got %+v, want %+v", o, tt.want)
			}
		})
	}
}

func TestDropArgs(t *testing.T) {
	tests := []struct {
		argv    string
		ids     []uint64
		all     bool
		wantErr string
	}{
		{"12 13", []uint64{12, 13}, false, ""},
		{"--all-pending", nil, true, ""},
		{"", nil, false, "which forwards"},
		{"12 --all-pending", nil, false, "not both"},
	}
	for _, tt := range tests {
		t.Run(tt.argv, func(t *testing.T) {
			got, err := cmdutiltest.Parse(t, NewCmdDrop, strings.Fields(tt.argv)...)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || got != nil {
					t.Fatalf("err %v: want an error about %q before running", err, tt.wantErr)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got.IDs, tt.ids) || got.AllPending != tt.all {
				t.Fatalf("got %+v (%v), want ids %v all %v", got, err, tt.ids, tt.all)
			}
		})
	}
}

// TestOnlyListCompletesTopics: --topic completion is registered where --topic is.
func TestOnlyListCompletesTopics(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	f := &cmdutil.Factory{IOStreams: ios, Getenv: func(string) string { return "" }}
	for _, c := range NewCmdInbox(f).Commands() {
		_, has := c.GetFlagCompletionFunc("topic")
		if has != (c.Flags().Lookup("topic") != nil) {
			t.Errorf("%s: --topic completion %v, --topic flag %v", c.Name(), has, c.Flags().Lookup("topic") != nil)
		}
	}
}
