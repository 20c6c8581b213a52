// Package dlq implements `kwh dlq`: deliveries Kibo failed to make.
package dlq

import (
	"fmt"
	"net/http"

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
		Long: `Kibo retries a failed push on its schedule (5 min, 1 h, 6 h, 24 h, then a final
try 24 h later) and then gives up. Those dead deliveries are the DLQ. Kibo's
API can list them but not redeliver them.`,
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
	Delivery       kibo.EventDeliverySummary `json:"delivery"`
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
	switch kibo.DeliveryState(v) {
	case kibo.Dead:
		return t.Error.Render(v)
	case kibo.Retrying:
		return t.Warning.Render(v)
	}
	return t.Success.Render(v)
}

func styleHTTP(t *ui.Theme, v string) string {
	if len(v) > 0 && v[0] == '2' {
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
