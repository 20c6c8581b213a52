// Package cmdutil is what commands share: the Factory of lazily built
// dependencies, error types that decide exit codes, and the global flags.
package cmdutil

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/spf13/pflag"

	"github.com/kwh-cli/kwh/internal/config"
	"github.com/kwh-cli/kwh/internal/iostreams"
	"github.com/kwh-cli/kwh/internal/kibo"
	"github.com/kwh-cli/kwh/internal/output"
	"github.com/kwh-cli/kwh/internal/ui"
)

// GlobalFlags are the persistent flags of the root command.
type GlobalFlags struct {
	Profile    string
	ConfigPath string
	Output     string
	JQ         string
	Template   string
	NoColor    bool
	Quiet      bool
	Debug      bool
	Timeout    time.Duration
	Tenant     string
	Site       string
	ClientID   string
	AuthHost   string
	APIHost    string
}

// Factory builds what commands need, each at most once and only when asked.
type Factory struct {
	IOStreams *iostreams.IOStreams
	Getenv    func(string) string
	Version   string
	Commit    string // VCS revision kwh was built from, when known
	Flags     *GlobalFlags
	// FlagSet is the root's persistent flag set, consulted for precedence.
	FlagSet *pflag.FlagSet
	// Transport and Sleep let tests run the Kibo client against an emulator
	// without waiting; nil means the real network and clock.
	Transport http.RoundTripper
	Sleep     func(context.Context, time.Duration) error
	// Pause paces polling commands (events tail); nil means a real timer.
	// Tests use it to act between polls and to stop them.
	Pause func(context.Context, time.Duration) error

	cfgOnce sync.Once
	cfg     *config.File
	cfgErr  error
}

// ConfigPath is the config file in use: --config, KWH_CONFIG or the XDG default.
func (f *Factory) ConfigPath() string {
	if f.Flags.ConfigPath != "" {
		return f.Flags.ConfigPath
	}
	if p := f.Getenv("KWH_CONFIG"); p != "" {
		return p
	}
	return config.DefaultPath(f.Getenv)
}

// Config loads the config file once.
func (f *Factory) Config() (*config.File, error) {
	f.cfgOnce.Do(func() { f.cfg, f.cfgErr = config.Load(f.ConfigPath()) })
	return f.cfg, f.cfgErr
}

// ProfileName is the profile in use: -p, KWH_PROFILE, the file's current one.
func (f *Factory) ProfileName() (string, error) {
	name, _, err := f.profileName()
	return name, err
}

// ProfileSourceKey is the config.Profile.Sources key saying where the
// profile's name came from.
const ProfileSourceKey = "profile"

func (f *Factory) profileName() (name, source string, err error) {
	if f.Flags.Profile != "" {
		return f.Flags.Profile, "flag --profile", nil
	}
	if p := f.Getenv("KWH_PROFILE"); p != "" {
		return p, "env KWH_PROFILE", nil
	}
	cfg, err := f.Config()
	if err != nil {
		return "", "", err
	}
	if cfg.Current() != config.DefaultProfile || cfg.Has(config.DefaultProfile) {
		return cfg.Current(), "current in file", nil
	}
	return cfg.Current(), "default", nil
}

// Profile resolves the settings in use (flag > env > file > default). A
// profile named with -p or KWH_PROFILE must exist (a typo is a usage error);
// the default one may live in the environment alone.
func (f *Factory) Profile() (config.Profile, error) {
	return f.resolveProfile(true)
}

// NewProfile resolves like Profile but lets the named profile not exist yet:
// for commands that create it (auth login).
func (f *Factory) NewProfile() (config.Profile, error) {
	return f.resolveProfile(false)
}

func (f *Factory) resolveProfile(mustExist bool) (config.Profile, error) {
	cfg, err := f.Config()
	if err != nil {
		return config.Profile{}, err
	}
	name, source, err := f.profileName()
	if err != nil {
		return config.Profile{}, err
	}
	if mustExist && name != config.DefaultProfile && !cfg.Has(name) {
		return config.Profile{}, &UnknownProfileError{Name: name, Path: cfg.Path(), Known: cfg.Profiles()}
	}
	p, err := cfg.Resolve(name, f.FlagSet, f.Getenv)
	if err == nil {
		p.Sources[ProfileSourceKey] = source
	}
	return p, err
}

// Client builds a Kibo client for the resolved profile.
func (f *Factory) Client() (*kibo.Client, error) {
	p, err := f.Profile()
	if err != nil {
		return nil, err
	}
	return f.ClientFor(p)
}

// ClientFor builds a Kibo client for a given profile.
func (f *Factory) ClientFor(p config.Profile) (*kibo.Client, error) {
	var missing []string
	if p.ClientID == "" {
		missing = append(missing, "client id")
	}
	if p.SharedSecret == "" {
		missing = append(missing, "shared secret")
	}
	if len(missing) > 0 {
		return nil, &NoCredentialsError{Profile: p.Name, Missing: missing}
	}
	opts := kibo.Options{
		Profile: p.Name, ClientID: p.ClientID, SharedSecret: p.SharedSecret,
		Tenant: p.Tenant, Site: p.Site, AuthHost: p.AuthHost, APIHost: p.APIHost,
		CacheDir:  config.CacheDir(f.Getenv),
		Timeout:   f.Flags.Timeout,
		Transport: f.Transport,
		Sleep:     f.Sleep,
	}
	if f.Flags.Debug {
		opts.Debug = f.IOStreams.ErrOut
	}
	if !f.Flags.Quiet {
		opts.OnRetry = f.reportRetry
	}
	return kibo.New(opts)
}

func (f *Factory) reportRetry(r kibo.RetryInfo) {
	th := f.Theme()
	what := "no answer"
	if r.Status != 0 {
		what = "HTTP " + strconv.Itoa(r.Status)
	} else if r.Err != nil {
		what = kibo.DescribeNetError(r.Err)
	}
	f.IOStreams.ErrOut.Write([]byte(th.Warning.Render("! Kibo: "+what+"; retrying in "+r.Wait.Round(10*time.Millisecond).String()) + "\n"))
}

// OutputOptions are the user's -o, --jq and --template.
func (f *Factory) OutputOptions() output.Options {
	return output.Options{Format: strings.ToLower(f.Flags.Output), JQ: f.Flags.JQ, Template: f.Flags.Template, Quiet: f.Flags.Quiet}
}

// Printer prints command results in the chosen form.
func (f *Factory) Printer() *output.Printer { return output.New(f.IOStreams, f.OutputOptions()) }

// Theme styles talk on stderr.
func (f *Factory) Theme() *ui.Theme {
	return ui.New(f.IOStreams.ErrOut, f.IOStreams.ColorEnabled() && f.IOStreams.IsStderrTTY())
}

// Wait is f.Pause, or a real wait that ends early when ctx is done.
func (f *Factory) Wait(ctx context.Context, d time.Duration) error {
	if f.Pause != nil {
		return f.Pause(ctx, d)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
