package emulator

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestClockSkewDatesAnswers(t *testing.T) {
	e := New(Seed{})
	e.SetClockSkew(200 * time.Second)
	rec := httptest.NewRecorder()
	before := time.Now()
	e.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, ControlPrefix, nil))
	after := time.Now()
	date, err := http.ParseTime(rec.Header().Get("Date"))
	if err != nil {
		t.Fatal(err)
	}
	// Date has whole seconds: it is the skewed time of some instant of the
	// call, truncated, however long the call took on a loaded machine.
	lo, hi := before.Add(200*time.Second).Truncate(time.Second), after.Add(200*time.Second)
	if date.Before(lo) || date.After(hi) {
		t.Errorf("Date %s, want 200 s ahead of the call: between %s and %s", date, lo, hi)
	}
}

func TestTestEndpoints(t *testing.T) {
	tests := []struct {
		behaviour string
		status    int
		location  string
	}{
		{"200", 200, ""},
		{"202", 202, ""},
		{"500", 500, ""},
		{"redirect", 308, TestEndpointPath("200")},
		{"teapot", 404, ""},
	}
	for _, tt := range tests {
		rec := httptest.NewRecorder()
		New(Seed{}).ServeHTTP(rec, httptest.NewRequest(http.MethodPost, TestEndpointPath(tt.behaviour), strings.NewReader("{}")))
		if rec.Code != tt.status || rec.Header().Get("Location") != tt.location {
			t.Errorf("%s: %d %q, want %d %q", tt.behaviour, rec.Code, rec.Header().Get("Location"), tt.status, tt.location)
		}
	}
}
