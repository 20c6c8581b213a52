package store

import "errors"

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
