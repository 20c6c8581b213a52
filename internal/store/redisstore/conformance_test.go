package redisstore

import (
	"testing"

	"github.com/kwh-cli/kwh/internal/store"
	"github.com/kwh-cli/kwh/internal/store/redisstore/redistest"
	"github.com/kwh-cli/kwh/internal/store/storetest"
)

func backend(srv *redistest.Server, crash func(st store.ListenStore)) storetest.Backend {
	return storetest.Backend{
		Open: func(t *testing.T, name string) store.ListenStore {
			st, err := Open(srv.URL(), Options{Prefix: "kwhtest:" + name})
			if err != nil {
				t.Fatal(err)
			}
			return st
		},
		Crash: crash,
	}
}

// TestConformance runs the listen store contract against a real
// redis-server twice: with the kwh process crashing (its connections
// dropped), and with Redis itself killed (SIGKILL) and started again, so
// that what was acknowledged comes back from its append-only file.
func TestConformance(t *testing.T) {
	t.Run("kwh crashes", func(t *testing.T) {
		srv := redistest.Start(t)
		storetest.Run(t, backend(srv, func(st store.ListenStore) { _ = st.Close() }))
	})
	t.Run("redis crashes", func(t *testing.T) {
		srv := redistest.Start(t)
		storetest.Run(t, backend(srv, func(st store.ListenStore) {
			_ = st.Close()
			srv.Restart()
		}))
	})
}
