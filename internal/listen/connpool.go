package listen

import (
	"bufio"
	"net"
	"time"
)

// get gives a kept-alive connection to addr that the app has not closed,
// or dials a new one (ended by closeAll).
func (s *connSender) get(addr string, deadline time.Time) (*pconn, error) {
	for {
		pc, ok := s.takeIdle(addr)
		if !ok {
			break
		}
		if time.Since(pc.idleAt) < connIdle && alive(pc.conn) && pc.br.Buffered() == 0 {
			return pc, nil
		}
		s.drop(pc) // idle too long, closed by the app (a restart), or it sent unasked bytes
	}
	d := s.dialer
	d.Deadline = deadline
	c, err := d.DialContext(s.ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	pc := &pconn{conn: c}
	pc.count.r = c
	pc.br, pc.bw = bufio.NewReader(&pc.count), bufio.NewWriter(c)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		c.Close()
		return nil, net.ErrClosed
	}
	s.open[pc] = struct{}{}
	return pc, nil
}

func (s *connSender) takeIdle(addr string) (*pconn, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	list := s.idle[addr]
	if len(list) == 0 {
		return nil, false
	}
	pc := list[len(list)-1]
	list[len(list)-1] = nil
	s.idle[addr] = list[:len(list)-1]
	return pc, true
}

// put keeps pc for the next forward to addr.
func (s *connSender) put(addr string, pc *pconn) {
	s.mu.Lock()
	if s.closed || len(s.idle[addr]) >= maxIdlePerHost {
		s.mu.Unlock()
		s.drop(pc)
		return
	}
	pc.idleAt = time.Now()
	s.idle[addr] = append(s.idle[addr], pc)
	if !s.sweeping {
		s.sweeping = true
		time.AfterFunc(connIdle, s.sweep)
	}
	s.mu.Unlock()
}

// sweep closes connections idle over connIdle (the oldest are first in
// each list), and comes again while any stay idle: an app's closed
// connection must not linger half-closed on kwh's side.
func (s *connSender) sweep() {
	s.mu.Lock()
	defer s.mu.Unlock()
	cutoff := time.Now().Add(-connIdle)
	left := 0
	for addr, list := range s.idle {
		n := 0
		for n < len(list) && !list[n].idleAt.After(cutoff) {
			delete(s.open, list[n])
			list[n].conn.Close()
			n++
		}
		rest := copy(list, list[n:])
		clear(list[rest:])
		s.idle[addr] = list[:rest]
		left += rest
	}
	s.sweeping = left > 0 && !s.closed
	if s.sweeping {
		time.AfterFunc(connIdle/2, s.sweep)
	}
}

// drop closes pc for good.
func (s *connSender) drop(pc *pconn) {
	s.mu.Lock()
	delete(s.open, pc)
	s.mu.Unlock()
	pc.conn.Close()
}

// closeAll ends every connection and dial, so forwards in flight fail at
// once (the hard stop after the shutdown grace), and refuses new ones.
func (s *connSender) closeAll() {
	s.cancel()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	for pc := range s.open {
		pc.conn.Close()
	}
	clear(s.open)
	clear(s.idle)
}
