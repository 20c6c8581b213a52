package dlq

import (
	"fmt"
	"path/filepath"
	"time"

	"github.com/kwh-cli/kwh/internal/replay"
	"github.com/kwh-cli/kwh/internal/store/ledger"
)

// ReplayInfo is what the replay ledger holds for a delivery replayed to its
// subscription's endpoint (a replay --to elsewhere did not reach it).
type ReplayInfo struct {
	Delivered bool      `json:"delivered"`
	Status    int       `json:"status,omitempty"`
	Error     string    `json:"error,omitempty"`
	At        time.Time `json:"at"`
	Attempts  int       `json:"attempts"`
	URL       string    `json:"url"`
}

func ledgerPath(stateDir string) string { return filepath.Join(stateDir, "replay.db") }

// attachReplays fills each entry's Replay from the ledger, when there is one.
func attachReplays(stateDir string, entries []Entry) error {
	ledger, found, err := ledger.OpenReadOnly(ledgerPath(stateDir))
	if err != nil || !found {
		return err
	}
	defer ledger.Close()
	for i := range entries {
		e := &entries[i]
		if e.Delivery.ID == nil {
			continue
		}
		o, ok, err := ledger.Get(replay.Key(e.Endpoint, e.SubscriptionID, *e.Delivery.ID))
		if err != nil {
			return err
		}
		if ok {
			e.Replay = &ReplayInfo{Delivered: o.Delivered, Status: o.Status, Error: o.Error, At: o.At, Attempts: o.Attempts, URL: o.URL}
		}
	}
	return nil
}

// replayed reports whether kwh dlq retry delivered it since Kibo gave up.
func (e Entry) replayed() bool { return e.Replay != nil && e.Replay.Delivered }

// stateCell is the state, and what a replay did since: "dead · replayed 12:04".
func stateCell(e Entry, now time.Time) string {
	label := e.Delivery.Verdict().Label()
	if e.Replay != nil {
		label += " · " + replayText(e.Replay, now)
	}
	return label
}

// replayText is the table cell: "replayed 12:04" or "replay failed 12:04 (500)".
func replayText(r *ReplayInfo, now time.Time) string {
	if r == nil {
		return ""
	}
	at := r.At.UTC()
	when := at.Format("2006-01-02 15:04")
	if y, m, d := now.UTC().Date(); at.Year() == y && at.Month() == m && at.Day() == d {
		when = at.Format("15:04")
	}
	if r.Delivered {
		return "replayed " + when
	}
	why := r.Error
	if r.Status != 0 {
		why = fmt.Sprint(r.Status)
	}
	return fmt.Sprintf("replay failed %s (%s)", when, why)
}
