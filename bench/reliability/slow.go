//go:build linux

package main

import (
	"fmt"
	"net"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// slowClients holds o.attack connections trickling a 2 GB body at 1 byte/s
// and as many trickling their headers, against kwh listen limited to 256
// descriptors, while real signed pushes are sent every 500 ms (the first 3 s
// after the attack starts). Promise: real pushes are answered 200 within
// 10 s, and every slow connection is closed within o.maxSlow.
func slowClients(o options) (bool, error) {
	const nofile = 256
	fmt.Printf("4. %d slow-body (2 GB declared, 1 byte/s) + %d slow-header connections, kwh limited to %d descriptors, real pushes every 500 ms\n", o.attack, o.attack, nofile)
	a, err := newApp()
	if err != nil {
		return false, err
	}
	defer a.close()
	p, err := startKwh(o, filepath.Join(o.dir, "slow"), nofile, "--forward", a.url)
	if err != nil {
		return false, err
	}
	defer p.stop()
	addr := strings.TrimPrefix(p.url, "http://")
	start := time.Now()
	var wg sync.WaitGroup
	closedBody, closedHead := make([]time.Duration, o.attack), make([]time.Duration, o.attack)
	for i := range o.attack {
		wg.Add(2)
		go func() {
			defer wg.Done()
			closedBody[i] = trickle(addr, "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2000000000\r\n\r\n", o.maxSlow+10*time.Second)
		}()
		go func() {
			defer wg.Done()
			closedHead[i] = trickle(addr, "POST / HTTP/1.1\r\nHost: x\r\nX-Slow: ", o.maxSlow+10*time.Second)
		}()
	}
	attackDone := make(chan struct{})
	go func() { wg.Wait(); close(attackDone) }()

	time.Sleep(3 * time.Second)
	var lat []time.Duration
	var failed atomic.Int64
	first := time.Duration(0)
	for n := 0; ; n++ {
		t0 := time.Now()
		ok := push(p.url, guid(4, n), "order.opened", fmt.Sprint(n)) == 200
		d := time.Since(t0)
		if n == 0 {
			first = d
		}
		if !ok {
			failed.Add(1)
		}
		lat = append(lat, d)
		select {
		case <-attackDone:
		case <-time.After(500 * time.Millisecond):
			continue
		}
		break
	}
	attack := time.Since(start)
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	maxBody, maxHead := maxOf(closedBody), maxOf(closedHead)
	ok := first <= 10*time.Second && failed.Load() == 0 && maxBody <= o.maxSlow && maxHead <= o.maxSlow
	fmt.Printf("   first real push (3 s in) answered in %s · %d real pushes during the attack: p50 %s, max %s, %d not answered 200\n",
		first.Round(time.Millisecond), len(lat), lat[len(lat)/2].Round(time.Millisecond), lat[len(lat)-1].Round(time.Millisecond), failed.Load())
	fmt.Printf("   slow-body connections all closed by %s, slow-header ones by %s (limit %s); attack over after %s [%s]\n",
		maxBody.Round(100*time.Millisecond), maxHead.Round(100*time.Millisecond), o.maxSlow, attack.Round(100*time.Millisecond), verdict(ok))
	return ok, nil
}

// trickle connects, sends head, then one byte a second until kwh closes
// the connection (or answers); it returns how long that took from the dial.
func trickle(addr, head string, giveUp time.Duration) time.Duration {
	t0 := time.Now()
	c, err := net.DialTimeout("tcp", addr, giveUp)
	if err != nil {
		return time.Since(t0)
	}
	defer c.Close()
	closed := make(chan struct{})
	go func() {
		buf := make([]byte, 512)
		_ = c.SetReadDeadline(t0.Add(giveUp))
		for {
			if _, err := c.Read(buf); err != nil {
				close(closed)
				return
			}
		}
	}()
	_, _ = c.Write([]byte(head))
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case <-closed:
			return time.Since(t0)
		case <-tick.C:
			_, _ = c.Write([]byte("a"))
		}
	}
}

func maxOf(ds []time.Duration) time.Duration {
	var m time.Duration
	for _, d := range ds {
		m = max(m, d)
	}
	return m
}
