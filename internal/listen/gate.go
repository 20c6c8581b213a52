package listen

import (
	"runtime"
	"sync/atomic"
)

// ingestGate bounds how many pushes are past their checks and in kwh's
// own work at once (store, acknowledge). Verify and parse come before it
// (and before pacing), so a refused push never waits: microseconds for
// Kibo's bodies, bounded by --max-body. Go schedules every
// runnable goroutine alike: under a flood, thousands of request goroutines
// would queue ahead of each of a forward's few wake-ups (request written,
// response read, outcome stored), and forwarding would collapse as acks
// rose. Behind the gate, waiting pushes are parked, not runnable, so a
// forward waits behind a bounded queue. Bodies are read before the gate, so
// a slow sender never holds a slot; --sync (a push waits for the app)
// has no gate.
type ingestGate struct {
	slots   chan struct{} // nil: unbounded
	waiting atomic.Int64
}

// DefaultIngestSlots is Config.IngestSlots' default per CPU: enough pushes
// at once to fill a group commit while the last one is on its way to disk.
const DefaultIngestSlots = 16

func newIngestGate(slots int, sync bool) *ingestGate {
	g := &ingestGate{}
	if slots < 0 || sync {
		return g
	}
	if slots == 0 {
		slots = DefaultIngestSlots * runtime.GOMAXPROCS(0)
	}
	g.slots = make(chan struct{}, slots)
	return g
}

// enter takes a slot, waiting for one; leave gives it back.
func (g *ingestGate) enter() {
	if g.slots == nil {
		return
	}
	select {
	case g.slots <- struct{}{}:
		return
	default:
	}
	g.waiting.Add(1)
	g.slots <- struct{}{}
	g.waiting.Add(-1)
}

func (g *ingestGate) leave() {
	if g.slots != nil {
		<-g.slots
	}
}
