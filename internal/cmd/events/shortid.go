package events

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/kwh-cli/kwh/internal/cmdutil"
	"github.com/kwh-cli/kwh/internal/kibo"
)

// shortShape is an id as the tables shorten it (5f1c…01; "..." typed for
// "…" too) or a prefix of at least 4 hex digits.
var shortShape = regexp.MustCompile(`^[0-9a-f]{4,}((…|\.\.\.)[0-9a-f]*)?$`)

func shortForm(typed string) string {
	return strings.ReplaceAll(strings.ToLower(strings.ReplaceAll(strings.TrimSpace(typed), "-", "")), "...", "…")
}

func looksShortened(typed string) bool { return shortShape.MatchString(shortForm(typed)) }

// resolveShortID finds the one event a shortened id names: Kibo is asked for
// ids starting with its prefix, the rest is matched here.
func resolveShortID(ctx context.Context, client *kibo.Client, typed string) (string, error) {
	short := shortForm(typed)
	prefix, _, _ := strings.Cut(short, "…")
	list, err := client.PullEvents(ctx, kibo.ListParams{Filter: "id sw " + prefix}, func(e kibo.Event) bool {
		return kibo.MatchID(e.ID, short)
	})
	if err != nil {
		return "", err
	}
	switch len(list.Items) {
	case 1:
		return list.Items[0].ID, nil
	case 0:
		return "", &cmdutil.ExitError{Code: cmdutil.ExitFailure, Err: fmt.Errorf("no event in the pull queue matches %q (see `kwh events list`)", typed)}
	}
	var b strings.Builder
	for i, e := range list.Items {
		if i == 10 {
			fmt.Fprintf(&b, "\n  … and %d more", len(list.Items)-i)
			break
		}
		fmt.Fprintf(&b, "\n  %s  %s %s", e.ID, e.Topic, e.EntityID)
	}
	return "", cmdutil.FlagErrorf("%q matches %d events; give more of the id:%s", typed, len(list.Items), b.String())
}
