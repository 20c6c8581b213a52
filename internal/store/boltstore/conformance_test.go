package boltstore

import (
	"path/filepath"
	"testing"

	"github.com/kwh-cli/kwh/internal/store"
	"github.com/kwh-cli/kwh/internal/store/storetest"
)

func backend(dir string) storetest.Backend {
	return storetest.Backend{
		Open: func(t *testing.T, name string) store.ListenStore {
			st, err := Open(filepath.Join(dir, name, "listen.db"))
			if err != nil {
				t.Fatal(err)
			}
			return st
		},
		Crash: func(st store.ListenStore) { st.(*Store).crash() },
	}
}

// TestConformance runs the listen store contract against bbolt twice: as it
// runs, and with the applier held back so that a crash leaves everything
// acknowledged only in the write-ahead log.
func TestConformance(t *testing.T) {
	t.Run("applying", func(t *testing.T) { storetest.Run(t, backend(t.TempDir())) })
	t.Run("log only", func(t *testing.T) {
		holdApplies(t)
		storetest.Run(t, backend(t.TempDir()))
	})
}
