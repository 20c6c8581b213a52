package listen

import (
	"fmt"
	"strconv"
	"strings"
)

// Order is how forwards are kept in order (--order): forwards in the same
// lane are sent one at a time, in arrival order; different lanes run at
// once, up to --forward-concurrency in flight.
type Order string

const (
	// OrderTopic keeps order per (target, topic): Kibo's own promise (seed
	// 001 "Out-Of-Order Events"); few lanes, so few forwards in flight.
	OrderTopic Order = "topic"
	// OrderEntity keeps order per (target, topic, entityId): what a process
	// flow needs (an order's events in order), with a lane per entity.
	OrderEntity Order = "entity"
	// OrderNone keeps no order: every forward is its own lane.
	OrderNone Order = "none"
)

// Orders lists the --order values, the default first.
var Orders = []Order{OrderTopic, OrderEntity, OrderNone}

// ParseOrder reads an --order value; "" is the default, topic.
func ParseOrder(s string) (Order, error) {
	if s == "" {
		return OrderTopic, nil
	}
	for _, o := range Orders {
		if string(o) == s {
			return o, nil
		}
	}
	return "", fmt.Errorf("unknown order %q: want topic (Kibo's promise, the default), entity (topic and entityId) or none", s)
}

// Lane names the lane a forward runs in. Only the fields the order keeps
// are set (Delivery only with OrderNone), so equal lanes are equal values:
// a map key here, and String gives the same key to another replica (Redis
// lane leases build on it).
type Lane struct {
	Target   string
	Topic    string
	EntityID string
	Delivery uint64
}

// LaneKey is the one place that decides which forwards share a lane.
func LaneKey(order Order, target, topic, entityID string, delivery uint64) Lane {
	switch order {
	case OrderEntity:
		return Lane{Target: target, Topic: topic, EntityID: entityID}
	case OrderNone:
		return Lane{Target: target, Delivery: delivery}
	default:
		return Lane{Target: target, Topic: topic}
	}
}

// String is the lane as one string, unambiguous whatever the fields hold
// (each is length-prefixed), e.g. for a Redis key.
func (l Lane) String() string {
	var b strings.Builder
	for _, s := range []string{l.Target, l.Topic, l.EntityID} {
		b.WriteString(strconv.Itoa(len(s)))
		b.WriteByte(':')
		b.WriteString(s)
	}
	if l.Delivery != 0 {
		b.WriteString(strconv.FormatUint(l.Delivery, 10))
	}
	return b.String()
}
