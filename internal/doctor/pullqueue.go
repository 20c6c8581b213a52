package doctor

import (
	"context"
	"fmt"

	"github.com/kwh-cli/kwh/internal/kibo"
)

// checkPullQueue reads one page of size 1 of the pull queue.
func checkPullQueue(ctx context.Context, d *Doctor) []Result {
	r := Result{Subject: "tenant " + d.Settings.Tenant}
	page, err := kibo.FetchPage[kibo.Event](ctx, d.Client, kibo.PathPull, kibo.ListParams{}, 0, 1)
	if err != nil {
		r.Status, r.Detail, r.Hint = Fail, "reading the pull queue failed: "+describeAPIError(err), tenantHint(err, d.Settings)
		return []Result{r}
	}
	r.Status = OK
	r.Detail = fmt.Sprintf("readable: %d %s waiting", page.TotalCount, plural(page.TotalCount, "event", "events"))
	return []Result{r}
}
