package cmdutil

import (
	"fmt"
	"strings"

	"github.com/kwh-cli/kwh/internal/kibo"
	"github.com/kwh-cli/kwh/internal/output"
)

// PickSubscription finds the subscription a user means: the full id, a unique
// prefix, or the short form tables print.
func PickSubscription(subs []kibo.EventSubscription, typed string) (kibo.EventSubscription, error) {
	var found []kibo.EventSubscription
	for _, s := range subs {
		if strings.EqualFold(s.ID, typed) {
			return s, nil
		}
		if output.MatchID(s.ID, typed) {
			found = append(found, s)
		}
	}
	switch len(found) {
	case 1:
		return found[0], nil
	case 0:
		return kibo.EventSubscription{}, &ExitError{Code: ExitFailure, Err: fmt.Errorf("no subscription %q among %d (see `kwh subs list`)", typed, len(subs))}
	}
	ids := make([]string, len(found))
	for i, s := range found {
		ids[i] = s.ID
	}
	return kibo.EventSubscription{}, FlagErrorf("%q matches %d subscriptions: %s", typed, len(found), strings.Join(ids, ", "))
}
