package listen

import (
	"cmp"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/kwh-cli/kwh/internal/cmdutil"
	"github.com/kwh-cli/kwh/internal/iostreams"
	"github.com/kwh-cli/kwh/internal/listen"
)

// TestListenArgs: argv → the engine's Config, checked before the runF seam.
func TestListenArgs(t *testing.T) {
	base := func(c listen.Config) listen.Config {
		c.StoreDir, c.StoreName = "/state/kwh", "/state/kwh"
		c.Path = cmpOr(c.Path, "/")
		c.Addr = cmpOr(c.Addr, "127.0.0.1:8080")
		if c.MaxBody == 0 {
			c.MaxBody = 1 << 20
		}
		if c.DedupeTTL == 0 {
			c.DedupeTTL = listen.DefaultDedupeTTL
		}
		if c.ForwardTimeout == 0 {
			c.ForwardTimeout = listen.DefaultForwardTimeout
		}
		if c.RetryMin == 0 {
			c.RetryMin = 500 * time.Millisecond
		}
		if c.Retention == 0 {
			c.Retention = 14 * 24 * time.Hour
		}
		c.Order = cmp.Or(c.Order, listen.OrderTopic)
		c.ForwardConcurrency = cmp.Or(c.ForwardConcurrency, listen.DefaultForwardConcurrency)
		c.LeaseTime = cmp.Or(c.LeaseTime, listen.DefaultLeaseTime)
		c.PaceAcks = true // --pace's default
		return c
	}
	tests := []struct {
		argv    string
		want    listen.Config
		wantErr string
	}{
		{"", base(listen.Config{}), ""},
		{"--host 0.0.0.0 --port 9000 --path /hooks --forward http://localhost:3000/h --max-body 512KiB --keep 0s --max-attempts 3",
			base(listen.Config{Addr: "0.0.0.0:9000", Path: "/hooks", Forward: []string{"http://localhost:3000/h"}, MaxBody: 512 << 10, Retention: -1, MaxAttempts: 3}), ""},
		{"--route order.*=http://localhost:4000/o --topic shipment.* --sync --skip-verify",
			base(listen.Config{Routes: []listen.Route{{Glob: "order.*", URL: "http://localhost:4000/o"}}, Topics: []string{"shipment.*"}, Sync: true, SkipVerify: true}), ""},
		{"--store /elsewhere", func() listen.Config {
			c := base(listen.Config{})
			c.StoreDir, c.StoreName = "/elsewhere", "/elsewhere"
			return c
		}(), ""},
		{"--order entity --forward-concurrency 64 --max-backlog 10000",
			base(listen.Config{Order: listen.OrderEntity, ForwardConcurrency: 64, MaxBacklog: 10000}), ""},
		{"--order none --forward-concurrency 1", base(listen.Config{Order: listen.OrderNone, ForwardConcurrency: 1}), ""},
		{"--order topic --max-backlog 0", base(listen.Config{}), ""},
		{"--pace=false", func() listen.Config {
			c := base(listen.Config{})
			c.PaceAcks = false
			return c
		}(), ""},
		{"--order lane", listen.Config{}, `--order: unknown order "lane": want topic`},
		{"--order Entity", listen.Config{}, `unknown order "Entity"`},
		{"--forward-concurrency 0", listen.Config{}, "--forward-concurrency 0: want at least 1"},
		{"--forward-concurrency -3", listen.Config{}, "--forward-concurrency -3"},
		{"--forward-concurrency many", listen.Config{}, "forward-concurrency"},
		{"--max-backlog -1", listen.Config{}, "--max-backlog -1: want 0 (no limit)"},
		{"--max-body lots", listen.Config{}, "--max-body"},
		{"--forward localhost:3000", listen.Config{}, "localhost:3000"},
		{"--route order.*", listen.Config{}, "TOPIC_GLOB=URL"},
		{"--path hooks", listen.Config{}, "--path must start with /"},
		{"--sync", listen.Config{}, "--sync needs --forward"},
		{"--store redis://kwh:s3cret@localhost:6379/0", func() listen.Config {
			c := base(listen.Config{})
			c.StoreDir, c.StoreName = "", "redis://kwh:xxxxx@localhost:6379/0"
			return c
		}(), ""},
		{"--store redis://localhost:6379/0 --redis-wait 1", func() listen.Config {
			c := base(listen.Config{})
			c.StoreDir, c.StoreName = "", "redis://localhost:6379/0"
			return c
		}(), ""},
		{"--redis-wait 1", listen.Config{}, "--redis-wait needs --store redis://"},
		{"--store redis://localhost:6379/0 --lease-time 3s", func() listen.Config {
			c := base(listen.Config{LeaseTime: 3 * time.Second})
			c.StoreDir, c.StoreName = "", "redis://localhost:6379/0"
			return c
		}(), ""},
		{"--lease-time 500ms", listen.Config{}, "--lease-time 500ms: want 1s or more"},
		{"--store redis://localhost:6379/0 --redis-wait -1", listen.Config{}, "--redis-wait -1"},
		{"--store ftp://localhost:6379", listen.Config{}, "want a directory, or redis://"},
		{"--store /elsewhere --redis-prefix team1", listen.Config{}, "--redis-prefix applies to a redis:// store"},
		{"--port 70000", listen.Config{}, "70000"},
		{"--metrics-addr 127.0.0.1:9090", base(listen.Config{}), ""},
		{"--metrics-addr 127.0.0.1:8080", listen.Config{}, "the receiver's own address"},
		{"--metrics-addr :8080", listen.Config{}, "the receiver's own address"},
		{"--host 0.0.0.0 --metrics-addr localhost:8080", listen.Config{}, "the receiver's own address"},
		{"--port 9000 --metrics-addr localhost:8080", base(listen.Config{Addr: "127.0.0.1:9000"}), ""},
		{"--metrics-addr 9090", listen.Config{}, "want host:port"},
		{"extra", listen.Config{}, "extra"},
	}
	for _, tt := range tests {
		t.Run(tt.argv, func(t *testing.T) {
			ios, _, _, _ := iostreams.Test()
			configHome := t.TempDir() // no profile: the store is the default
			f := &cmdutil.Factory{IOStreams: ios, Flags: &cmdutil.GlobalFlags{}, Getenv: func(k string) string {
				switch k {
				case "XDG_STATE_HOME":
					return "/state"
				case "XDG_CONFIG_HOME":
					return configHome
				}
				return ""
			}}
			var got *Options
			ran := errors.New("ran")
			cmd := NewCmdListen(f, func(o *Options) error { got = o; return ran })
			cmd.SetArgs(strings.Fields(tt.argv))
			cmd.SetOut(io.Discard)
			cmd.SetErr(io.Discard)
			err := cmd.Execute()
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || got != nil {
					t.Fatalf("err %v, ran %v: want an error about %q before running", err, got != nil, tt.wantErr)
				}
				return
			}
			if !errors.Is(err, ran) {
				t.Fatal(err)
			}
			c := got.Listen
			if tt.want.Retention == -1 {
				tt.want.Retention = 0
			}
			if !reflect.DeepEqual(c, tt.want) {
				t.Errorf("config\n got %+v\nwant %+v", c, tt.want)
			}
		})
	}
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
