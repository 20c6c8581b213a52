package store

import (
	"errors"
	"time"
)

// What a store shared over the network (Redis) adds to the contract. A
// store only this process holds (bbolt) implements none of it, and kwh
// listen works as before without it.

// ErrUnconfirmed is wrapped by an Accept that stored the event but could
// not confirm it is as durable as asked (--redis-wait: fewer replicas
// acknowledged it in time). The event is kept, spooled when new and given
// its inbox ID, yet the receiver must not acknowledge it: it answers 503
// and the sender's retry, a duplicate, is acknowledged once the store can
// confirm it.
var ErrUnconfirmed = errors.New("the store kept the event but could not confirm it is durable")

// Durability is what a crash of a store's server could lose, as read from
// that server's settings when kwh starts.
type Durability struct {
	// Statement says it plainly, for a person.
	Statement string
	// Lossless is true when a crash loses nothing acknowledged.
	Lossless bool
}

// DurabilityReader is a store whose durability depends on a server's
// settings: kwh listen reads and reports them at start.
type DurabilityReader interface {
	Durability() Durability
}

// Prober is a store that can check it takes writes without storing an
// event: /readyz asks it, and while it fails kwh listen asks it again until
// it recovers, so readiness follows the store even when no push arrives.
type Prober interface {
	Probe() error
}

// LanePartitions is how many partitions a shared store leases lanes in: a
// lane's partition is a hash of its key modulo this, the same on every
// replica, so many lanes (--order entity) still mean few lease keys.
const LanePartitions = 64

// Leaser is a store several replicas share that leases partitions of lanes
// to one replica at a time: a replica forwards only the lanes of the
// partitions it holds, so each forward is sent by one replica at a time and
// order per lane holds across replicas. A lease lapses unless renewed: the
// partitions of a replica that died go to the others within a lease time.
type Leaser interface {
	// Lease renews this replica's partitions for ttl and takes free ones
	// up to its share (every partition divided among the live replicas,
	// rounded up); it returns the partitions it holds and its share. One
	// holding more than its share (it was alone when it took them) gives
	// the excess up (Release) once nothing of theirs is in flight.
	Lease(ttl time.Duration) (held []int, share int, err error)
	// Release gives partitions up at once, so others take them at their
	// next renewal; leaving also says this replica is gone (shutdown).
	Release(partitions []int, leaving bool) error
	// SpoolAfter returns up to limit spooled forwards whose DeliveryID is
	// above after, in arrival order, with Topic and EntityID. What is
	// spooled later always has a higher DeliveryID. A delivery's forwards
	// come together, so a page may hold more than limit; fewer than limit
	// means there was no more.
	SpoolAfter(after uint64, limit int) ([]Pending, error)
	// Spooled says (a value on the channel, several coalesced) that some
	// replica spooled forwards, until stop is called.
	Spooled() (nudges <-chan struct{}, stop func())
}
