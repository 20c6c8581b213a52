package app_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/kwh-cli/kwh/internal/app"
	"github.com/kwh-cli/kwh/internal/apptest"
	"github.com/kwh-cli/kwh/internal/iostreams"
	"github.com/kwh-cli/kwh/internal/listen"
	"github.com/kwh-cli/kwh/internal/store"
	"github.com/kwh-cli/kwh/internal/store/boltstore"
)

// kwh __complete, as the shells call it, returns ids from Kibo (the
// emulator), profiles from the config file, keys and topics.
func TestCompletionsCompleteIDs(t *testing.T) {
	h := apptest.New(t, apptest.Seed(t))
	subs := strings.Fields(h.Run("subs", "list", "-o", "json", "--jq", ".[].id").Stdout)
	events := strings.Fields(h.Run("events", "list", "--all", "-o", "json", "--jq", ".[].id").Stdout)
	if len(subs) == 0 || len(events) == 0 {
		t.Fatal("the seed has no subscriptions or events")
	}
	for _, name := range []string{"sandbox", "emulator"} {
		h.Run("config", "set", "-p", name, "tenant", "1")
	}
	sub := subs[0]
	tests := []struct {
		args []string
		want []string
	}{
		{[]string{"subs", "get", ""}, subs},
		{[]string{"subs", "get", sub[:6]}, []string{sub}},
		{[]string{"dlq", "show", ""}, subs},
		{[]string{"dlq", "list", "--subscription", ""}, subs},
		{[]string{"dlq", "retry", "--subscription", ""}, subs},
		{[]string{"events", "get", ""}, events[:1]},
		{[]string{"events", "get", events[0][:8]}, events[:1]},
		{[]string{"-p", ""}, []string{"emulator", "sandbox"}},
		{[]string{"config", "use", "s"}, []string{"sandbox"}},
		{[]string{"config", "get", "sh"}, []string{"shared_secret"}},
		{[]string{"subs", "list", "--topic", "order.op"}, []string{"order.opened"}},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			res := h.Run(append([]string{"__complete"}, tt.args...)...)
			got := map[string]bool{}
			for _, line := range strings.Split(res.Stdout, "\n") {
				id, _, _ := strings.Cut(line, "\t")
				got[id] = true
			}
			for _, w := range tt.want {
				if !got[w] {
					t.Errorf("no %q in:\n%s%s", w, res.Stdout, res.Stderr)
				}
			}
		})
	}
	// A delivery's process ids follow its subscription.
	dead := h.Run("dlq", "list", "--include-pending", "-o", "json", "--jq", `.[0] | "\(.subscriptionId) \(.delivery.id)"`)
	if f := strings.Fields(dead.Stdout); len(f) == 2 {
		res := h.Run("__complete", "dlq", "show", f[0], "")
		if !strings.Contains(res.Stdout, f[1]+"\t") {
			t.Errorf("dlq show %s <TAB>: no process %s in:\n%s", f[0], f[1], res.Stdout)
		}
	} else {
		t.Errorf("no delivery to complete: %q %s", dead.Stdout, dead.Stderr)
	}
}

// Every --topic flag completes topics, and every --subscription flag ids.
func TestEveryTopicFlagCompletes(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	root := app.NewRootCmd(app.Env{IO: ios, Getenv: func(string) string { return "" }})
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		for _, name := range []string{"topic", "subscription"} {
			if c.LocalFlags().Lookup(name) != nil {
				if _, ok := c.GetFlagCompletionFunc(name); !ok {
					t.Errorf("%s --%s has no completion", c.CommandPath(), name)
				}
			}
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
}

// kwh inbox show|replay|drop <TAB> completes the ids of the store the
// command would open (the default one or --store), newest first, and a
// missing store gives no candidates and no error.
func TestCompletionsCompleteInboxIDs(t *testing.T) {
	h := apptest.New(t, apptest.Seed(t))
	def := filepath.Join(h.Env["XDG_STATE_HOME"], "kwh")
	other := t.TempDir()
	fillInbox(t, def, "order.opened", "order.closed", "return.created")
	fillInbox(t, other, "product.updated")
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"inbox", "show", ""}, "3\treturn.created ev-3\n2\torder.closed ev-2\n1\torder.opened ev-1\n"},
		{[]string{"inbox", "show", "2"}, "2\torder.closed ev-2\n"},
		{[]string{"inbox", "show", "3", ""}, ""},
		{[]string{"inbox", "replay", "3", ""}, "2\torder.closed ev-2\n1\torder.opened ev-1\n"},
		{[]string{"inbox", "drop", ""}, "3\treturn.created ev-3\n2\torder.closed ev-2\n1\torder.opened ev-1\n"},
		{[]string{"inbox", "show", "--store", other, ""}, "1\tproduct.updated ev-1\n"},
		{[]string{"inbox", "show", "--store", filepath.Join(other, "none"), ""}, ""},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			res := h.Run(append([]string{"__complete"}, tt.args...)...)
			got, _, _ := strings.Cut(res.Stdout, ":")
			if res.Code != 0 || got != tt.want {
				t.Errorf("exit %d, candidates:\n%s\nwant:\n%s\nstderr: %s", res.Code, got, tt.want, res.Stderr)
			}
			if _, err := os.Stat(filepath.Join(other, "none")); err == nil {
				t.Error("completion created a store")
			}
		})
	}
}

// fillInbox writes one entry per topic into the listen store in dir.
func fillInbox(t *testing.T, dir string, topics ...string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	st, err := boltstore.Open(filepath.Join(dir, listen.StoreFile))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	for i, topic := range topics {
		d := &store.Delivery{ReceivedAt: now.Add(time.Duration(i) * time.Second), Topic: topic, EventID: fmt.Sprintf("ev-%d", i+1), Method: "POST", Body: []byte("{}")}
		if _, err := st.Accept(store.Accept{Delivery: d, Now: now}); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
}
