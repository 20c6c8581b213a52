package redisstore

import (
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kwh-cli/kwh/internal/store"
	"github.com/kwh-cli/kwh/internal/store/redisstore/redistest"
	"github.com/kwh-cli/kwh/internal/webhook"
)

var t0 = time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)

func open(t *testing.T, url, prefix string) *Store {
	t.Helper()
	st, err := Open(url, Options{Prefix: prefix})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return st
}

func push(st store.ListenStore, eventID string) (bool, error) {
	d := &store.Delivery{EventID: eventID, Topic: "order.opened", ReceivedAt: t0, Body: []byte(`{}`), Targets: []string{"http://app"}}
	return st.Accept(store.Accept{Delivery: d, DedupeKey: webhook.CanonicalID(eventID), TTL: time.Hour, MarkSeen: true, Now: t0})
}

// Two replicas (two stores on one Redis) receive every event many times at
// once, in both of Kibo's GUID spellings: each event is new exactly once.
func TestReplicasDedupeAcrossSpellings(t *testing.T) {
	srv := redistest.Start(t)
	replicas := []*Store{open(t, srv.URL(), "kwh"), open(t, srv.URL(), "kwh")}
	const events = 40
	spellings := func(i int) []string {
		dashed := fmt.Sprintf("%08x-0000-4000-8000-%012x", i, i)
		return []string{dashed, strings.ReplaceAll(dashed, "-", ""), strings.ToUpper(dashed)}
	}
	var mu sync.Mutex
	fresh := map[int]int{}
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			st := replicas[w%2]
			for i := range events {
				dup, err := push(st, spellings(i)[w%3])
				if err != nil {
					t.Error(err)
					return
				}
				if !dup {
					mu.Lock()
					fresh[i]++
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	for i := range events {
		if fresh[i] != 1 {
			t.Errorf("event %d new %d times across the replicas, want once", i, fresh[i])
		}
	}
	for _, st := range replicas {
		if p, err := st.Claim(); err != nil || len(p) != events {
			t.Errorf("spool seen by a replica: %d (%v), want %d", len(p), err, events)
		}
	}
	ds, err := replicas[0].Inbox(store.InboxQuery{})
	dups := 0
	for _, d := range ds {
		dups += d.Duplicates
	}
	if err != nil || len(ds) != events || dups != 8*events-events {
		t.Errorf("inbox: %d entries counting %d duplicates (%v), want %d counting %d", len(ds), dups, err, events, 8*events-events)
	}
}

// Two deployments with different prefixes share one Redis without seeing
// each other's events.
func TestPrefixesAreSeparate(t *testing.T) {
	srv := redistest.Start(t)
	a, b := open(t, srv.URL(), "team-a"), open(t, srv.URL(), "team-b")
	if dup, err := push(a, "e1"); err != nil || dup {
		t.Fatalf("team-a: %v %v", dup, err)
	}
	if dup, err := push(b, "e1"); err != nil || dup {
		t.Fatalf("team-b saw team-a's event as seen: %v %v", dup, err)
	}
	if ds, err := b.Inbox(store.InboxQuery{}); err != nil || len(ds) != 1 {
		t.Fatalf("team-b inbox: %d entries (%v), want its own 1", len(ds), err)
	}
}

// While Redis is down every call fails (the receiver answers 503, nothing
// is acknowledged); once it is back the same store works again and nothing
// acknowledged before is lost.
func TestRedisDownFailsThenRecovers(t *testing.T) {
	srv := redistest.Start(t)
	st := open(t, srv.URL(), "kwh")
	before := &store.Delivery{EventID: "before", ReceivedAt: t0, Targets: []string{"http://app"}}
	if _, err := st.Accept(store.Accept{Delivery: before, DedupeKey: "before", TTL: time.Hour, MarkSeen: true, Now: t0}); err != nil {
		t.Fatal(err)
	}
	srv.Kill()
	calls := map[string]func() error{
		"accept": func() error { _, err := push(st, "during"); return err },
		"seen":   func() error { _, err := st.Seen("before", t0); return err },
		"complete": func() error {
			return st.Complete(store.Pending{DeliveryID: before.ID, Target: "http://app"}, store.ForwardState{Status: 200})
		},
		"claim": func() error { _, err := st.Claim(); return err },
		"get":   func() error { _, err := st.Get(before.ID); return err },
	}
	for name, call := range calls {
		if err := call(); err == nil || !strings.Contains(err.Error(), "redis store") {
			t.Errorf("%s with Redis down: %v, want a redis store error", name, err)
		}
	}
	srv.Restart()
	if dup, err := push(st, "after"); err != nil || dup {
		t.Fatalf("accept once Redis is back: %v %v", dup, err)
	}
	if got, err := st.Get(before.ID); err != nil || got.EventID != "before" {
		t.Fatalf("an event acknowledged before Redis went down: %+v %v", got, err)
	}
	if seen, _ := st.Seen("during", t0); seen {
		t.Error("an event refused while Redis was down is marked seen")
	}
}

func TestOpenErrorsNeverShowThePassword(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := l.Addr().String()
	l.Close()
	tests := []struct{ name, url, want string }{
		{"nothing listening", "redis://kwh:s3cret@" + closed + "/0", "does not answer"},
		{"not a redis URL", "http://kwh:s3cret@" + closed, "redis store"},
		{"a bad database", "redis://kwh:s3cret@" + closed + "/x", "redis store"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Open(tt.url, Options{})
			if err == nil || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "s3cret") {
				t.Fatalf("Open(%s): %v, want %q and no password", Redact(tt.url), err, tt.want)
			}
		})
	}
}
