package cmdutil

import "testing"

func TestSplitRoute(t *testing.T) {
	tests := []struct {
		in, glob, url string
		ok            bool
	}{
		{"order.*=http://localhost:4000/orders", "order.*", "http://localhost:4000/orders", true},
		{"http://localhost:4000/orders=order.*", "order.*", "http://localhost:4000/orders", true},
		{"order.*,shipment.*=https://h.example/x?a=b", "order.*,shipment.*", "https://h.example/x?a=b", true},
		{"https://h.example/x?a=b=order.opened", "order.opened", "https://h.example/x?a=b", true},
		{"HTTP://H/x=order.*", "order.*", "HTTP://H/x", true},
		{"order.*", "", "", false},
		{"http://h/x", "", "", false},
		{"=http://h/x", "", "", false},
		{"http://h/x=", "", "", false},
	}
	for _, tt := range tests {
		glob, url, ok := SplitRoute(tt.in)
		if ok != tt.ok || (ok && (glob != tt.glob || url != tt.url)) {
			t.Errorf("SplitRoute(%q) = %q, %q, %v; want %q, %q, %v", tt.in, glob, url, ok, tt.glob, tt.url, tt.ok)
		}
	}
}
