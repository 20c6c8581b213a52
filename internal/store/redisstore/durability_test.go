package redisstore

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/kwh-cli/kwh/internal/store"
	"github.com/kwh-cli/kwh/internal/store/redisstore/redistest"
)

func TestDescribePersistence(t *testing.T) {
	tests := []struct {
		appendonly, appendfsync, save string
		want                          string
		lossless                      bool
	}{
		{"yes", "always", "", "loses no acknowledged event", true},
		{"yes", "everysec", "3600 1", "up to a second of acknowledged events", false},
		{"yes", "no", "", "the last ~30 seconds", false},
		{"no", "everysec", "3600 1 300 100 60 10000", "up to 1h of them", false},
		{"no", "everysec", "90 1", "up to 90s of them", false},
		{"no", "everysec", "", "loses everything kwh stored there", false},
	}
	for _, tt := range tests {
		t.Run(tt.appendonly+" "+tt.appendfsync+" "+tt.save, func(t *testing.T) {
			d := describePersistence(tt.appendonly, tt.appendfsync, tt.save)
			if !strings.Contains(d.Statement, tt.want) || d.Lossless != tt.lossless {
				t.Fatalf("%+v, want %q lossless=%v", d, tt.want, tt.lossless)
			}
		})
	}
}

// Durability reads the settings of the Redis it talks to, changed at run
// time too, and says so when CONFIG is not allowed.
func TestDurabilityReadsTheServer(t *testing.T) {
	srv := redistest.Start(t)
	st := open(t, srv.URL(), "kwh")
	if d := st.Durability(); !d.Lossless || !strings.Contains(d.Statement, "appendfsync always") {
		t.Fatalf("redistest's server (AOF, fsync always): %+v", d)
	}
	ctx := context.Background()
	if err := st.rdb.ConfigSet(ctx, "appendonly", "no").Err(); err != nil {
		t.Fatal(err)
	}
	if d := st.Durability(); d.Lossless || !strings.Contains(d.Statement, "none (no append-only file, no snapshots)") {
		t.Fatalf("no AOF, no save: %+v", d)
	}

	locked := redistest.Start(t, "--rename-command", "CONFIG", "")
	d := open(t, locked.URL(), "kwh").Durability()
	if d.Lossless || !strings.Contains(d.Statement, "could not be read") || !strings.Contains(d.Statement, "unknown") {
		t.Fatalf("CONFIG disabled: %+v", d)
	}
}

// --redis-wait: an event is confirmed once a replica has it; with the
// replica gone, Accept keeps and spools the event but says it is
// unconfirmed, and the sender's retry (a duplicate) is confirmed once the
// replica is back.
func TestWaitForReplicas(t *testing.T) {
	primary := redistest.Start(t)
	replica := primary.StartReplica()
	// WAIT returns as soon as the replica acknowledged: a long timeout
	// costs nothing while it is up (and a loaded machine may need it). Once
	// it is down, hasty sees the shortfall without waiting long.
	st, err := Open(primary.URL(), Options{Prefix: "kwh", Wait: 1, WaitTimeout: 30 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	hasty, err := Open(primary.URL(), Options{Prefix: "kwh", Wait: 1, WaitTimeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer hasty.Close()
	if d := st.Durability(); !strings.Contains(d.Statement, "--redis-wait 1: each event is also on 1 replica") {
		t.Errorf("durability with --redis-wait: %q", d.Statement)
	}
	if dup, err := push(st, "e1"); err != nil || dup {
		t.Fatalf("with the replica up: %v %v", dup, err)
	}
	replica.Kill()
	d := &store.Delivery{EventID: "e2", Topic: "order.opened", ReceivedAt: t0, Targets: []string{"http://app"}}
	dup, err := hasty.Accept(store.Accept{Delivery: d, DedupeKey: "e2", TTL: time.Hour, MarkSeen: true, Now: t0})
	if !errors.Is(err, store.ErrUnconfirmed) || dup || d.ID == 0 || !strings.Contains(err.Error(), "0 of the 1 replicas") {
		t.Fatalf("with the replica down: dup %v id %d err %v, want unconfirmed", dup, d.ID, err)
	}
	if got, err := st.Get(d.ID); err != nil || got.EventID != "e2" {
		t.Fatalf("the unconfirmed event is not kept: %+v %v", got, err)
	}
	if p, err := st.Claim(); err != nil || len(p) != 2 {
		t.Fatalf("spool: %v %v, want both events", p, err)
	}
	if dup, err := push(hasty, "e2"); !errors.Is(err, store.ErrUnconfirmed) || !dup {
		t.Fatalf("a retry with the replica still down: %v %v", dup, err)
	}
	replica.Restart()
	if dup, err := push(st, "e2"); err != nil || !dup {
		t.Fatalf("a retry once the replica is back: dup %v %v, want a confirmed duplicate", dup, err)
	}
}
