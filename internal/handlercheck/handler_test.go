package handlercheck_test

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/kwh-cli/kwh/internal/handlercheck/checktest"
	"github.com/kwh-cli/kwh/internal/webhook"
)

const secret = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"

type flaws = checktest.Flaws

func serve(t *testing.T, f flaws) *httptest.Server { return checktest.Serve(t, secret, f) }

func newHandler(f flaws) *checktest.Handler { return &checktest.Handler{Secret: secret, Flaws: f} }

// orderTopics are the catalog's order.* topics.
func orderTopics() []string {
	var out []string
	for _, t := range webhook.Topics() {
		if strings.HasPrefix(t.Name, "order.") {
			out = append(out, t.Name)
		}
	}
	return out
}
