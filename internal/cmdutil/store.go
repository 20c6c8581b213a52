package cmdutil

import (
	"github.com/spf13/pflag"

	"github.com/kwh-cli/kwh/internal/config"
	"github.com/kwh-cli/kwh/internal/store/redisstore"
)

// StoreFlags adds --store and --redis-prefix, the listen store's location
// (kwh listen, kwh inbox …), to a command.
func StoreFlags(fl *pflag.FlagSet, store, prefix *string, usage string) {
	fl.StringVar(store, "store", "", usage+" (else KWH_STORE or the profile's store)")
	fl.StringVar(prefix, "redis-prefix", redisstore.DefaultPrefix, "key prefix in a redis:// store, so several kwh deployments share one Redis")
}

// ResolveStore is where the listen store is: --store, else KWH_STORE or the
// profile's store setting (flag > environment > profile); "" means the
// default directory. A --redis-prefix other than the default needs a
// redis:// store.
func ResolveStore(fl *pflag.FlagSet, store, prefix *string, profile func() (config.Profile, error)) error {
	if *store == "" && profile != nil {
		p, err := profile()
		if err != nil {
			return err
		}
		*store = p.Store
	}
	if f := fl.Lookup("redis-prefix"); f != nil && f.Changed && !redisstore.IsURL(*store) {
		return FlagErrorf("--redis-prefix applies to a redis:// store; give --store redis://… (or KWH_STORE)")
	}
	return nil
}
