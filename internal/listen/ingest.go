package listen

import (
	"fmt"
	"net/http"

	"github.com/kwh-cli/kwh/internal/store"
	"github.com/kwh-cli/kwh/internal/webhook"
)

// The pull queue can feed the same store and forwarder as HTTP pushes, for a
// developer with no tunnel: Start without an Addr and Ingest each event.

// Ingest stores a push that came from elsewhere (the pull queue), signed with
// the configured secret as Kibo would sign it, and forwards it unless its
// eventId was seen. It reports whether it was a duplicate.
func (r *Receiver) Ingest(p webhook.Push, c webhook.Context, remote string) (bool, error) {
	if err := webhook.CheckEventID(p.EventID); err != nil {
		return false, fmt.Errorf("not stored: %w", err)
	}
	body := p.Marshal()
	now := r.cfg.Now()
	h := webhook.SignedHeaders(r.cfg.Secret, c, body, now)
	d := &store.Delivery{
		ReceivedAt: now, EventID: p.EventID, Topic: p.Topic, EntityID: p.EntityID,
		Method: http.MethodPost, Path: "/", Host: "pull-queue", Remote: remote, Header: h, Body: body,
	}
	if r.cfg.wanted(p.Topic) {
		d.Targets = r.cfg.targetsFor(p.Topic)
	} else {
		d.Skipped = true
	}
	return r.persist(d, func() {})
}
