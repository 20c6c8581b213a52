package kibo

import (
	"strings"
	"testing"
	"time"
)

// TestDeliveryState is the decision table: every status word kwh names,
// with retriesRemaining null, positive and zero, running or not, and the
// last attempt's status.
func TestDeliveryState(t *testing.T) {
	i := func(n int32) *int32 { return &n }
	at := func(code int32, min int) DeliveryAttempt {
		return DeliveryAttempt{HTTPStatus: &HTTPStatus{Code: code}, ExecutionDate: NewTime(time.Date(2026, 11, 20, 12, min, 0, 0, time.UTC))}
	}
	fail := []DeliveryAttempt{at(500, 1)}
	tests := []struct {
		name   string
		s      EventDeliverySummary
		want   DeliveryState
		reason string // a part of the reason, when it matters
	}{
		{"200 last attempt", EventDeliverySummary{DeliveryStatus: "Failed", RetriesRemaining: i(0), DeliveryAttempts: []DeliveryAttempt{at(500, 1), at(200, 5)}}, Delivered, "200"},
		{"attempts out of order", EventDeliverySummary{RetriesRemaining: i(0), DeliveryAttempts: []DeliveryAttempt{at(200, 5), at(500, 1)}}, Delivered, ""},
		{"202 last attempt, no retries left", EventDeliverySummary{DeliveryStatus: "Success", RetriesRemaining: i(0), DeliveryAttempts: []DeliveryAttempt{at(202, 1)}}, Dead, "202 Accepted, not 200"},
		{"204 last attempt, retries left", EventDeliverySummary{DeliveryStatus: "Retrying", RetriesRemaining: i(3), DeliveryAttempts: []DeliveryAttempt{at(204, 1)}}, Retrying, "3 retries left"},
		{"201 last attempt, unknown retries", EventDeliverySummary{DeliveryStatus: "Failed", DeliveryAttempts: []DeliveryAttempt{at(201, 1)}}, Dead, "201 Created, not 200"},
		{"no answer, no retries left", EventDeliverySummary{RetriesRemaining: i(0), DeliveryAttempts: []DeliveryAttempt{{HTTPStatus: &HTTPStatus{}, Message: "connection refused"}}}, Dead, "connection refused"},
		{"no retries left, opaque word", EventDeliverySummary{DeliveryStatus: "Whatever", RetriesRemaining: i(0), DeliveryAttempts: fail}, Dead, "500"},
		{"Failed with nothing left", EventDeliverySummary{DeliveryStatus: "Failed", RetriesRemaining: i(0), DeliveryAttempts: fail}, Dead, ""},
		{"failed lower case, unknown retries", EventDeliverySummary{DeliveryStatus: "failed"}, Dead, ""},
		{"FAILED with retries left", EventDeliverySummary{DeliveryStatus: "FAILED", RetriesRemaining: i(2), DeliveryAttempts: []DeliveryAttempt{at(503, 1)}}, Retrying, ""},
		{"running with no retries left", EventDeliverySummary{IsRunning: true, RetriesRemaining: i(0), DeliveryAttempts: fail}, Retrying, "running"},
		{"Undeliverable, retries null", EventDeliverySummary{DeliveryStatus: "Undeliverable", DeliveryAttempts: fail}, Dead, "Undeliverable"},
		{"UNDELIVERABLE, retries positive", EventDeliverySummary{DeliveryStatus: "UNDELIVERABLE", RetriesRemaining: i(4), DeliveryAttempts: fail}, Dead, ""},
		{"undeliverable while running", EventDeliverySummary{DeliveryStatus: "undeliverable", IsRunning: true, RetriesRemaining: i(1)}, Dead, ""},
		{"Expired, retries null", EventDeliverySummary{DeliveryStatus: "Expired"}, Dead, "Expired"},
		{"expired, retries positive", EventDeliverySummary{DeliveryStatus: "expired", RetriesRemaining: i(2), DeliveryAttempts: fail}, Dead, ""},
		{"Retrying, unknown retries", EventDeliverySummary{DeliveryStatus: "Retrying", DeliveryAttempts: fail}, Retrying, ""},
		{"Pending before the first attempt (sandbox: no retries)", EventDeliverySummary{DeliveryStatus: "Pending", RetriesRemaining: i(0)}, Retrying, ""},
		{"Queued, unknown retries", EventDeliverySummary{DeliveryStatus: "Queued"}, Retrying, ""},
		{"In Progress", EventDeliverySummary{DeliveryStatus: "In Progress"}, Retrying, ""},
		{"success without attempts", EventDeliverySummary{DeliveryStatus: "success", RetriesRemaining: i(0)}, Delivered, ""},
		{"Delivered without attempts, unknown retries", EventDeliverySummary{DeliveryStatus: "Delivered"}, Delivered, ""},
		{"Success but the last attempt was 500, unknown retries", EventDeliverySummary{DeliveryStatus: "Success", DeliveryAttempts: fail}, Unknown, ""},
		{"unsuccessful is not success", EventDeliverySummary{DeliveryStatus: "Unsuccessful"}, Dead, ""},
		{"unknown word", EventDeliverySummary{DeliveryStatus: "Bogus"}, Unknown, "cannot tell"},
		{"no word, nothing known", EventDeliverySummary{}, Unknown, ""},
		{"unknown word, retries left", EventDeliverySummary{DeliveryStatus: "Bogus", RetriesRemaining: i(1)}, Retrying, ""},
	}
	for _, tt := range tests {
		v := tt.s.Verdict()
		if v.State != tt.want {
			t.Errorf("%s: %s (%s), want %s", tt.name, v.State, v.Reason, tt.want)
		}
		if tt.s.State() != v.State {
			t.Errorf("%s: State and Verdict disagree", tt.name)
		}
		if !strings.Contains(v.Reason, tt.reason) {
			t.Errorf("%s: reason %q lacks %q", tt.name, v.Reason, tt.reason)
		}
	}
}

func TestVerdictLabel(t *testing.T) {
	tests := []struct {
		v    Verdict
		want string
	}{
		{Verdict{State: Dead, Word: "Failed"}, "dead"},
		{Verdict{State: Unknown, Word: "Bogus"}, "unknown (Bogus)"},
		{Verdict{State: Unknown}, "unknown (no status)"},
	}
	for _, tt := range tests {
		if got := tt.v.Label(); got != tt.want {
			t.Errorf("%+v: %q, want %q", tt.v, got, tt.want)
		}
	}
}

func TestPushRule(t *testing.T) {
	tests := []struct {
		status  int
		ok      bool
		refusal string
	}{
		{200, true, ""},
		{201, false, "201 Created, not 200: Kibo retries anything but 200"},
		{202, false, "202 Accepted, not 200"},
		{204, false, "204 No Content, not 200"},
		{301, false, "301 Moved Permanently"},
		{500, false, "500 Internal Server Error"},
	}
	for _, tt := range tests {
		if PushAccepted(tt.status) != tt.ok {
			t.Errorf("PushAccepted(%d) = %v", tt.status, !tt.ok)
		}
		if got := PushRefusal(tt.status); !strings.HasPrefix(got, tt.refusal) || (tt.refusal == "") != (got == "") {
			t.Errorf("PushRefusal(%d) = %q, want %q", tt.status, got, tt.refusal)
		}
	}
}
