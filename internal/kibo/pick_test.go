package kibo

import (
	"errors"
	"testing"
)

func TestMatchID(t *testing.T) {
	id := "3f9c5e0e2b8a4d7f9c1e6a2b4d8f00a1"
	for typed, want := range map[string]bool{id: true, "3F9C": true, "3f9c…a1": true, "3f9c…a2": false, "4f": false} {
		if MatchID(id, typed) != want {
			t.Errorf("MatchID(%q) != %v", typed, want)
		}
	}
}

func TestPickSubscription(t *testing.T) {
	subs := []EventSubscription{{ID: "3f9c5e0e2b8a4d7f9c1e6a2b4d8f00a1"}, {ID: "3f9d000000000000000000000000b2b2"}, {ID: "77aa"}}
	tests := []struct {
		typed, want string
		err         any
	}{
		{"3F9C5E0E2B8A4D7F9C1E6A2B4D8F00A1", subs[0].ID, nil},
		{"3f9c…a1", subs[0].ID, nil},
		{"77", "77aa", nil},
		{"3f9", "", &AmbiguousSubscriptionError{}},
		{"nope", "", &NoSuchSubscriptionError{}},
	}
	for _, tt := range tests {
		got, err := PickSubscription(subs, tt.typed)
		switch want := tt.err.(type) {
		case nil:
			if err != nil || got.ID != tt.want {
				t.Errorf("%q: %q, %v; want %q", tt.typed, got.ID, err, tt.want)
			}
		case *AmbiguousSubscriptionError:
			if !errors.As(err, &want) || len(want.IDs) != 2 {
				t.Errorf("%q: %v, want ambiguous between two", tt.typed, err)
			}
		case *NoSuchSubscriptionError:
			if !errors.As(err, &want) || want.Among != 3 {
				t.Errorf("%q: %v, want none among 3", tt.typed, err)
			}
		}
	}
}
