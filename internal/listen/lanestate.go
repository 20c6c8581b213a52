package listen

import "github.com/kwh-cli/kwh/internal/store"

// A lane's state changes, all under f.mu: when it is queued for a worker,
// busy, finished with its head or waiting for records.

// settle queues a lane for a worker when it can send now, or forgets it
// when it has nothing left to do; f.mu is held.
func (f *forwarder) settle(l *lane) {
	if f.queueLane(l) {
		f.wake.Signal()
	}
}

// queueLane puts a lane that can send now on the runnable queue, or forgets
// a lane with nothing left to do; true when it queued the lane. f.mu is held.
func (f *forwarder) queueLane(l *lane) bool {
	switch {
	case len(l.queue) == 0 && !l.busy && l.unrecorded == 0:
		if f.lanes[l.key] == l {
			delete(f.lanes, l.key)
		}
	case len(l.queue) > 0 && !l.busy && l.unrecorded < f.runAhead() && !l.queued && !f.stopped:
		l.queued = true
		f.runnable = append(f.runnable, l)
		return true
	}
	return false
}

func (f *forwarder) park(l *lane) {
	f.mu.Lock()
	defer f.mu.Unlock()
	l.busy = false
	f.parked = append(f.parked, l)
}

// wakeLanes makes lanes Config.MayRun refused runnable again, to be asked again.
func (f *forwarder) wakeLanes() {
	f.mu.Lock()
	defer f.mu.Unlock()
	parked := f.parked
	f.parked = nil
	for _, l := range parked {
		f.settle(l)
	}
}

// finish takes a lane's head job out of it and out of the backlog: it was
// delivered, given up or unreadable. With an outcome to write, the lane
// counts it unrecorded until recorded. The lane's next job may go once
// released.
func (f *forwarder) finish(l *lane, outcome bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	j := l.queue[0]
	l.queue[0] = job{}
	l.queue = l.queue[1:]
	f.held -= j.held
	f.backlog.done(j.id)
	if outcome {
		l.unrecorded++
	}
}

// recorded notes a finished forward's outcome written.
func (f *forwarder) recorded(l *lane) {
	f.mu.Lock()
	defer f.mu.Unlock()
	l.unrecorded--
	f.settle(l)
}

// release ends a lane's busy spell: its head may go (again).
func (f *forwarder) release(l *lane) {
	f.mu.Lock()
	defer f.mu.Unlock()
	l.busy = false
	f.settle(l)
}

// handBack is release by the worker that held the lane, on its way back to
// next: it wakes no other worker, since it takes a runnable lane itself at
// once. A woken worker would wait behind every runnable goroutine before it
// ran, and a lane that keeps order (--order topic) sends nothing meanwhile.
func (f *forwarder) handBack(l *lane) {
	f.mu.Lock()
	defer f.mu.Unlock()
	l.busy = false
	f.queueLane(l)
}

// keepHead stores what a retry of the lane's head needs: its delivery and
// the next attempt's number.
func (f *forwarder) keepHead(l *lane, d *store.Delivery, attempt int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	l.queue[0].d, l.queue[0].attempt = d, attempt
}
