// Package dlq implements `kwh dlq`: deliveries Kibo failed to make.
package dlq

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/spf13/cobra"

	"github.com/kwh-cli/kwh/internal/cmdutil"
	"github.com/kwh-cli/kwh/internal/kibo"
	"github.com/kwh-cli/kwh/internal/ui"
)

// NewCmdDLQ is the `dlq` noun.
func NewCmdDLQ(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "dlq <command>",
		Short: "Find and inspect deliveries Kibo gave up on",
		Long: `Kibo counts a push as delivered only when the endpoint answers 200 within 45 s
(201, 202 and 204 are failures too: Kibo's event subscription docs say "200
OK", whatever an older guide says about 2xx). On a production tenant Kibo
retries a failed push on its schedule (5 min, 1 h, 6 h, 24 h, then a final try
24 h later) and then gives up; sandbox tenants get no retries, so their first
failed attempt is final. Those dead deliveries are the DLQ. Kibo's API can
list them but not redeliver them: kwh dlq retry replays them itself.`,
	}
	cmd.AddCommand(NewCmdList(f, nil), NewCmdShow(f, nil), NewCmdRetry(f, nil))
	return cmdutil.Noun(cmd)
}

// Entry is one delivery attributed to its subscription: the JSON form of
// `kwh dlq list`.
type Entry struct {
	SubscriptionID string                    `json:"subscriptionId"`
	Endpoint       string                    `json:"endpoint"`
	State          kibo.DeliveryState        `json:"state"`
	Reason         string                    `json:"reason"`
	Delivery       kibo.EventDeliverySummary `json:"delivery"`
	// Replay is the ledger's last replay of it to the endpoint, if any.
	Replay *ReplayInfo `json:"replay,omitempty"`
}

func statusText(a *kibo.DeliveryAttempt) string {
	if a == nil || a.HTTPStatus == nil {
		return ""
	}
	if a.HTTPStatus.Code == 0 {
		if a.Message != "" {
			return a.Message
		}
		return "no answer"
	}
	name := ""
	if a.HTTPStatus.Name != nil {
		name = *a.HTTPStatus.Name
	}
	if name == "" {
		name = http.StatusText(int(a.HTTPStatus.Code))
	}
	return fmt.Sprintf("%d %s", a.HTTPStatus.Code, name)
}

func styleState(t *ui.Theme, v string) string {
	switch {
	case strings.Contains(v, "replayed "):
		return t.Success.Render(v) // dead at Kibo, but kwh delivered it since
	case strings.HasPrefix(v, string(kibo.Delivered)):
		return t.Success.Render(v)
	case strings.HasPrefix(v, string(kibo.Retrying)):
		return t.Warning.Render(v)
	}
	return t.Error.Render(v) // dead, unknown (…)
}

func styleHTTP(t *ui.Theme, v string) string {
	if strings.HasPrefix(v, "200 ") {
		return t.Success.Render(v)
	}
	return t.Error.Render(v)
}

func eventSummary(d kibo.EventDeliverySummary) kibo.EventSummary {
	if d.EventSummary == nil {
		return kibo.EventSummary{}
	}
	return *d.EventSummary
}

func processID(d kibo.EventDeliverySummary) string {
	if d.ID == nil {
		return ""
	}
	return fmt.Sprint(*d.ID)
}

func intText(n *int32) string {
	if n == nil {
		return ""
	}
	return fmt.Sprint(*n)
}

func styleOutcome(t *ui.Theme, v string) string {
	switch v {
	case "delivered":
		return t.Success.Render(v)
	case "failed":
		return t.Error.Render(v)
	}
	return t.Muted.Render(v)
}
