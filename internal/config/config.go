// Package config reads and writes kwh's profiles and resolves the settings a
// command runs with, in the order flag > environment > file > default. It uses
// a private viper instance; the global one is never touched.
package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/spf13/viper"
)

// Keys a profile holds.
const (
	KeyClientID     = "client_id"
	KeySharedSecret = "shared_secret"
	KeyTenant       = "tenant"
	KeySite         = "site"
	KeyAuthHost     = "auth_host"
	KeyAPIHost      = "api_host"
	// KeyStore is where kwh listen keeps what it receives and kwh inbox
	// reads it: a directory, or a redis:// URL several receivers share.
	KeyStore = "store"
)

// Keys lists every profile key in display order.
var Keys = []string{KeyClientID, KeySharedSecret, KeyTenant, KeySite, KeyAuthHost, KeyAPIHost, KeyStore}

// DefaultAuthHost is Kibo's US home pod.
const DefaultAuthHost = "home.mozu.com"

// DefaultProfile is the profile used when none is named or current.
const DefaultProfile = "default"

// EnvNames maps each key to the environment variables that set it, strongest
// first: kwh's own, then Kibo's names and aliases.
var EnvNames = map[string][]string{
	KeyClientID:     {"KWH_CLIENT_ID", "KIBO_CLIENT_ID"},
	KeySharedSecret: {"KWH_SHARED_SECRET", "KIBO_SHARED_SECRET", "KIBO_CLIENT_SECRET"},
	KeyTenant:       {"KWH_TENANT", "KIBO_TENANT", "KIBO_TENANT_ID"},
	KeySite:         {"KWH_SITE", "KIBO_SITE", "KIBO_SITE_ID"},
	KeyAuthHost:     {"KWH_AUTH_HOST", "KIBO_AUTH_HOST", "KIBO_HOME_HOST"},
	KeyAPIHost:      {"KWH_API_HOST", "KIBO_API_HOST"},
	KeyStore:        {"KWH_STORE"},
}

// File is the config file: named profiles and the current one.
type File struct {
	path string
	v    *viper.Viper
}

// DefaultPath is $XDG_CONFIG_HOME/kwh/config.yaml (or ~/.config/kwh/config.yaml).
func DefaultPath(getenv func(string) string) string {
	return filepath.Join(xdgDir(getenv, "XDG_CONFIG_HOME", ".config"), "kwh", "config.yaml")
}

// CacheDir is $XDG_CACHE_HOME/kwh: tokens and tenant lookups.
func CacheDir(getenv func(string) string) string {
	return filepath.Join(xdgDir(getenv, "XDG_CACHE_HOME", ".cache"), "kwh")
}

// StateDir is $XDG_STATE_HOME/kwh: ledgers and stores.
func StateDir(getenv func(string) string) string {
	return filepath.Join(xdgDir(getenv, "XDG_STATE_HOME", filepath.Join(".local", "state")), "kwh")
}

func xdgDir(getenv func(string) string, name, fallback string) string {
	if d := getenv(name); d != "" {
		return d
	}
	home := getenv("HOME")
	if home == "" {
		home, _ = os.UserHomeDir()
	}
	return filepath.Join(home, fallback)
}

// Load reads the file at path; a missing file is an empty configuration.
func Load(path string) (*File, error) {
	v := viper.New()
	v.SetConfigFile(path)
	v.SetConfigType("yaml")
	v.SetConfigPermissions(0o600)
	if err := v.ReadInConfig(); err != nil && !errors.Is(err, os.ErrNotExist) {
		var notFound viper.ConfigFileNotFoundError
		if !errors.As(err, &notFound) {
			return nil, fmt.Errorf("reading %s: %w", path, err)
		}
	}
	return &File{path: path, v: v}, nil
}

// Path is where the file lives.
func (f *File) Path() string { return f.path }

// Current is the current profile's name.
func (f *File) Current() string {
	if c := f.v.GetString("current"); c != "" {
		return c
	}
	return DefaultProfile
}

// Profiles lists profile names, sorted.
func (f *File) Profiles() []string {
	names := make([]string, 0)
	for name := range f.v.GetStringMap("profiles") {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// Has reports whether a profile exists in the file.
func (f *File) Has(profile string) bool { return slices.Contains(f.Profiles(), profile) }

// Values returns a profile's keys as stored in the file.
func (f *File) Values(profile string) map[string]string {
	out := map[string]string{}
	for _, k := range Keys {
		if s := f.v.GetString(profileKey(profile, k)); s != "" {
			out[k] = s
		}
	}
	return out
}

// Set stores a value and writes the file.
func (f *File) Set(profile, key, value string) error {
	if !slices.Contains(Keys, key) {
		return unknownKey(key)
	}
	f.v.Set(profileKey(profile, key), value)
	return f.write()
}

// SetProfile stores several values of one profile at once.
func (f *File) SetProfile(profile string, values map[string]string) error {
	for k, val := range values {
		if !slices.Contains(Keys, k) {
			return unknownKey(k)
		}
		f.v.Set(profileKey(profile, k), val)
	}
	return f.write()
}

// Use makes a profile current.
func (f *File) Use(profile string) error {
	if !f.Has(profile) {
		return fmt.Errorf("no profile named %q (profiles: %v)", profile, f.Profiles())
	}
	f.v.Set("current", profile)
	return f.write()
}

// write replaces the file whole: the new settings go to a private file
// beside it, reach the disk, then take its name. A crash or a full disk
// mid-write leaves the old file as it was, never half of each (it holds
// the shared secret and client secret of every profile).
func (f *File) write() error {
	dir := filepath.Dir(f.path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	// Mode 0600; the same extension, which tells viper the format.
	ext := filepath.Ext(f.path)
	tmp, err := os.CreateTemp(dir, "."+strings.TrimSuffix(filepath.Base(f.path), ext)+"-*"+ext)
	if err != nil {
		return fmt.Errorf("writing %s: %w", f.path, err)
	}
	name := tmp.Name()
	err = f.v.WriteConfigAs(name) // keeps the temp file's 0600
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(name, f.path)
	}
	if err != nil {
		os.Remove(name)
		return fmt.Errorf("writing %s: %w", f.path, err)
	}
	syncDir(dir)
	return nil
}

// syncDir makes a rename in dir durable; where directories cannot be
// synced (Windows) the rename stands without it.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
}

func profileKey(profile, key string) string { return "profiles." + profile + "." + key }

func unknownKey(key string) error {
	return fmt.Errorf("unknown key %q: keys are %v", key, Keys)
}
