package listen

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/kwh-cli/kwh/internal/store"
	"github.com/kwh-cli/kwh/internal/store/boltstore"
)

// resume claims what the spool still holds from an earlier run, for this
// run's targets (see respool). The caller starts the jobs (f.push) once it
// has said it is ready, so no forwarded event comes before the ready one.
func (f *forwarder) resume() ([]job, error) {
	pend, err := f.cfg.Store.Claim()
	if err != nil {
		return nil, err
	}
	loaded := map[uint64]*store.Delivery{}
	get := func(id uint64) (*store.Delivery, error) {
		if d, ok := loaded[id]; ok {
			return d, nil
		}
		d, err := f.cfg.Store.Get(id)
		if err == nil {
			d.Body = nil // loaded again when its turn comes
			loaded[id] = d
		}
		return d, err
	}
	for i, p := range pend {
		if p.Topic != "" {
			continue
		}
		d, err := get(p.DeliveryID)
		if err != nil {
			return nil, err
		}
		pend[i].Topic = d.Topic
	}
	jobs, err := f.respool(pend)
	if err != nil || f.cfg.Order != OrderEntity {
		return jobs, err
	}
	for i, j := range jobs { // the spool does not keep entity ids
		d, err := get(j.id)
		if err != nil {
			return nil, err
		}
		jobs[i].entityID, jobs[i].at = d.EntityID, d.ReceivedAt
	}
	return jobs, nil
}

// respool turns what the spool holds into this run's jobs. A forward meant
// for a target this run does not have (the user changed --forward or
// --route) goes to the targets its topic has now, recorded in the store, so
// nothing retries forever against a URL the user abandoned; one event per
// old target says where its forwards went. With no target for a topic, they
// stay spooled and an event says so.
func (f *forwarder) respool(pend []store.Pending) ([]job, error) {
	spooled := map[string]bool{}
	for _, p := range pend {
		spooled[fmt.Sprint(p.DeliveryID, "|", p.Target)] = true
	}
	type moved struct {
		n  int
		to []string
	}
	byOld := map[string]*moved{}
	var order []string
	var jobs []job
	held := 0
	for _, p := range pend {
		now := f.cfg.targetsFor(p.Topic)
		if slices.Contains(now, p.Target) {
			jobs = append(jobs, job{id: p.DeliveryID, topic: p.Topic, target: p.Target})
			continue
		}
		if len(now) == 0 {
			held++
			continue
		}
		var to []string
		for _, t := range now {
			if !spooled[fmt.Sprint(p.DeliveryID, "|", t)] {
				spooled[fmt.Sprint(p.DeliveryID, "|", t)] = true
				to = append(to, t)
			}
		}
		note := "moved to " + strings.Join(now, ", ") + " (a later kwh listen's targets)"
		if err := f.cfg.Store.Retarget(p, to, note, f.cfg.Now()); err != nil {
			return jobs, err
		}
		for _, t := range to {
			jobs = append(jobs, job{id: p.DeliveryID, topic: p.Topic, target: t})
		}
		m := byOld[p.Target]
		if m == nil {
			m = &moved{}
			byOld[p.Target] = m
			order = append(order, p.Target)
		}
		m.n++
		for _, t := range now {
			if !slices.Contains(m.to, t) {
				m.to = append(m.to, t)
			}
		}
	}
	for _, old := range order {
		m := byOld[old]
		f.emit(Event{Kind: KindRespooled, Target: old, Targets: m.to, Pending: m.n,
			Reason: fmt.Sprintf("%d spooled %s meant for %s %s to %s, this run's targets", m.n, plural(m.n, "forward", "forwards"), old, plural(m.n, "goes", "go"), strings.Join(m.to, ", "))})
	}
	if held > 0 {
		f.emit(Event{Kind: KindRespooled, Pending: held,
			Reason: fmt.Sprintf("%d spooled %s wait for a --forward target (kwh inbox drop --all-pending drops them)", held, plural(held, "forward", "forwards"))})
	}
	return jobs, nil
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// ErrListenerRunning means a kwh listen holds the store.
var ErrListenerRunning = errors.New("a kwh listen is running on this store")

// DropPending takes forwards out of a stopped listener's spool, so nothing
// retries them: those of the inbox ids given, or every one with all. They
// stay in the inbox, marked dropped. It returns what it dropped.
func DropPending(dir string, ids []uint64, all bool, now time.Time) ([]store.Pending, error) {
	if c := dialAdmin(dir); c != nil {
		_ = c.Close()
		return nil, ErrListenerRunning
	}
	st, err := boltstore.Open(filepath.Join(dir, StoreFile))
	if err != nil {
		return nil, err
	}
	defer st.Close()
	return DropSpooled(st, ids, all, now)
}

// DropSpooled takes forwards out of a store's spool (of the inbox ids given,
// or every one with all), recorded as dropped: DropPending for a stopped
// listener's store, or directly on a store several replicas share (Redis),
// where they leave the shared spool at once.
func DropSpooled(st store.ListenStore, ids []uint64, all bool, now time.Time) ([]store.Pending, error) {
	pend, err := st.Claim()
	if err != nil {
		return nil, err
	}
	var dropped []store.Pending
	for _, p := range pend {
		if all || slices.Contains(ids, p.DeliveryID) {
			if err := st.Retarget(p, nil, "dropped (kwh inbox drop)", now); err != nil {
				return dropped, err
			}
			dropped = append(dropped, p)
		}
	}
	return dropped, nil
}
