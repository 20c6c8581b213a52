package listen

import (
	"net"
	"sync/atomic"
	"testing"
	"time"
)

func TestBodyDeadline(t *testing.T) {
	start := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name  string
		n     int64
		rate  int
		grace time.Duration
		total time.Duration
		want  time.Duration // after start
	}{
		{"first byte is due at the end of the grace", 0, 240, 2 * time.Second, time.Minute, 2*time.Second + time.Second/240},
		{"240 bytes buy one more second", 239, 240, 2 * time.Second, time.Minute, 3 * time.Second},
		{"never past the total deadline", 1 << 20, 240, 2 * time.Second, 30 * time.Second, 30 * time.Second},
		{"no rate check: the total deadline", 0, -1, 2 * time.Second, 30 * time.Second, 30 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := bodyDeadline(start, tt.n, tt.rate, tt.grace, tt.total).Sub(start); got != tt.want {
				t.Fatalf("deadline %s after start, want %s", got, tt.want)
			}
		})
	}
}

func TestConnCapStaysBelowTheDescriptorLimit(t *testing.T) {
	tests := []struct {
		limit uint64
		want  int
	}{{256, 192}, {1024, 960}, {1 << 20, maxConnsCap}, {0, maxConnsCap}, {40, 16}}
	for _, tt := range tests {
		if got := connCap(tt.limit); got != tt.want {
			t.Errorf("connCap(%d) = %d, want %d", tt.limit, got, tt.want)
		}
	}
}

// At the cap, a new connection is accepted only once an open one closes.
func TestLimitListenerWaitsForAFreeSlot(t *testing.T) {
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln := newLimitListener(inner, 2)
	ln.evictAfter = time.Hour // nothing is old enough to evict here
	defer ln.Close()
	var held []net.Conn
	for range 3 {
		c, err := net.Dial("tcp", inner.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
	}
	for range 2 {
		c, err := ln.Accept()
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, c)
	}
	var freed atomic.Bool
	third := make(chan bool)
	go func() {
		c, err := ln.Accept()
		if err == nil {
			defer c.Close()
		}
		third <- err == nil && freed.Load()
	}()
	freed.Store(true)
	held[0].Close()
	if !<-third {
		t.Fatal("a third connection was accepted while two were open")
	}
	held[1].Close()
	// Close wakes an Accept waiting for a slot.
	for range 2 {
		c, err := net.Dial("tcp", inner.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		a, err := ln.Accept()
		if err != nil {
			t.Fatal(err)
		}
		defer a.Close()
	}
	done := make(chan error)
	go func() { _, err := ln.Accept(); done <- err }()
	ln.Close()
	if err := <-done; err == nil {
		t.Fatal("Accept at the cap returned a connection after Close")
	}
}

// At the cap, the connection idle or unfinished for longest is closed to
// make room; one whose request is being handled is kept.
func TestLimitListenerEvictsTheOldestUnfinished(t *testing.T) {
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln := newLimitListener(inner, 2)
	ln.evictAfter = 0
	defer ln.Close()
	var clients []net.Conn
	for range 4 {
		c, err := net.Dial("tcp", inner.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		clients = append(clients, c)
	}
	busy, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	busy.(*limitConn).busy = true
	old, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	third, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer third.Close()
	if _, err := clients[1].Read(make([]byte, 1)); err == nil {
		t.Fatal("the oldest idle connection was not closed")
	}
	// The busy one is never evicted: the fourth connection evicts the third.
	fourth, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer fourth.Close()
	if _, err := clients[2].Read(make([]byte, 1)); err == nil {
		t.Fatal("the third connection was not closed")
	}
	_ = busy.Close()
	_ = old.Close()
}
