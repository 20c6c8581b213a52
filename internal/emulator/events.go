package emulator

import (
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

func (e *Emulator) handleTenant(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("tenantId")
	e.mu.Lock()
	t := e.findTenant(id)
	e.mu.Unlock()
	if t == nil {
		writeError(w, http.StatusNotFound, "ITEM_NOT_FOUND", "Tenant "+id+" not found.")
		return
	}
	out := maps.Clone(t)
	// A seeded tenant without a domain is served from wherever the emulator
	// listens, so host resolution leads back here.
	if d, _ := out["domain"].(string); d == "" {
		out["domain"] = r.Host
	}
	writeJSON(w, http.StatusOK, out)
}

// findTenant returns the seeded tenant with this id. Callers hold e.mu.
func (e *Emulator) findTenant(id string) map[string]any {
	for _, t := range e.seed.Tenants {
		if fmt.Sprint(t["id"]) == id {
			return t
		}
	}
	return nil
}

// tenantContext rejects a request whose x-vol-tenant names no known tenant.
func (e *Emulator) tenantContext(w http.ResponseWriter, r *http.Request) bool {
	id := r.Header.Get("x-vol-tenant")
	if id == "" {
		return true
	}
	e.mu.Lock()
	t := e.findTenant(id)
	e.mu.Unlock()
	if t == nil {
		writeError(w, http.StatusNotFound, "ITEM_NOT_FOUND", "Tenant "+id+" not found.")
		return false
	}
	return true
}

func (e *Emulator) handlePullList(w http.ResponseWriter, r *http.Request) {
	if !e.tenantContext(w, r) {
		return
	}
	e.mu.Lock()
	items := slices.Clone(e.seed.Events)
	e.mu.Unlock()
	writeCollection(w, r, items)
}

func (e *Emulator) handlePullGet(w http.ResponseWriter, r *http.Request) {
	if !e.tenantContext(w, r) {
		return
	}
	id := normalizeGUID(r.PathValue("eventId"))
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, ev := range e.seed.Events {
		if normalizeGUID(fmt.Sprint(ev["id"])) == id {
			writeJSON(w, http.StatusOK, ev)
			return
		}
	}
	writeError(w, http.StatusNotFound, "ITEM_NOT_FOUND", "Event "+r.PathValue("eventId")+" not found.")
}

func (e *Emulator) handleSubscriptions(w http.ResponseWriter, r *http.Request) {
	if !e.tenantContext(w, r) {
		return
	}
	withSites := strings.Contains(strings.ToLower(r.URL.Query().Get("responseGroups")), "subscribingsites")
	e.mu.Lock()
	items := make([]map[string]any, len(e.seed.Subscriptions))
	for i, s := range e.seed.Subscriptions {
		items[i] = subscriptionView(s, withSites)
	}
	e.mu.Unlock()
	writeCollection(w, r, items)
}

// subscriptionView leaves subscribingSites out unless the SubscribingSites
// response group was asked for.
func subscriptionView(s map[string]any, withSites bool) map[string]any {
	if withSites {
		return s
	}
	out := maps.Clone(s)
	if tenants, ok := s["subscribingTenants"].([]any); ok {
		trimmed := make([]any, len(tenants))
		for i, t := range tenants {
			if tm, ok := t.(map[string]any); ok {
				tm = maps.Clone(tm)
				tm["subscribingSites"] = nil
				trimmed[i] = tm
			} else {
				trimmed[i] = t
			}
		}
		out["subscribingTenants"] = trimmed
	}
	return out
}

func (e *Emulator) handleAllDeliveries(w http.ResponseWriter, r *http.Request) {
	if !e.tenantContext(w, r) {
		return
	}
	e.mu.Lock()
	var items []map[string]any
	for _, s := range e.seed.Subscriptions {
		items = append(items, e.seed.DeliveryAttempts[fmt.Sprint(s["id"])]...)
	}
	e.mu.Unlock()
	writeCollection(w, r, items)
}

func (e *Emulator) handleSubDeliveries(w http.ResponseWriter, r *http.Request) {
	items, ok := e.subscriptionDeliveries(w, r)
	if ok {
		writeCollection(w, r, items)
	}
}

func (e *Emulator) handleDelivery(w http.ResponseWriter, r *http.Request) {
	items, ok := e.subscriptionDeliveries(w, r)
	if !ok {
		return
	}
	pid, err := strconv.ParseInt(r.PathValue("processId"), 10, 32)
	if err != nil {
		writeError(w, http.StatusBadRequest, "VALIDATION_ERROR", "processId must be a 32-bit integer.")
		return
	}
	for _, d := range items {
		if int64(intOf(d["id"])) == pid {
			writeJSON(w, http.StatusOK, d)
			return
		}
	}
	writeError(w, http.StatusNotFound, "ITEM_NOT_FOUND", fmt.Sprintf("Delivery summary %d not found for subscription %s.", pid, r.PathValue("subscriptionId")))
}

func (e *Emulator) subscriptionDeliveries(w http.ResponseWriter, r *http.Request) ([]map[string]any, bool) {
	if !e.tenantContext(w, r) {
		return nil, false
	}
	id := r.PathValue("subscriptionId")
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, s := range e.seed.Subscriptions {
		if fmt.Sprint(s["id"]) == id {
			return slices.Clone(e.seed.DeliveryAttempts[id]), true
		}
	}
	writeError(w, http.StatusNotFound, "ITEM_NOT_FOUND", "Subscription "+id+" not found.")
	return nil, false
}

// writeCollection filters, sorts and pages items into Kibo's collection shape.
func writeCollection(w http.ResponseWriter, r *http.Request, items []map[string]any) {
	q := r.URL.Query()
	start, ok1 := atoiDefault(q.Get("startIndex"), 0)
	size, ok2 := atoiDefault(q.Get("pageSize"), 20)
	if !ok1 || !ok2 || start < 0 || size < 1 || size > 200 {
		writeError(w, http.StatusBadRequest, "VALIDATION_ERROR", "startIndex must be 0 or more and pageSize between 1 and 200.")
		return
	}
	want, err := parseFilter(q.Get("filter"))
	if err != nil {
		writeError(w, http.StatusBadRequest, "VALIDATION_ERROR", "Invalid filter: "+err.Error())
		return
	}
	matched := make([]map[string]any, 0, len(items))
	for _, it := range items {
		if want(it) {
			matched = append(matched, it)
		}
	}
	if s := q.Get("sortBy"); s != "" {
		cmp, err := parseSort(s)
		if err != nil {
			writeError(w, http.StatusBadRequest, "VALIDATION_ERROR", err.Error())
			return
		}
		slices.SortStableFunc(matched, cmp)
	}
	total := len(matched)
	page := []map[string]any{}
	if start < total {
		page = matched[start:min(start+size, total)]
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"startIndex": start,
		"pageSize":   size,
		"pageCount":  (total + size - 1) / size,
		"totalCount": total,
		"items":      page,
	})
}

// normalizeGUID accepts both spellings of an id: dashed GUID and 32 hex digits.
func normalizeGUID(s string) string {
	return strings.ToLower(strings.ReplaceAll(strings.Trim(s, "{}"), "-", ""))
}
