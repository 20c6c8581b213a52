package kibo

import (
	"fmt"
	"strings"
)

// DeliveryState is kwh's reading of a delivery summary. Kibo publishes no enum
// for deliveryStatus, so the state is decided from every field it gives.
type DeliveryState string

const (
	Delivered DeliveryState = "delivered"
	Retrying  DeliveryState = "retrying"
	Dead      DeliveryState = "dead"
	// Unknown is a summary kwh cannot decide: it counts as failing, never as
	// delivered.
	Unknown DeliveryState = "unknown"
)

// Verdict is a delivery's state and, in a few words, why.
type Verdict struct {
	State  DeliveryState
	Reason string
	// Word is Kibo's deliveryStatus as given (shown with an unknown state).
	Word string
}

// Label is the state as a person reads it: `unknown (Queued-ish)` keeps the
// word kwh could not decide.
func (v Verdict) Label() string {
	if v.State == Unknown {
		if v.Word == "" {
			return "unknown (no status)"
		}
		return fmt.Sprintf("unknown (%s)", v.Word)
	}
	return string(v.State)
}

// Status words, compared case-insensitively without spaces, dashes or
// underscores. Seed 001 names the final one: "undeliverable".
var (
	finalWords    = words("undeliverable", "expired", "dead", "deadlettered", "abandoned", "cancelled", "canceled")
	failedWords   = words("failed", "failure", "error", "errored", "unsuccessful")
	deliveredWord = words("success", "succeeded", "successful", "delivered", "complete", "completed", "ok")
	pendingWords  = words("retrying", "retry", "pending", "queued", "inprogress", "running", "scheduled", "processing", "new", "created", "waiting")
)

func words(ws ...string) map[string]bool {
	m := make(map[string]bool, len(ws))
	for _, w := range ws {
		m[w] = true
	}
	return m
}

func normalWord(s string) string {
	return strings.NewReplacer(" ", "", "-", "", "_", "").Replace(strings.ToLower(strings.TrimSpace(s)))
}

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

// State is Verdict().State.
func (s EventDeliverySummary) State() DeliveryState { return s.Verdict().State }

// Verdict decides delivered, retrying, dead or unknown, in this order:
//   - a last attempt answered 200 (Kibo's only success) is delivered;
//   - a final status word (Undeliverable, Expired) is dead, whatever else says;
//   - running, or retries left, is retrying;
//   - no retries left after an attempt that was not 200 is dead;
//   - otherwise the status word decides, and a word kwh does not know is
//     unknown (failing for --fail-if-any), never delivered.
func (s EventDeliverySummary) Verdict() Verdict {
	word := normalWord(s.DeliveryStatus)
	v := Verdict{Word: s.DeliveryStatus}
	last := s.LastAttempt()
	switch {
	case last != nil && last.HTTPStatus != nil && PushAccepted(int(last.HTTPStatus.Code)):
		v.State, v.Reason = Delivered, "the last attempt was answered 200"
	case finalWords[word]:
		v.State, v.Reason = Dead, fmt.Sprintf("Kibo marked it %s: it will not try again", s.DeliveryStatus)
		if last != nil {
			v.Reason += "; " + AttemptFailure(last)
		}
	case s.IsRunning:
		v.State, v.Reason = Retrying, "an attempt is running"
	case s.RetriesRemaining != nil && *s.RetriesRemaining > 0:
		v.State, v.Reason = Retrying, fmt.Sprintf("%d %s left", *s.RetriesRemaining, plural(int(*s.RetriesRemaining), "retry", "retries"))
	case s.RetriesRemaining != nil && last != nil:
		v.State, v.Reason = Dead, "no retries left; "+AttemptFailure(last)
	default:
		v.State, v.Reason = fromWord(word, last)
	}
	return v
}

// fromWord decides from the status word alone (retries unknown, or none left
// before any attempt).
func fromWord(word string, last *DeliveryAttempt) (DeliveryState, string) {
	switch {
	case deliveredWord[word] && last == nil:
		return Delivered, "Kibo reports it delivered"
	case failedWords[word]:
		reason := "Kibo reports it failed"
		if last != nil {
			reason += "; " + AttemptFailure(last)
		}
		return Dead, reason
	case pendingWords[word]:
		return Retrying, "Kibo has not finished with it"
	}
	return Unknown, "kwh cannot tell what this deliveryStatus means; counted as failing"
}

// AttemptFailure says why an attempt did not count as delivered.
func AttemptFailure(a *DeliveryAttempt) string {
	switch {
	case a == nil:
		return "no attempt was made"
	case a.HTTPStatus == nil || a.HTTPStatus.Code == 0:
		if a.Message != "" {
			return "last attempt: " + a.Message
		}
		return "last attempt got no answer"
	case PushAccepted(int(a.HTTPStatus.Code)):
		return "last attempt was answered 200"
	}
	return "last attempt was answered " + PushRefusal(int(a.HTTPStatus.Code))
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
