package kibo

import (
	"testing"
	"time"
)

func TestDeliveryState(t *testing.T) {
	i := func(n int32) *int32 { return &n }
	at := func(code int32, min int) DeliveryAttempt {
		return DeliveryAttempt{HTTPStatus: &HTTPStatus{Code: code}, ExecutionDate: NewTime(time.Date(2026, 11, 20, 12, min, 0, 0, time.UTC))}
	}
	tests := []struct {
		name string
		s    EventDeliverySummary
		want DeliveryState
	}{
		{"2xx last attempt", EventDeliverySummary{DeliveryStatus: "Failed", RetriesRemaining: i(0), DeliveryAttempts: []DeliveryAttempt{at(500, 1), at(200, 5)}}, Delivered},
		{"attempts out of order", EventDeliverySummary{RetriesRemaining: i(0), DeliveryAttempts: []DeliveryAttempt{at(200, 5), at(500, 1)}}, Delivered},
		{"no retries left", EventDeliverySummary{DeliveryStatus: "Whatever", RetriesRemaining: i(0), DeliveryAttempts: []DeliveryAttempt{at(500, 1)}}, Dead},
		{"running with no retries left", EventDeliverySummary{IsRunning: true, RetriesRemaining: i(0), DeliveryAttempts: []DeliveryAttempt{at(500, 1)}}, Retrying},
		{"retries left", EventDeliverySummary{DeliveryStatus: "FAILED", RetriesRemaining: i(2), DeliveryAttempts: []DeliveryAttempt{at(503, 1)}}, Retrying},
		{"unknown retries, failed status", EventDeliverySummary{DeliveryStatus: "Failed"}, Dead},
		{"unknown retries, opaque status", EventDeliverySummary{DeliveryStatus: "Queued"}, Retrying},
		{"success without attempts", EventDeliverySummary{DeliveryStatus: "success", RetriesRemaining: i(0)}, Delivered},
	}
	for _, tt := range tests {
		if got := tt.s.State(); got != tt.want {
			t.Errorf("%s: %s, want %s", tt.name, got, tt.want)
		}
	}
}
