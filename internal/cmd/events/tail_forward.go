package events

import (
	"cmp"

	listencmd "github.com/kwh-cli/kwh/internal/cmd/listen"
	"github.com/kwh-cli/kwh/internal/cmdutil"
	"github.com/kwh-cli/kwh/internal/config"
	"github.com/kwh-cli/kwh/internal/kibo"
	"github.com/kwh-cli/kwh/internal/listen"
	"github.com/kwh-cli/kwh/internal/store/redisstore"
	"github.com/kwh-cli/kwh/internal/webhook"
)

// startForwarding starts kwh listen's engine without HTTP (its store,
// forwarder, admin API and maintenance) and makes every printed event also
// go to the --forward targets. What the engine reports is rendered on stderr
// beside the events on stdout. The returned func stops it.
func (t *tailer) startForwarding() (func(), error) {
	opts := t.opts
	var p config.Profile
	if got, err := opts.Profile(); err == nil {
		p = got
	}
	dir := cmp.Or(opts.Store, p.Store, opts.StateDir) // kwh listen's store, as it finds it
	if redisstore.IsURL(dir) {
		return nil, cmdutil.FlagErrorf("kwh listen's store is %s (KWH_STORE or the profile's store): events tail --forward keeps a store directory; give --store DIR", redisstore.Redact(dir))
	}
	l, err := listen.Start(listen.Config{StoreDir: dir, Secret: p.SharedSecret, Forward: opts.Forward, Transport: opts.Transport})
	if err != nil {
		return nil, err
	}
	r := &listencmd.Renderer{ErrOut: opts.IO.ErrOut, Talk: opts.Theme(), Beside: true}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = r.Render(l.Events()) // talk on stderr: a failed write there is not the command's failure
	}()
	print := t.print
	t.print = func(e kibo.Event) error {
		if err := print(e); err != nil {
			return err
		}
		push, c := webhook.FromEvent(e)
		_, err := l.Ingest(push, c, "pull-queue")
		return err
	}
	return func() {
		l.Stop()
		<-done
	}, nil
}
