package kibo

import (
	"context"
	"fmt"
	"strings"
)

// MatchID reports whether a typed id names id: a case-insensitive prefix, or
// the short form tables print ("6b1c…ef": a prefix and a suffix).
func MatchID(id, typed string) bool {
	id, typed = strings.ToLower(id), strings.ToLower(typed)
	if pre, suf, ok := strings.Cut(typed, "…"); ok {
		return len(id) >= len(pre)+len(suf) && strings.HasPrefix(id, pre) && strings.HasSuffix(id, suf)
	}
	return strings.HasPrefix(id, typed)
}

// NoSuchSubscriptionError is a typed id that names none of the subscriptions.
type NoSuchSubscriptionError struct {
	Typed string
	Among int
}

func (e *NoSuchSubscriptionError) Error() string {
	return fmt.Sprintf("no subscription %q among %d (see `kwh subs list`)", e.Typed, e.Among)
}

// AmbiguousSubscriptionError is a typed id that names several subscriptions.
type AmbiguousSubscriptionError struct {
	Typed string
	IDs   []string
}

func (e *AmbiguousSubscriptionError) Error() string {
	return fmt.Sprintf("%q matches %d subscriptions: %s", e.Typed, len(e.IDs), strings.Join(e.IDs, ", "))
}

// PickSubscription finds the subscription a user means: the full id, a unique
// prefix, or the short form tables print.
func PickSubscription(subs []EventSubscription, typed string) (EventSubscription, error) {
	var found []EventSubscription
	for _, s := range subs {
		if strings.EqualFold(s.ID, typed) {
			return s, nil
		}
		if MatchID(s.ID, typed) {
			found = append(found, s)
		}
	}
	switch len(found) {
	case 1:
		return found[0], nil
	case 0:
		return EventSubscription{}, &NoSuchSubscriptionError{Typed: typed, Among: len(subs)}
	}
	ids := make([]string, len(found))
	for i, s := range found {
		ids[i] = s.ID
	}
	return EventSubscription{}, &AmbiguousSubscriptionError{Typed: typed, IDs: ids}
}

// SubscriptionsNamed returns every subscription, or only the one typed names
// (see PickSubscription), with the sites' own isActive, which only comes with
// the SubscribingSites response group.
func (c *Client) SubscriptionsNamed(ctx context.Context, typed string) ([]EventSubscription, error) {
	list, err := c.Subscriptions(ctx, ListParams{ResponseGroups: "SubscribingSites"}, nil)
	if err != nil {
		return nil, err
	}
	if typed == "" {
		return list.Items, nil
	}
	s, err := PickSubscription(list.Items, typed)
	if err != nil {
		return nil, err
	}
	return []EventSubscription{s}, nil
}
