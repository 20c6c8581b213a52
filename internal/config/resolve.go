package config

import (
	"github.com/spf13/pflag"
	"github.com/spf13/viper"
)

// Profile is the resolved set of settings a command runs with.
type Profile struct {
	Name         string
	ClientID     string
	SharedSecret string
	Tenant       string
	Site         string
	AuthHost     string
	APIHost      string
	// Store is the listen store (a directory or a redis:// URL); "" is the
	// default directory.
	Store string
	// Sources says where each key's value came from: flag, env NAME, file, default.
	Sources map[string]string
}

// FlagNames maps profile keys to the global flags that can set them. The shared
// secret has no flag on purpose: argv is visible to every user of the machine.
var FlagNames = map[string]string{
	KeyClientID: "client-id",
	KeyTenant:   "tenant",
	KeySite:     "site",
	KeyAuthHost: "auth-host",
	KeyAPIHost:  "api-host",
}

// Resolve layers default < file < environment < flags for one profile.
// flags may be nil; getenv is injected so tests need not touch the process.
func (f *File) Resolve(name string, flags *pflag.FlagSet, getenv func(string) string) (Profile, error) {
	v := viper.New()
	sources := map[string]string{}
	v.SetDefault(KeyAuthHost, DefaultAuthHost)
	sources[KeyAuthHost] = "default"

	fileVals := map[string]any{}
	for k, val := range f.Values(name) {
		fileVals[k] = val
		sources[k] = "file"
	}
	if err := v.MergeConfigMap(fileVals); err != nil {
		return Profile{}, err
	}
	envVals := map[string]any{}
	for _, k := range Keys {
		for _, env := range EnvNames[k] {
			if val := getenv(env); val != "" {
				envVals[k] = val
				sources[k] = "env " + env
				break
			}
		}
	}
	if err := v.MergeConfigMap(envVals); err != nil {
		return Profile{}, err
	}
	if flags != nil {
		for k, flagName := range FlagNames {
			if fl := flags.Lookup(flagName); fl != nil && fl.Changed {
				if err := v.BindPFlag(k, fl); err != nil {
					return Profile{}, err
				}
				sources[k] = "flag --" + flagName
			}
		}
	}
	return Profile{
		Name:         name,
		ClientID:     v.GetString(KeyClientID),
		SharedSecret: v.GetString(KeySharedSecret),
		Tenant:       v.GetString(KeyTenant),
		Site:         v.GetString(KeySite),
		AuthHost:     v.GetString(KeyAuthHost),
		APIHost:      v.GetString(KeyAPIHost),
		Store:        v.GetString(KeyStore),
		Sources:      sources,
	}, nil
}

// Value returns a resolved key's value.
func (p Profile) Value(key string) string {
	switch key {
	case KeyClientID:
		return p.ClientID
	case KeySharedSecret:
		return p.SharedSecret
	case KeyTenant:
		return p.Tenant
	case KeySite:
		return p.Site
	case KeyAuthHost:
		return p.AuthHost
	case KeyAPIHost:
		return p.APIHost
	case KeyStore:
		return p.Store
	}
	return ""
}
