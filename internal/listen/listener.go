package listen

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"time"

	"github.com/kwh-cli/kwh/internal/store"
	"github.com/kwh-cli/kwh/internal/store/boltstore"
	"github.com/kwh-cli/kwh/internal/webhook"
)

// StoreFile names the listen store's file inside its directory.
const StoreFile = "listen.db"

// MaintainEvery is how often expired seen ids are forgotten and the inbox pruned.
const MaintainEvery = time.Hour

// Listener is a listener's whole life: the store, the HTTP receiver (when
// Config.Addr is set), the forwarder, the loopback admin API and the hourly
// maintenance. Start it, read Events until the channel closes, and Stop it
// (or Run it until a context ends).
type Listener struct {
	r        *Receiver
	st       store.ListenStore
	ownStore bool // opened here: closed at Stop

	srv     *http.Server
	srvErr  chan error
	stopAdm func()
	stopMnt func()
	stopWch func() // the store health probe
	stopped bool
}

// Start opens the store in cfg.StoreDir (unless cfg.Store is given), prunes
// it, resumes spooled forwards, serves the admin API beside the store and,
// with cfg.Addr, Kibo's pushes; then it emits the ready event.
func Start(cfg Config) (_ *Listener, err error) {
	l := &Listener{st: cfg.Store}
	defer func() {
		if err != nil {
			l.release()
		}
	}()
	if l.st == nil {
		if cfg.StoreDir == "" {
			return nil, errors.New("listen: a store directory is required")
		}
		bolt, err := boltstore.Open(filepath.Join(cfg.StoreDir, StoreFile))
		if err != nil {
			return nil, nameHolder(cfg.StoreDir, err)
		}
		l.st, l.ownStore, cfg.Store = bolt, true, bolt
	}
	if cfg.StoreName == "" {
		cfg.StoreName = cfg.StoreDir
	}
	if l.r, err = New(cfg); err != nil {
		return nil, err
	}
	l.stopMnt = maintain(l.st, l.r.cfg.Retention, l.r.cfg.Now)
	l.stopWch = l.r.health.watch()
	l.r.share = shareLanes(&l.r.cfg, l.r.fwd, l.r.emit)
	var ln net.Listener
	if cfg.Addr != "" {
		if ln, err = net.Listen("tcp", cfg.Addr); err != nil {
			return nil, fmt.Errorf("listening on %s: %w", cfg.Addr, err)
		}
		defer func() {
			if err != nil {
				ln.Close()
			}
		}()
	}
	status := &statusSource{ready: &l.r.ready, targets: l.r.cfg.AllTargets(), st: l.st, fwd: l.r.fwd}
	inspectorURL := ""
	if cfg.StoreDir != "" || cfg.Inspector != nil {
		var adminURL string
		if l.stopAdm, adminURL, err = serveAdmin(cfg.StoreDir, l.st, status, cfg.Inspector); err != nil {
			return nil, err
		}
		if cfg.Inspector != nil {
			inspectorURL = adminURL + cfg.Inspector.Entry
		}
	}
	var resumed []job // with lane leases, the spool is read once they are held
	if l.r.share == nil {
		if resumed, err = l.r.fwd.resume(); err != nil {
			return nil, fmt.Errorf("resuming spooled forwards: %w", err)
		}
	}
	url := ""
	if ln != nil {
		url = "http://" + ln.Addr().String()
		var limited net.Listener
		l.srv, limited = l.r.server(ln)
		l.srvErr = make(chan error, 1)
		go func() { l.srvErr <- l.srv.Serve(limited) }()
		if l.r.pace != nil {
			go l.r.pace.run()
		}
		l.r.ready.Store(true)
	}
	status.url.Store(&url)
	l.r.emitReady(url, inspectorURL, len(resumed))
	for _, j := range resumed {
		l.r.fwd.push(j)
	}
	if l.r.share != nil {
		go l.r.share.run()
	}
	l.reportSetAside()
	l.reportDurability()
	return l, nil
}

// reportDurability says once, at start, what a crash of a shared store's
// server could lose, as its settings tell.
func (l *Listener) reportDurability() {
	if dr, ok := l.st.(store.DurabilityReader); ok {
		d := dr.Durability()
		l.r.emit(Event{Kind: KindDurability, Reason: d.Statement, Lossless: d.Lossless})
	}
}

// reportSetAside says once, at start, that the store holds entries it could
// not apply (they show in kwh inbox as "set aside").
func (l *Listener) reportSetAside() {
	al, ok := l.st.(store.AsideLister)
	if !ok {
		return
	}
	if aside, err := al.SetAside(); err == nil && len(aside) > 0 {
		l.r.emit(Event{Kind: KindSetAside, Pending: len(aside), Reason: fmt.Sprintf(
			"%d stored entries could not be applied and were set aside (last: %s); the rest of the store is intact: see kwh inbox list", len(aside), aside[len(aside)-1].Reason)})
	}
}

// Events delivers what happens, in order; it is closed by Stop.
func (l *Listener) Events() <-chan Event { return l.r.Events() }

// Ingest stores and forwards an event that came from elsewhere than HTTP
// (the pull queue), as Receiver.Ingest describes.
func (l *Listener) Ingest(p webhook.Push, c webhook.Context, remote string) (bool, error) {
	return l.r.Ingest(p, c, remote)
}

// Backlog is what the forwarder still has to deliver, now (metrics read it).
func (l *Listener) Backlog() Backlog { return l.r.fwd.snapshot() }

// WakeLanes asks Config.MayRun again about the lanes it refused (a lease
// became free).
func (l *Listener) WakeLanes() { l.r.fwd.wakeLanes() }

// Run waits until ctx ends or the HTTP receiver fails, then stops. It
// returns the receiver's failure, if any.
func (l *Listener) Run(ctx context.Context) error {
	select {
	case <-ctx.Done():
		l.Stop()
		return nil
	case err := <-l.srvErr:
		l.r.pace.stop()
		l.r.share.halt()
		l.r.fwd.stop(0)
		l.r.share.leave()
		l.r.events.close()
		l.stopped = true
		l.release()
		return err
	}
}

// Stop stops accepting pushes, lets in-flight forwards finish within the
// grace period (the rest stay spooled for the next start), emits the stopped
// event, closes Events, and releases the store. It returns how many
// forwards stay spooled.
func (l *Listener) Stop() int {
	if l.stopped {
		return 0
	}
	l.stopped = true
	l.r.pace.stop() // a paced push goes on at once
	grace := l.r.cfg.ShutdownGrace
	if l.srv != nil {
		l.r.ready.Store(false)
		ctx, cancel := context.WithTimeout(context.Background(), grace)
		_ = l.srv.Shutdown(ctx)
		cancel()
	}
	l.r.share.halt() // its in-flight forwards finish before others may take its lanes
	pending := l.r.fwd.stop(grace)
	l.r.share.leave()
	l.r.emit(Event{Kind: KindStopped, Pending: pending, Shared: l.r.share != nil})
	l.r.events.close()
	l.release()
	return pending
}

// release stops the admin API and maintenance and closes a store Start opened.
func (l *Listener) release() {
	if l.stopAdm != nil {
		l.stopAdm()
	}
	if l.stopMnt != nil {
		l.stopMnt()
	}
	if l.stopWch != nil {
		l.stopWch()
	}
	if l.ownStore {
		_ = l.st.Close()
	}
}

// maintain forgets expired seen ids and prunes the inbox (retention > 0) now and
// every MaintainEvery, until the returned func is called.
func maintain(st store.ListenStore, retention time.Duration, now func() time.Time) func() {
	run := func() {
		t := now()
		_, _ = st.Sweep(t)
		if retention > 0 {
			_, _ = st.Prune(t.Add(-retention))
		}
	}
	run()
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(MaintainEvery)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				run()
			}
		}
	}()
	return func() { close(stop); <-done }
}

// serveAdmin lets `kwh inbox` read the store while this process holds it
// (with dir: guarded by a token in a 0600 file beside the store) and serves
// the inspector page: a loopback-only listener, separate from the one a
// tunnel exposes. It returns how to stop it and its URL.
func serveAdmin(dir string, st store.ListenStore, status *statusSource, page *AdminPage) (func(), string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, "", err
	}
	base := "http://" + ln.Addr().String()
	mux := http.NewServeMux()
	var info AdminInfo
	if dir != "" {
		if info, err = writeAdminInfo(dir, base); err != nil {
			ln.Close()
			return nil, "", err
		}
		mux.Handle("/", withStatus(AdminHandler(st, info.Token), info.Token, status))
	}
	if page != nil {
		mux.Handle(InspectorPrefix, page.Handler(st))
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	return func() {
		if dir != "" {
			removeAdminInfo(dir, info)
		}
		_ = srv.Close()
	}, base, nil
}

// OpenInbox reads the inbox of the store in dir: through a running kwh
// listen when there is one (it holds the store file), else the file itself.
func OpenInbox(dir string) (store.InboxReader, error) {
	if c := dialAdmin(dir); c != nil {
		return c, nil
	}
	st, err := boltstore.Open(filepath.Join(dir, StoreFile))
	if err != nil {
		return nil, err
	}
	return st, nil
}
