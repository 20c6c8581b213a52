package listen_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
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

// A listen.admin another user planted in the store folder is replaced by a
// new 0600 file, never written into: the planter cannot read the token.
func TestAdminFileIsNeverAPlantedOne(t *testing.T) {
	dir := t.TempDir()
	planted := filepath.Join(dir, listen.AdminFile)
	if err := os.WriteFile(planted, nil, 0o666); err != nil {
		t.Fatal(err)
	}
	_ = os.Chmod(planted, 0o666)
	spy, err := os.Open(planted)
	if err != nil {
		t.Fatal(err)
	}
	defer spy.Close()
	l, err := listen.Start(listen.Config{StoreDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Stop()
	<-l.Events()
	if b, _ := io.ReadAll(spy); len(b) != 0 {
		t.Fatalf("the planted file received %d bytes", len(b))
	}
	fi, err := os.Stat(planted)
	if err != nil {
		t.Fatal(err)
	}
	if perm := fi.Mode().Perm(); perm != 0o600 {
		t.Fatalf("admin file mode %04o, want 0600", perm)
	}
}
