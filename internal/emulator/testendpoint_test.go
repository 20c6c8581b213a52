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
	e.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, ControlPrefix, nil))
	date, err := http.ParseTime(rec.Header().Get("Date"))
	if err != nil {
		t.Fatal(err)
	}
	if skew := time.Until(date); skew < 198*time.Second || skew > 201*time.Second {
		t.Errorf("Date is %s ahead, want 200 s", skew)
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
