// Package config implements `kwh config`: profiles in the config file.
package config

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/kwh-cli/kwh/internal/cmdutil"
	cfg "github.com/kwh-cli/kwh/internal/config"
	"github.com/kwh-cli/kwh/internal/iostreams"
	"github.com/kwh-cli/kwh/internal/output"
	"github.com/kwh-cli/kwh/internal/store/redisstore"
	"github.com/kwh-cli/kwh/internal/ui"
)

// NewCmdConfig is the `config` noun.
func NewCmdConfig(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "config <command>",
		Short: "Manage profiles in the config file",
		Long: fmt.Sprintf(`Profiles live in $XDG_CONFIG_HOME/kwh/config.yaml (mode 0600). Keys: %s.
Settings resolve flag > environment > file > default; -p picks a profile.`, strings.Join(cfg.Keys, ", ")),
	}
	cmd.AddCommand(NewCmdList(f, nil), NewCmdGet(f, nil), NewCmdSet(f, nil), NewCmdUse(f, nil))
	return cmdutil.Noun(cmd)
}

// ListOptions are the inputs of `kwh config list`.
type ListOptions struct {
	IO      *iostreams.IOStreams
	Config  func() (*cfg.File, error)
	Printer func() *output.Printer
	Theme   func() *ui.Theme
}

// NewCmdList is `kwh config list`.
func NewCmdList(f *cmdutil.Factory, runF func(*ListOptions) error) *cobra.Command {
	o := &ListOptions{IO: f.IOStreams, Config: f.Config, Printer: f.Printer, Theme: f.Theme}
	return &cobra.Command{
		Use: "list", Short: "List profiles", Args: cmdutil.NoArgs,
		Example: "  kwh config list\n  kwh config list -o json",
		RunE: func(c *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(o)
			}
			return listRun(o)
		},
	}
}

// GetOptions are the inputs of `kwh config get`.
type GetOptions struct {
	IO      *iostreams.IOStreams
	Profile func() (cfg.Profile, error)
	Config  func() (*cfg.File, error)

	Key string
}

// NewCmdGet is `kwh config get`.
func NewCmdGet(f *cmdutil.Factory, runF func(*GetOptions) error) *cobra.Command {
	o := &GetOptions{IO: f.IOStreams, Profile: f.Profile, Config: f.Config}
	return &cobra.Command{
		Use: "get <key>", Short: "Print a setting of the profile in use (after flags and environment)",
		Example:           "  kwh config get tenant\n  kwh config get api_host -p sandbox",
		Args:              cmdutil.ExactArgs(1, "which key? one of "+strings.Join(cfg.Keys, ", ")),
		ValidArgsFunction: cmdutil.CompleteConfigKey,
		RunE: func(c *cobra.Command, args []string) error {
			o.Key = args[0]
			if err := checkKey(o.Key); err != nil {
				return err
			}
			if o.Key == cfg.KeySharedSecret {
				return cmdutil.FlagErrorf("kwh never prints the shared secret; `kwh auth status` says whether one is set and where from")
			}
			if runF != nil {
				return runF(o)
			}
			return getRun(o)
		},
	}
}

// SetOptions are the inputs of `kwh config set`.
type SetOptions struct {
	IO          *iostreams.IOStreams
	Config      func() (*cfg.File, error)
	ProfileName func() (string, error)
	Theme       func() *ui.Theme

	Key, Value string
}

// NewCmdSet is `kwh config set`.
func NewCmdSet(f *cmdutil.Factory, runF func(*SetOptions) error) *cobra.Command {
	o := &SetOptions{IO: f.IOStreams, Config: f.Config, ProfileName: f.ProfileName, Theme: f.Theme}
	return &cobra.Command{
		Use: "set <key> <value>", Short: "Store a setting in a profile",
		Long: `Store a setting in the profile in use (or -p NAME, which is created if new).
The shared secret is never taken as an argument: pass - and pipe it on stdin.`,
		Example:           "  kwh config set tenant 12345\n  kwh config set api_host http://127.0.0.1:5050 -p emulator\n  kwh config set shared_secret - < secret.txt",
		Args:              cmdutil.ExactArgs(2, "want a key and a value"),
		ValidArgsFunction: cmdutil.CompleteConfigKey,
		RunE: func(c *cobra.Command, args []string) error {
			o.Key, o.Value = args[0], args[1]
			if err := checkKey(o.Key); err != nil {
				return err
			}
			if o.Key == cfg.KeySharedSecret && o.Value != "-" {
				return cmdutil.FlagErrorf("the shared secret is never an argument (shell history, ps): pass - and pipe it on stdin, or use `kwh auth login`")
			}
			if runF != nil {
				return runF(o)
			}
			return setRun(o)
		},
	}
}

// UseOptions are the inputs of `kwh config use`.
type UseOptions struct {
	IO     *iostreams.IOStreams
	Config func() (*cfg.File, error)
	Theme  func() *ui.Theme

	Name string
}

// NewCmdUse is `kwh config use`.
func NewCmdUse(f *cmdutil.Factory, runF func(*UseOptions) error) *cobra.Command {
	o := &UseOptions{IO: f.IOStreams, Config: f.Config, Theme: f.Theme}
	return &cobra.Command{
		Use: "use <profile>", Short: "Make a profile the current one",
		Example:           "  kwh config use production",
		Args:              cmdutil.ExactArgs(1, "which profile? see `kwh config list`"),
		ValidArgsFunction: f.CompleteProfileArg,
		RunE: func(c *cobra.Command, args []string) error {
			o.Name = args[0]
			if runF != nil {
				return runF(o)
			}
			return useRun(o)
		},
	}
}

func checkKey(key string) error {
	if !slices.Contains(cfg.Keys, key) {
		return cmdutil.FlagErrorf("unknown key %q: keys are %s", key, strings.Join(cfg.Keys, ", "))
	}
	return nil
}

// ProfileView is the JSON form of a profile: the secret is only "set" or not.
type ProfileView struct {
	Name            string `json:"name"`
	Current         bool   `json:"current"`
	ClientID        string `json:"clientId,omitempty"`
	Tenant          string `json:"tenant,omitempty"`
	Site            string `json:"site,omitempty"`
	AuthHost        string `json:"authHost,omitempty"`
	APIHost         string `json:"apiHost,omitempty"`
	Store           string `json:"store,omitempty"` // a Redis password redacted
	HasSharedSecret bool   `json:"hasSharedSecret"`
}

func listRun(o *ListOptions) error {
	file, err := o.Config()
	if err != nil {
		return err
	}
	views := []ProfileView{}
	t := output.Table{Columns: []output.Column{
		{Header: "name"}, {Header: "current"}, {Header: "client id"}, {Header: "tenant"}, {Header: "site"},
		{Header: "auth host", Wide: true}, {Header: "api host", Wide: true}, {Header: "store", Wide: true}, {Header: "secret"},
	}}
	for _, name := range file.Profiles() {
		v := file.Values(name)
		pv := ProfileView{Name: name, Current: name == file.Current(), ClientID: v[cfg.KeyClientID], Tenant: v[cfg.KeyTenant],
			Site: v[cfg.KeySite], AuthHost: v[cfg.KeyAuthHost], APIHost: v[cfg.KeyAPIHost], HasSharedSecret: v[cfg.KeySharedSecret] != "", Store: shownStore(v[cfg.KeyStore])}
		views = append(views, pv)
		current, secret := "", "not set"
		if pv.Current {
			current = "*"
		}
		if pv.HasSharedSecret {
			secret = "set"
		}
		t.Rows = append(t.Rows, []string{name, current, pv.ClientID, pv.Tenant, pv.Site, pv.AuthHost, pv.APIHost, pv.Store, secret})
	}
	p := o.Printer()
	if err := p.PrintList(views, t); err != nil {
		return err
	}
	if p.ShowsFooter() && len(views) == 0 {
		fmt.Fprintln(o.IO.ErrOut, o.Theme().Muted.Render("no profiles yet: run `kwh auth login`"))
	}
	return nil
}

// shownStore is a store setting as printed: a Redis password is a secret.
func shownStore(v string) string {
	if redisstore.IsURL(v) {
		return redisstore.Redact(v)
	}
	return v
}

func getRun(o *GetOptions) error {
	p, err := o.Profile()
	if err != nil {
		return err
	}
	value := p.Value(o.Key)
	if value == "" {
		return o.unset(p.Name)
	}
	if o.Key == cfg.KeyStore {
		value = shownStore(value)
	}
	_, err = fmt.Fprintln(o.IO.Out, value)
	return err
}

// unset says why a key has no value, as git config does with exit 1: a
// script reading it gets nothing rather than an empty line.
func (o *GetOptions) unset(profile string) error {
	how := "kwh config set " + o.Key + " VALUE -p " + profile
	if env := cfg.EnvNames[o.Key]; len(env) > 1 {
		how += ", or " + env[1] // Kibo's own name for it
	}
	if file, err := o.Config(); err == nil && !file.Has(profile) {
		return &cmdutil.ExitError{Code: cmdutil.ExitFailure, Err: fmt.Errorf("%s is not set: there is no profile %q yet (kwh auth login -p %s, %s)", o.Key, profile, profile, how)}
	}
	return &cmdutil.ExitError{Code: cmdutil.ExitFailure, Err: fmt.Errorf("%s is not set in profile %s (%s)", o.Key, profile, how)}
}

func setRun(o *SetOptions) error {
	value := o.Value
	if o.Key == cfg.KeySharedSecret {
		raw, err := io.ReadAll(o.IO.In)
		if err != nil {
			return err
		}
		value = strings.TrimSpace(string(raw))
		if value == "" {
			return cmdutil.FlagErrorf("no shared secret on stdin")
		}
	}
	file, err := o.Config()
	if err != nil {
		return err
	}
	name, err := o.ProfileName()
	if err != nil {
		return err
	}
	if err := file.Set(name, o.Key, value); err != nil {
		return err
	}
	fmt.Fprintln(o.IO.ErrOut, o.Theme().Success.Render(fmt.Sprintf("✓ %s set in profile %s", o.Key, name)))
	return nil
}

func useRun(o *UseOptions) error {
	file, err := o.Config()
	if err != nil {
		return err
	}
	if !file.Has(o.Name) {
		return cmdutil.FlagErrorf("no profile %q: profiles are %s", o.Name, strings.Join(file.Profiles(), ", "))
	}
	if err := file.Use(o.Name); err != nil {
		return err
	}
	fmt.Fprintln(o.IO.ErrOut, o.Theme().Success.Render("✓ Now using profile "+o.Name))
	return nil
}
