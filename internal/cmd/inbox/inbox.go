// Package inbox implements `kwh inbox`: what kwh listen received.
package inbox

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/kwh-cli/kwh/internal/cmdutil"
	"github.com/kwh-cli/kwh/internal/listen"
	"github.com/kwh-cli/kwh/internal/store"
	"github.com/kwh-cli/kwh/internal/store/redisstore"
	"github.com/kwh-cli/kwh/internal/ui"
)

// NewCmdInbox is the `inbox` noun.
func NewCmdInbox(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "inbox <command>",
		Short: "Look at and re-forward what kwh listen received",
		Long: `Everything kwh listen received (duplicates and skipped topics too) is kept in
its store. List it, show a whole request, or forward chosen events to your
app again, while kwh listen runs or after it stopped.`,
	}
	cmd.AddCommand(NewCmdList(f, nil), NewCmdShow(f, nil), NewCmdReplay(f, nil), NewCmdDrop(f, nil), NewCmdWeb(f, nil))
	return cmdutil.Noun(cmd)
}

// storeFlags are every verb's --store and --redis-prefix.
func storeFlags(c *cobra.Command, dir, prefix *string) {
	cmdutil.StoreFlags(c.Flags(), dir, prefix, "kwh listen's store directory (default $XDG_STATE_HOME/kwh), or its redis:// URL")
}

func parseIDs(args []string) ([]uint64, error) {
	var ids []uint64
	for _, a := range args {
		n, err := strconv.ParseUint(strings.TrimPrefix(a, "#"), 10, 64)
		if err != nil {
			return nil, cmdutil.FlagErrorf("%q is not a delivery id (a number from `kwh inbox list`)", a)
		}
		ids = append(ids, n)
	}
	return ids, nil
}

// openInbox reads the inbox through a running kwh listen when there is one
// (it holds the store file), and from the store file otherwise.
func openInbox(storeDir, stateDir, prefix string) (store.InboxReader, error) {
	if redisstore.IsURL(storeDir) {
		return redisstore.Open(storeDir, redisstore.Options{Prefix: prefix})
	}
	return listen.OpenInbox(cmp.Or(storeDir, stateDir))
}

// Entry is the JSON form of an inbox entry: the body as text when it is.
type Entry struct {
	ID         uint64                        `json:"id"`
	ReceivedAt time.Time                     `json:"receivedAt"`
	State      string                        `json:"state"`
	EventID    string                        `json:"eventId"`
	Topic      string                        `json:"topic"`
	EntityID   string                        `json:"entityId"`
	Remote     string                        `json:"remote"`
	Verified   bool                          `json:"verified"`
	Method     string                        `json:"method"`
	Path       string                        `json:"path"`
	Host       string                        `json:"host"`
	Header     http.Header                   `json:"header"`
	Body       json.RawMessage               `json:"body"`
	Forwards   map[string]store.ForwardState `json:"forwards,omitempty"`
	// Duplicates counts later copies of the event, LastDuplicateAt the last.
	Duplicates      int        `json:"duplicates,omitempty"`
	LastDuplicateAt *time.Time `json:"lastDuplicateAt,omitempty"`
	// SetAside says why the store could not apply this request.
	SetAside string `json:"setAside,omitempty"`
}

func entryOf(d store.Delivery) Entry {
	body := json.RawMessage(d.Body)
	if !json.Valid(d.Body) {
		raw, _ := json.Marshal(string(d.Body))
		body = raw
	}
	return Entry{ID: d.ID, ReceivedAt: d.ReceivedAt, State: d.State(), EventID: d.EventID, Topic: d.Topic, EntityID: d.EntityID,
		Remote: d.Remote, Verified: d.Verified, Method: d.Method, Path: d.Path, Host: d.Host, Header: store.RedactHeaders(d.Header), Body: body, Forwards: d.Forwards, SetAside: d.SetAside,
		Duplicates: d.Duplicates, LastDuplicateAt: d.LastDuplicateAt}
}

func forwardsText(fs map[string]store.ForwardState) string {
	var parts []string
	for t, f := range fs {
		s := fmt.Sprintf("%s %d×%d", t, f.Status, f.Attempts)
		if f.Status == 0 {
			s = fmt.Sprintf("%s %s×%d", t, f.Error, f.Attempts)
		}
		parts = append(parts, s)
	}
	sort.Strings(parts)
	return strings.Join(parts, ", ")
}

func styleState(t *ui.Theme, v string) string {
	switch v {
	case "forwarded":
		return t.Success.Render(v)
	case "pending", "duplicate", "skipped", "dropped":
		return t.Warning.Render(v)
	case "failed":
		return t.Error.Render(v)
	}
	return v
}
