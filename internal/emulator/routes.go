package emulator

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// Route is one operation of Kibo's published API that the emulator serves,
// written from openapi_event.json and openapi_auth.json (the tenant lookup from
// the SDKs). Params lists the query parameters the spec declares.
type Route struct {
	Method  string
	Pattern string
	Params  []string
}

var (
	listParams = []string{"startIndex", "pageSize", "sortBy", "filter", "responseFields"}
	oneParams  = []string{"responseFields"}
)

// Routes are every operation the emulator knows.
var Routes = []Route{
	{http.MethodPost, "/api/platform/applications/authtickets/oauth", oneParams},
	{http.MethodGet, "/api/platform/tenants/{tenantId}", oneParams},
	{http.MethodGet, "/api/event/pull", listParams},
	{http.MethodGet, "/api/event/pull/{eventId}", oneParams},
	{http.MethodGet, "/api/event/push/subscriptions", append(slices.Clone(listParams), "responseGroups")},
	{http.MethodGet, "/api/event/push/subscriptions/deliveryattempts", listParams},
	{http.MethodGet, "/api/event/push/subscriptions/{subscriptionId}/deliveryattempts", listParams},
	{http.MethodGet, "/api/event/push/subscriptions/{subscriptionId}/deliveryattempts/{processId}", oneParams},
}

// Request is what the emulator saw of one request.
type Request struct {
	Method string
	Path   string
	Query  url.Values
	Header http.Header
	Route  string // the matched pattern, "" when none
}

// ControlPrefix is where the emulator's own control API lives (publishing
// events): a prefix no Kibo path uses.
const ControlPrefix = "/_kwh/emulator"

// SpecViolation explains why a request is not one the spec allows, or "".
// The emulator's control API is not Kibo's and is not checked.
func (r Request) SpecViolation() string {
	if strings.HasPrefix(r.Path, ControlPrefix) {
		return ""
	}
	for _, rt := range Routes {
		if rt.Method != r.Method || !patternMatches(rt.Pattern, r.Path) {
			continue
		}
		for name := range r.Query {
			if !slices.Contains(rt.Params, name) {
				return r.Method + " " + r.Path + ": query parameter " + name + " is not in the spec"
			}
		}
		return ""
	}
	return r.Method + " " + r.Path + ": no such operation in the spec"
}

func patternMatches(pattern, path string) bool {
	pp, ps := strings.Split(pattern, "/"), strings.Split(path, "/")
	if len(pp) != len(ps) {
		return false
	}
	for i := range pp {
		if strings.HasPrefix(pp[i], "{") {
			if ps[i] == "" {
				return false
			}
			continue
		}
		if pp[i] != ps[i] {
			return false
		}
	}
	return true
}
