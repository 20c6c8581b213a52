// Package events implements `kwh events`: Kibo's pull queue.
package events

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/spf13/cobra"

	"github.com/kwh-cli/kwh/internal/cmdutil"
	"github.com/kwh-cli/kwh/internal/kibo"
	"github.com/kwh-cli/kwh/internal/output"
)

// NewCmdEvents is the `events` noun.
func NewCmdEvents(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "events <command>",
		Short: "Read the pull queue: what happened, by topic",
		Long: `Every event Kibo publishes for your application also lands in the pull queue,
whether or not a push delivery succeeded. Read it by topic, entity and time.`,
	}
	cmd.AddCommand(NewCmdList(f, nil), NewCmdGet(f, nil), NewCmdTail(f, nil))
	return cmdutil.Noun(cmd)
}

// Filter fields of EventEvent. The pull queue has no top-level date: its
// creation time is auditInfo.createDate.
const (
	topicField  = "topic"
	entityField = "entityId"
	dateField   = "auditInfo.createDate"
)

func eventTime(e kibo.Event) *kibo.Time {
	if e.AuditInfo == nil {
		return nil
	}
	return e.AuditInfo.CreateDate
}

var columns = []output.Column{
	{Header: "time"},
	{Header: "topic", Style: cmdutil.StyleAccent, Flex: true},
	{Header: "entity id", Flex: true},
	{Header: "event id", Short: true},
	{Header: "tenant/site"},
	{Header: "test", Style: cmdutil.StyleYesNo},
	{Header: "correlation id", Wide: true},
}

func eventRow(e kibo.Event) []string {
	return []string{
		cmdutil.FormatTimeSeconds(eventTime(e)), e.Topic, e.EntityID, e.ID,
		tenantSite(e.TenantID, e.SiteID), cmdutil.YesNo(e.IsTest), e.CorrelationID,
	}
}

func eventTable(evs []kibo.Event) output.Table {
	t := output.Table{Columns: columns}
	for _, e := range evs {
		t.Rows = append(t.Rows, eventRow(e))
	}
	return t
}

func tenantSite(tenant, site *int32) string {
	switch {
	case tenant == nil:
		return ""
	case site == nil:
		return fmt.Sprint(*tenant)
	}
	return fmt.Sprintf("%d/%d", *tenant, *site)
}

var guidShape = regexp.MustCompile(`^[0-9a-f]{32}$`)

// NormalizeEventID accepts a dashed GUID or 32 hex digits and returns the
// pull queue's spelling (32 hex, lower case).
func NormalizeEventID(id string) (string, error) {
	n := strings.ToLower(strings.ReplaceAll(strings.Trim(strings.TrimSpace(id), "{}"), "-", ""))
	if !guidShape.MatchString(n) {
		return "", cmdutil.FlagErrorf("%q is not an event id: want 32 hex digits or a dashed GUID", id)
	}
	return n, nil
}
