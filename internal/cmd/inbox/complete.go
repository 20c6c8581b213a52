package inbox

import (
	"cmp"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/kwh-cli/kwh/internal/config"
	"github.com/kwh-cli/kwh/internal/listen"
	"github.com/kwh-cli/kwh/internal/store"
	"github.com/kwh-cli/kwh/internal/store/redisstore"
)

// completeLimit is how many inbox ids a <TAB> lists.
const completeLimit = 200

// completeIDs completes inbox entry ids of the store the command would open
// (--store, read when cobra calls this, or the default), newest first and
// described by topic and event id. max is how many ids the command takes
// (0: any number). Errors and a missing store give no candidates: nothing
// may reach the shell's line but ids.
func completeIDs(storeDir, prefix *string, stateDir string, profile func() (config.Profile, error), max int) cobra.CompletionFunc {
	return func(_ *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		const directive = cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveKeepOrder
		if max > 0 && len(args) >= max {
			return nil, directive
		}
		where := *storeDir
		if where == "" {
			if p, err := profile(); err == nil {
				where = p.Store // KWH_STORE or the profile's, as the command would
			}
		}
		entries, err := recentEntries(cmp.Or(where, stateDir), *prefix)
		if err != nil {
			return nil, directive
		}
		var out []cobra.Completion
		for _, d := range entries {
			id := fmt.Sprint(d.ID)
			if !strings.HasPrefix(id, strings.TrimPrefix(toComplete, "#")) || slices.Contains(args, id) {
				continue
			}
			out = append(out, cobra.CompletionWithDesc(id, strings.TrimSpace(d.Topic+" "+d.EventID)))
		}
		return out, directive
	}
}

// recentEntries reads the newest entries without creating a store where
// there is none.
func recentEntries(where, prefix string) ([]store.Delivery, error) {
	if !redisstore.IsURL(where) {
		if _, err := os.Stat(filepath.Join(where, listen.StoreFile)); err != nil {
			return nil, errors.New("no store")
		}
	}
	st, err := openInbox(where, "", prefix)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	return st.Inbox(store.InboxQuery{Limit: completeLimit})
}
