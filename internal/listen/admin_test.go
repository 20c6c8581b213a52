package listen_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/kwh-cli/kwh/internal/listen"
)

func TestAdminAuthorization(t *testing.T) {
	_, st := newReceiver(t, listen.Config{})
	h := listen.AdminHandler(st, "s3cret")
	tests := []struct {
		header string
		want   int
	}{
		{"Bearer s3cret", http.StatusOK},
		{"bearer s3cret", http.StatusOK},
		{"BEARER s3cret", http.StatusOK},
		{"s3cret", http.StatusUnauthorized},
		{"Basic s3cret", http.StatusUnauthorized},
		{"Bearer wrong", http.StatusUnauthorized},
		{"Bearer", http.StatusUnauthorized},
		{"", http.StatusUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.header, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, "/inbox", nil)
			if tt.header != "" {
				req.Header.Set("Authorization", tt.header)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tt.want {
				t.Fatalf("Authorization %q: %d, want %d", tt.header, rec.Code, tt.want)
			}
		})
	}
}
