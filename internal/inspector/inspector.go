// Package inspector is kwh listen's web inspector: a page on the loopback
// admin listener that lists what was received (live, through Server-Sent
// Events), shows one request whole (headers, body, signature check, forward
// attempts) and re-forwards it. Standard library only: html/template,
// embedded assets, no network at run time. It never imports cobra, viper or
// the terminal.
package inspector

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"embed"
	"encoding/hex"
	"errors"
	"html/template"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/kwh-cli/kwh/internal/listen"
	"github.com/kwh-cli/kwh/internal/store"
)

// Base is where the inspector lives on the admin listener.
const Base = listen.InspectorPrefix

// TokenHeader carries the token on state-changing requests (POST): a
// cookie alone never changes anything, so no link or form from another
// site can.
const TokenHeader = "X-Kwh-Token"

const cookieName = "kwh_inspector"

//go:embed assets templates
var files embed.FS

// ReforwardFunc sends a stored delivery to target again, freshly signed
// (listen.Reforward with this run's transport and secret).
type ReforwardFunc func(ctx context.Context, d *store.Delivery, target string) (status int, latency time.Duration, err error)

// Options configure an Inspector.
type Options struct {
	// Reforward re-sends a delivery; nil makes the page read-only, with
	// ReadOnlyReason saying why.
	Reforward      ReforwardFunc
	ReadOnlyReason string
	// Targets are this run's forward URLs, offered for re-forwarding beside
	// the ones each delivery went to.
	Targets []string
	// MaxAge is the Date age limit the receiver applied (0: Kibo's 180 s).
	MaxAge time.Duration
	// Title names what is inspected (the store).
	Title string
	// Static means nothing is receiving (kwh inbox web): the list is loaded
	// once, with no live stream.
	Static bool
	Now    func() time.Time
}

// Inspector serves the page. Observe feeds its live list; Page mounts it on
// kwh listen's admin listener.
type Inspector struct {
	opts     Options
	token    string
	hub      *hub
	attempts *attemptLog
	pages    *template.Template
}

// New makes an Inspector with a fresh per-run token.
func New(opts Options) (*Inspector, error) {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return nil, err
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	pages, err := template.New("").Funcs(funcs).ParseFS(files, "templates/*.html")
	if err != nil {
		return nil, err
	}
	return &Inspector{opts: opts, token: hex.EncodeToString(b), hub: newHub(), attempts: newAttemptLog(), pages: pages}, nil
}

// Entry is the path and query that open the page: it carries the token once,
// then a cookie does.
func (in *Inspector) Entry() string { return Base + "?token=" + in.token }

// Page mounts the inspector on kwh listen's admin listener.
func (in *Inspector) Page() *listen.AdminPage {
	return &listen.AdminPage{Entry: in.Entry(), Handler: func(st store.ListenStore) http.Handler { return in.Handler(st) }}
}

// Observe takes one listen event (a listen.Config observer): it is quick and
// never blocks, whatever the browsers do.
func (in *Inspector) Observe(e listen.Event) {
	if e.DeliveryID == 0 {
		return
	}
	switch e.Kind {
	case listen.KindForwarded, listen.KindFailed:
		in.attempts.add(e.DeliveryID, attemptOf(e))
	case listen.KindReceived, listen.KindDuplicate, listen.KindSkipped:
	default:
		return
	}
	in.hub.publish(e.DeliveryID)
}

// Handler serves the inspector over st, under Base. Every path needs the
// token; anything else is a 401.
func (in *Inspector) Handler(st store.InboxReader) http.Handler {
	s := &server{in: in, st: st}
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+Base+"{$}", s.list)
	mux.HandleFunc("GET "+Base+"events/{id}", s.detail)
	mux.HandleFunc("GET "+Base+"events/{id}/request.http", s.download)
	mux.HandleFunc("POST "+Base+"events/{id}/reforward", s.reforward)
	mux.HandleFunc("GET "+Base+"api/deliveries", s.rows)
	if !in.opts.Static {
		mux.HandleFunc("GET "+Base+"api/stream", s.stream)
	}
	mux.Handle("GET "+Base+"assets/", http.StripPrefix(Base, http.FileServerFS(files)))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		secureHeaders(w)
		if !loopbackHost(r.Host) {
			// A page on another name (DNS rebinding) never reaches the store.
			http.Error(w, "the inspector answers only on its loopback address", http.StatusForbidden)
			return
		}
		if tok := r.URL.Query().Get("token"); tok != "" && r.Method == http.MethodGet && r.URL.Path == Base {
			in.open(w, r, tok)
			return
		}
		if !in.authorized(r) {
			http.Error(w, "unauthorized: open the inspector URL kwh printed (it carries this run's token)", http.StatusUnauthorized)
			return
		}
		mux.ServeHTTP(w, r)
	})
}

// open trades the URL's token for a cookie and drops it from the address
// bar (and so from history and bookmarks).
func (in *Inspector) open(w http.ResponseWriter, r *http.Request, tok string) {
	if !in.tokenIs(tok) {
		http.Error(w, "unauthorized: this token is not this run's (kwh prints a new one each start)", http.StatusUnauthorized)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: in.token, Path: Base, HttpOnly: true, SameSite: http.SameSiteStrictMode})
	http.Redirect(w, r, Base, http.StatusSeeOther)
}

// authorized: a POST needs the token header (a cookie rides along with
// cross-site requests; a header cannot); a GET the cookie or the header.
func (in *Inspector) authorized(r *http.Request) bool {
	if h := r.Header.Get(TokenHeader); h != "" {
		return in.tokenIs(h)
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return false
	}
	c, err := r.Cookie(cookieName)
	return err == nil && in.tokenIs(c.Value)
}

func (in *Inspector) tokenIs(s string) bool {
	return subtle.ConstantTimeCompare([]byte(s), []byte(in.token)) == 1
}

func secureHeaders(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-store")
}

// loopbackHost accepts localhost and loopback addresses, with any port.
func loopbackHost(hostport string) bool {
	host, _, err := net.SplitHostPort(hostport)
	if err != nil {
		host = hostport
	}
	host = strings.Trim(host, "[]")
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Serve serves the inspector over st on ln until ctx ends (kwh inbox web).
func (in *Inspector) Serve(ctx context.Context, ln net.Listener, st store.InboxReader) error {
	srv := &http.Server{Handler: in.Handler(st), ReadHeaderTimeout: 5 * time.Second}
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		<-ctx.Done()
		_ = srv.Close() // event streams never end by themselves
	}()
	err := srv.Serve(ln)
	<-stopped
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// errReadOnly answers a re-forward the page cannot make.
var errReadOnly = errors.New("re-forwarding is not available here")
