package listen

import (
	"context"
	"time"

	"github.com/kwh-cli/kwh/internal/inspector"
	"github.com/kwh-cli/kwh/internal/listen"
	"github.com/kwh-cli/kwh/internal/store"
)

// withInspector mounts the web inspector on the admin listener and feeds its
// live list; its re-forward sends as kwh inbox replay does, with this run's
// transport and secret.
func withInspector(cfg *listen.Config) error {
	targets := append([]string(nil), cfg.Forward...)
	for _, r := range cfg.Routes {
		targets = append(targets, r.URL)
	}
	transport, timeout, secret := cfg.Transport, cfg.ForwardTimeout, cfg.Secret
	if timeout <= 0 {
		timeout = listen.DefaultForwardTimeout
	}
	in, err := inspector.New(inspector.Options{
		Reforward: func(ctx context.Context, d *store.Delivery, target string) (int, time.Duration, error) {
			return listen.Reforward(ctx, transport, timeout, d, target, secret, time.Now())
		},
		Targets: targets, MaxAge: cfg.MaxAge, Title: "store " + cfg.StoreName,
	})
	if err != nil {
		return err
	}
	cfg.Inspector = in.Page()
	cfg.Observers = append(cfg.Observers, in.Observe)
	return nil
}
