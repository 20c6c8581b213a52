package events

import (
	"fmt"
	"path/filepath"

	"github.com/kwh-cli/kwh/internal/kibo"
	"github.com/kwh-cli/kwh/internal/listen"
	"github.com/kwh-cli/kwh/internal/store"
	"github.com/kwh-cli/kwh/internal/webhook"
)

// startForwarding opens kwh listen's store and forwarder and makes every
// printed event also go to the --forward targets. The returned func stops it.
func (t *tailer) startForwarding() (func(), error) {
	opts := t.opts
	secret := ""
	if p, err := opts.Profile(); err == nil {
		secret = p.SharedSecret
	}
	dir := opts.Store
	if dir == "" {
		dir = opts.StateDir
	}
	st, err := store.OpenListen(filepath.Join(dir, "listen.db"))
	if err != nil {
		return nil, err
	}
	r, err := listen.New(listen.Config{Store: st, Secret: secret, Forward: opts.Forward, Topics: nil, Transport: opts.Transport})
	if err != nil {
		st.Close()
		return nil, err
	}
	resumed, err := r.StartForwarding()
	if err != nil {
		st.Close()
		return nil, err
	}
	th := opts.Theme()
	if resumed > 0 {
		fmt.Fprintln(opts.IO.ErrOut, th.Warning.Render(fmt.Sprintf("Resuming %d spooled forwards.", resumed)))
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for e := range r.Events() {
			switch e.Kind {
			case listen.KindForwarded:
				fmt.Fprintln(opts.IO.ErrOut, th.Success.Render(fmt.Sprintf("→ %d  %s  %s", e.Status, e.Topic, e.Target)))
			case listen.KindRetrying:
				fmt.Fprintln(opts.IO.ErrOut, th.Warning.Render(fmt.Sprintf("→ %s  %s  retry %d in %d ms", e.Reason, e.Target, e.Attempt+1, e.RetryInMs)))
			case listen.KindDuplicate:
				fmt.Fprintln(opts.IO.ErrOut, th.Muted.Render(fmt.Sprintf("  %s %s already forwarded earlier: not sent again", e.Topic, e.EventID)))
			case listen.KindFailed:
				fmt.Fprintln(opts.IO.ErrOut, th.Error.Render("→ failed: "+e.Reason))
			}
		}
	}()
	print := t.print
	t.print = func(e kibo.Event) error {
		if err := print(e); err != nil {
			return err
		}
		push, c := webhook.FromEvent(e)
		_, err := r.Ingest(push, c, "pull-queue")
		return err
	}
	return func() {
		if n := r.StopForwarding(); n > 0 {
			fmt.Fprintln(opts.IO.ErrOut, th.Muted.Render(fmt.Sprintf("%d forwards stay spooled for the next run.", n)))
		}
		<-done
		st.Close()
	}, nil
}
