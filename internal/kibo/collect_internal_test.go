package kibo

import "testing"

// TestSplitConcurrency: --concurrency bounds every request in flight, not
// each subscription's (which gave up to --concurrency² before).
func TestSplitConcurrency(t *testing.T) {
	tests := []struct{ concurrency, subs, workers, pages int }{
		{8, 1, 1, 8},  // one subscription: its pages get it all
		{8, 2, 2, 4},  // two side by side, four pages each
		{8, 3, 3, 2},  // 6 ≤ 8
		{8, 20, 8, 1}, // many: one page at a time each
		{4, 0, 1, 4},
		{0, 5, 1, 1}, // nonsense in, one at a time out
	}
	for _, tt := range tests {
		w, p := splitConcurrency(tt.concurrency, tt.subs)
		if w != tt.workers || p != tt.pages || (tt.concurrency > 0 && w*p > tt.concurrency) {
			t.Errorf("splitConcurrency(%d, %d) = %d×%d, want %d×%d", tt.concurrency, tt.subs, w, p, tt.workers, tt.pages)
		}
	}
}
