package kibo

import "strings"

// DeliveryState is kwh's reading of a delivery summary. Kibo publishes no enum
// for deliveryStatus, so the state is decided from the other fields first.
type DeliveryState string

const (
	Delivered DeliveryState = "delivered"
	Retrying  DeliveryState = "retrying"
	Dead      DeliveryState = "dead"
)

// LastAttempt is the most recent attempt, or nil when there was none.
func (s EventDeliverySummary) LastAttempt() *DeliveryAttempt {
	var last *DeliveryAttempt
	for i := range s.DeliveryAttempts {
		a := &s.DeliveryAttempts[i]
		if last == nil || (a.ExecutionDate != nil && (last.ExecutionDate == nil || !a.ExecutionDate.Before(last.ExecutionDate.Time))) {
			last = a
		}
	}
	return last
}

// State decides delivered, retrying or dead: a 2xx last attempt means
// delivered; running or with retries left means retrying; no retries left
// means dead. Only when retriesRemaining is unknown does the opaque
// deliveryStatus decide.
func (s EventDeliverySummary) State() DeliveryState {
	if last := s.LastAttempt(); last != nil && last.HTTPStatus != nil && last.HTTPStatus.Code >= 200 && last.HTTPStatus.Code < 300 {
		return Delivered
	}
	status := strings.ToLower(s.DeliveryStatus)
	if len(s.DeliveryAttempts) == 0 && containsAny(status, "success", "delivered", "complete") {
		return Delivered
	}
	switch {
	case s.IsRunning:
		return Retrying
	case s.RetriesRemaining != nil && *s.RetriesRemaining > 0:
		return Retrying
	case s.RetriesRemaining != nil:
		return Dead
	case containsAny(status, "fail", "dead", "error", "expired", "abandon"):
		return Dead
	case containsAny(status, "success", "delivered", "complete"):
		return Delivered
	}
	return Retrying
}

func containsAny(s string, subs ...string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}
