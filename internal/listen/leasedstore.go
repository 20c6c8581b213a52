package listen

import (
	"time"

	"github.com/kwh-cli/kwh/internal/store"
)

// leasedStore tells sharing when a forward leaves the spool, and when one
// could not be read, through the calls the forwarder makes anyway.
type leasedStore struct {
	store.ListenStore
	s *sharing
}

func (l leasedStore) Complete(p store.Pending, st store.ForwardState) error {
	err := l.ListenStore.Complete(p, st)
	if err == nil {
		l.s.left(p.DeliveryID, p.Target)
	}
	return err
}

func (l leasedStore) GiveUp(p store.Pending, st store.ForwardState) error {
	err := l.ListenStore.GiveUp(p, st)
	if err == nil {
		l.s.left(p.DeliveryID, p.Target)
	}
	return err
}

func (l leasedStore) Retarget(p store.Pending, to []string, note string, at time.Time) error {
	err := l.ListenStore.Retarget(p, to, note, at)
	if err == nil {
		l.s.left(p.DeliveryID, p.Target)
	}
	return err
}

func (l leasedStore) Get(id uint64) (*store.Delivery, error) {
	d, err := l.ListenStore.Get(id)
	if err != nil {
		l.s.lost(id)
	}
	return d, err
}
