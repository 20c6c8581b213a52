package check

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/kwh-cli/kwh/internal/cmdutil"
	"github.com/kwh-cli/kwh/internal/config"
	"github.com/kwh-cli/kwh/internal/kibo"
	"github.com/kwh-cli/kwh/internal/webhook"
)

// defaultGlob is what is checked when nothing says which topics a handler
// takes: orders are what most handlers are written for.
const defaultGlob = "order.*"

// resolveTopics decides the topic names to check and says where they came
// from: --topic, --subscription, the profile's subscriptions, or order.*.
func resolveTopics(ctx context.Context, opts *Options, p config.Profile) ([]string, string, error) {
	switch {
	case len(opts.Topics) > 0:
		cmdutil.WarnUnknownLocalTopics(opts.IO.ErrOut, opts.Theme(), opts.Topics)
		topics, err := expand(opts.Topics)
		return topics, "--topic", err
	case opts.Subscription != "":
		subs, err := subscriptions(ctx, opts, p)
		if err != nil {
			return nil, "", err
		}
		s, err := kibo.PickSubscription(subs, opts.Subscription)
		if err != nil {
			return nil, "", err
		}
		if len(s.Topics) == 0 {
			return nil, "", fmt.Errorf("subscription %s has no topics to check", s.ID)
		}
		topics, err := expand(s.Topics)
		return topics, "subscription " + s.ID, err
	}
	return defaultTopics(ctx, opts, p)
}

// defaultTopics are the topics of the subscriptions that push to the URL, or
// of every subscription, or order.* when there are none or Kibo cannot say.
func defaultTopics(ctx context.Context, opts *Options, p config.Profile) ([]string, string, error) {
	fallback := func(why string) ([]string, string, error) {
		topics, err := expand([]string{defaultGlob})
		return topics, defaultGlob + " (" + why + ")", err
	}
	if p.ClientID == "" {
		return fallback("no client id to read subscriptions with")
	}
	subs, err := subscriptions(ctx, opts, p)
	if err != nil {
		if !opts.Quiet {
			fmt.Fprintln(opts.IO.ErrOut, opts.Theme().Warning.Render("! cannot read the subscriptions: "+err.Error()))
		}
		return fallback("subscriptions unreadable")
	}
	var mine, all []string
	for _, s := range subs {
		all = append(all, s.Topics...)
		if sameEndpoint(s.Endpoint, opts.URL) {
			mine = append(mine, s.Topics...)
		}
	}
	switch {
	case len(mine) > 0:
		topics, err := expand(mine)
		return topics, "the subscriptions pushing to it", err
	case len(all) > 0:
		topics, err := expand(all)
		return topics, "every subscription", err
	}
	return fallback("no subscriptions")
}

func subscriptions(ctx context.Context, opts *Options, p config.Profile) ([]kibo.EventSubscription, error) {
	client, err := opts.ClientFor(p)
	if err != nil {
		return nil, err
	}
	list, err := client.Subscriptions(ctx, kibo.ListParams{}, nil)
	if err != nil {
		return nil, err
	}
	return list.Items, nil
}

func sameEndpoint(a, b string) bool {
	return strings.EqualFold(strings.TrimRight(a, "/"), strings.TrimRight(b, "/"))
}

// expand turns names and globs into sorted, distinct topic names. A glob
// must match a topic kwh knows; a plain name kwh does not know is kept (Kibo
// adds topics) after the warning the caller printed.
func expand(patterns []string) ([]string, error) {
	seen := map[string]bool{}
	var out []string
	add := func(t string) {
		t = strings.ToLower(strings.TrimSpace(t))
		if t != "" && !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	for _, p := range patterns {
		if !webhook.IsGlob(p) {
			add(p)
			continue
		}
		n := len(out)
		for _, t := range webhook.Topics() {
			if webhook.MatchTopic(p, t.Name) {
				add(t.Name)
			}
		}
		if len(out) == n && !anyMatch(p) {
			return nil, cmdutil.FlagErrorf("%q matches no topic kwh knows (see `kwh topics list`)", p)
		}
	}
	sort.Strings(out)
	return out, nil
}

func anyMatch(glob string) bool {
	for _, t := range webhook.Topics() {
		if webhook.MatchTopic(glob, t.Name) {
			return true
		}
	}
	return false
}
