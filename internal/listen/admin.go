package listen

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/kwh-cli/kwh/internal/store"
)

// InspectorPrefix is where the web inspector lives on the admin listener;
// the public receiver answers 404 under it.
const InspectorPrefix = "/inspector/"

// AdminPage is a web page served on the loopback admin listener under
// InspectorPrefix (internal/inspector).
type AdminPage struct {
	// Handler builds the page once the store is open.
	Handler func(st store.ListenStore) http.Handler
	// Entry is the path and query that open it (with its per-run token):
	// the ready event's Inspector is the admin listener's URL + Entry.
	Entry string
}

func isInspectorPath(p string) bool {
	return strings.HasPrefix(p, InspectorPrefix) || p == strings.TrimSuffix(InspectorPrefix, "/")
}

// AdminHandler serves the inbox to `kwh inbox` while kwh listen holds the
// store: GET /inbox and GET /inbox/{id}, on a separate loopback listener and
// only with the token kwh listen wrote beside its store.
func AdminHandler(st store.ListenStore, token string) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /inbox", func(w http.ResponseWriter, r *http.Request) {
		q := store.InboxQuery{Topics: r.URL.Query()["topic"]}
		q.Since, _ = time.Parse(time.RFC3339Nano, r.URL.Query().Get("since"))
		q.Until, _ = time.Parse(time.RFC3339Nano, r.URL.Query().Get("until"))
		q.Limit, _ = strconv.Atoi(r.URL.Query().Get("limit"))
		ds, err := st.Inbox(q)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		out := make([]store.Record, len(ds))
		for i, d := range ds {
			out[i] = d.Record()
		}
		writeAdminJSON(w, out)
	})
	mux.HandleFunc("GET /inbox/{id}", func(w http.ResponseWriter, r *http.Request) {
		id, err := strconv.ParseUint(r.PathValue("id"), 10, 64)
		if err != nil {
			http.Error(w, "bad id", http.StatusBadRequest)
			return
		}
		d, err := st.Get(id)
		switch {
		case errors.Is(err, store.ErrNotFound):
			http.Error(w, err.Error(), http.StatusNotFound)
		case err != nil:
			http.Error(w, err.Error(), http.StatusInternalServerError)
		default:
			writeAdminJSON(w, d.Record())
		}
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, ok := bearerToken(r.Header.Get("Authorization"))
		if !ok || subtle.ConstantTimeCompare([]byte(got), []byte(token)) != 1 {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		mux.ServeHTTP(w, r)
	})
}

// bearerToken reads `Authorization: Bearer <token>`; the scheme is
// case-insensitive (RFC 9110) and required.
func bearerToken(h string) (string, bool) {
	scheme, token, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	return strings.TrimLeft(token, " "), true
}

func writeAdminJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}
