package inspector

import (
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kwh-cli/kwh/internal/store"
)

// listLimit bounds the list a page loads; older entries stay in kwh inbox list.
const listLimit = 500

// keepAlive is how often an idle event stream says it is alive, so proxies
// and the browser keep the connection.
const keepAlive = 20 * time.Second

var funcs = template.FuncMap{
	"base": func() string { return Base },
	"cls":  func(s string) string { return strings.ReplaceAll(s, " ", "-") }, // "set aside" is one class
}

type server struct {
	in *Inspector
	st store.InboxReader
}

// page is what every template gets.
type page struct {
	Title, Token string
	Live         bool
	Limit        int
	Detail       *Detail
}

func (s *server) render(w http.ResponseWriter, name string, p page) {
	p.Token, p.Title, p.Live = s.in.token, s.in.opts.Title, !s.in.opts.Static
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := s.in.pages.ExecuteTemplate(w, name, p); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
	}
}

func (s *server) list(w http.ResponseWriter, r *http.Request) {
	s.render(w, "list.html", page{Limit: listLimit})
}

// delivery reads the {id} of the path, answering 400 or 404 itself.
func (s *server) delivery(w http.ResponseWriter, r *http.Request) (*store.Delivery, bool) {
	id, err := strconv.ParseUint(r.PathValue("id"), 10, 64)
	if err != nil {
		http.Error(w, "not a delivery id", http.StatusBadRequest)
		return nil, false
	}
	d, err := s.st.Get(id)
	switch {
	case errors.Is(err, store.ErrNotFound):
		http.Error(w, err.Error(), http.StatusNotFound)
		return nil, false
	case err != nil:
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return nil, false
	}
	return d, true
}

func (s *server) detail(w http.ResponseWriter, r *http.Request) {
	d, ok := s.delivery(w, r)
	if !ok {
		return
	}
	v := s.in.detailOf(d)
	s.render(w, "detail.html", page{Detail: &v})
}

func (s *server) download(w http.ResponseWriter, r *http.Request) {
	d, ok := s.delivery(w, r)
	if !ok {
		return
	}
	w.Header().Set("Content-Type", "message/http")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="kwh-%d.http"`, d.ID))
	_, _ = w.Write(rawRequest(d))
}

func (s *server) rows(w http.ResponseWriter, r *http.Request) {
	ds, err := s.st.Inbox(store.InboxQuery{Limit: listLimit})
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	out := make([]Row, len(ds))
	for i := range ds {
		out[i] = s.in.rowOf(&ds[i])
	}
	writeJSON(w, out)
}

// ReforwardResult is the answer to a re-forward.
type ReforwardResult struct {
	Target    string  `json:"target"`
	Status    int     `json:"status"`
	LatencyMs float64 `json:"latencyMs"`
	Error     string  `json:"error,omitempty"`
}

func (s *server) reforward(w http.ResponseWriter, r *http.Request) {
	if s.in.opts.Reforward == nil {
		http.Error(w, cmpOr(s.in.opts.ReadOnlyReason, errReadOnly.Error()), http.StatusConflict)
		return
	}
	d, ok := s.delivery(w, r)
	if !ok {
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 8<<10)
	target := r.FormValue("target")
	if !slices.Contains(s.in.detailOf(d).Targets, target) {
		http.Error(w, "re-forward goes to one of this delivery's targets or this run's --forward URLs", http.StatusBadRequest)
		return
	}
	status, lat, err := s.in.opts.Reforward(r.Context(), d, target)
	res := ReforwardResult{Target: target, Status: status, LatencyMs: float64(lat.Microseconds()) / 1000}
	a := attempt{At: s.in.opts.Now(), Target: target, Status: status, LatencyMs: res.LatencyMs, Replay: true}
	if err != nil {
		res.Error, a.Error = err.Error(), err.Error()
	}
	s.in.attempts.add(d.ID, a)
	writeJSON(w, res)
}

// stream sends a row each time a delivery changes, as Server-Sent Events;
// a browser that fell behind is told to reload its list instead.
func (s *server) stream(w http.ResponseWriter, r *http.Request) {
	c := s.in.hub.join()
	if c == nil {
		http.Error(w, fmt.Sprintf("%d inspector pages are open already: close some", maxBrowsers), http.StatusServiceUnavailable)
		return
	}
	defer s.in.hub.leave(c)
	rc := http.NewResponseController(w)
	w.Header().Set("Content-Type", "text/event-stream")
	if _, err := fmt.Fprint(w, "retry: 2000\n\n"); err != nil || rc.Flush() != nil {
		return
	}
	tick := time.NewTicker(keepAlive)
	defer tick.Stop()
	for {
		var err error
		select {
		case <-r.Context().Done():
			return
		case <-tick.C:
			_, err = fmt.Fprint(w, ": alive\n\n")
		case id := <-c.ids:
			err = s.send(w, c, id)
		}
		if err == nil {
			err = rc.Flush()
		}
		if err != nil {
			return
		}
	}
}

func (s *server) send(w http.ResponseWriter, c *client, id uint64) error {
	if c.lagged.Swap(false) {
		for len(c.ids) > 0 {
			<-c.ids
		}
		_, err := fmt.Fprint(w, "event: resync\ndata: {}\n\n")
		return err
	}
	d, err := s.st.Get(id)
	if err != nil {
		return nil // pruned or dropped meanwhile: nothing to show
	}
	raw, err := json.Marshal(s.in.rowOf(d))
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "event: row\ndata: %s\n\n", raw)
	return err
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}
