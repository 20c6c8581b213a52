package auth

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/kwh-cli/kwh/internal/cmdutil"
	"github.com/kwh-cli/kwh/internal/config"
	"github.com/kwh-cli/kwh/internal/iostreams"
	"github.com/kwh-cli/kwh/internal/kibo"
	"github.com/kwh-cli/kwh/internal/output"
)

// StatusOptions are the inputs of `kwh auth status`.
type StatusOptions struct {
	IO        *iostreams.IOStreams
	Profile   func() (config.Profile, error)
	ClientFor func(config.Profile) (*kibo.Client, error)
	Printer   func() *output.Printer
	Now       func() time.Time
}

// Status is the JSON form of `kwh auth status`. It never holds a secret.
type Status struct {
	Profile        string     `json:"profile"`
	ClientID       string     `json:"clientId"`
	Tenant         string     `json:"tenant,omitempty"`
	Site           string     `json:"site,omitempty"`
	AuthHost       string     `json:"authHost"`
	APIHost        string     `json:"apiHost,omitempty"`
	SharedSecret   string     `json:"sharedSecret"` // where it comes from, never its value
	TokenValid     bool       `json:"tokenValid"`
	TokenExpiresAt *time.Time `json:"tokenExpiresAt,omitempty"`
	TokenFromCache bool       `json:"tokenFromCache"` // a cached token existed; the check got a new one anyway
	Error          string     `json:"error,omitempty"`
}

// NewCmdStatus is `kwh auth status`.
func NewCmdStatus(f *cmdutil.Factory, runF func(*StatusOptions) error) *cobra.Command {
	opts := &StatusOptions{IO: f.IOStreams, Profile: f.Profile, ClientFor: f.ClientFor, Printer: f.Printer, Now: time.Now}
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show the profile in use and whether its token is valid",
		Long: `Show the profile in use, where each setting comes from (flag, env, file or
default), and check the credentials for real: kwh asks the auth host for a new
token, whatever its cache holds. Exit code 4 when Kibo refuses the
credentials, 1 when the auth host cannot be reached.`,
		Example: `  kwh auth status
  kwh auth status -p production -o json`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			return statusRun(cmd.Context(), opts)
		},
	}
	return cmd
}

func statusRun(ctx context.Context, opts *StatusOptions) error {
	p, err := opts.Profile()
	if err != nil {
		return err
	}
	st := Status{Profile: p.Name, ClientID: p.ClientID, Tenant: p.Tenant, Site: p.Site, AuthHost: p.AuthHost, APIHost: p.APIHost, SharedSecret: "not set"}
	if p.SharedSecret != "" {
		st.SharedSecret = "set (" + p.Sources[config.KeySharedSecret] + ")"
	}
	client, checkErr := opts.ClientFor(p)
	if checkErr == nil {
		st.TokenFromCache = client.CachedToken() != nil && client.CachedToken().Expiry.After(opts.Now().Add(time.Minute))
		tok, err := client.CheckCredentials(ctx)
		if err == nil {
			st.TokenValid = true
			if !tok.Expiry.IsZero() {
				exp := tok.Expiry.UTC()
				st.TokenExpiresAt = &exp
			}
		}
		checkErr = err
	}
	if checkErr != nil {
		st.Error = checkErr.Error()
	}
	if err := opts.Printer().PrintObject(st, statusFields(st, p, opts.Now())); err != nil {
		return err
	}
	if checkErr != nil {
		return checkErr
	}
	return nil
}

func statusFields(st Status, p config.Profile, now time.Time) []output.Field {
	src := func(k string) string {
		if s := p.Sources[k]; s != "" && (p.Value(k) != "" || k == cmdutil.ProfileSourceKey) {
			return "  (" + s + ")"
		}
		return ""
	}
	token := "none: " + st.Error
	if st.TokenValid {
		token = "valid"
		if st.TokenExpiresAt != nil {
			token += fmt.Sprintf(" until %s (%s left)", st.TokenExpiresAt.Format("2006-01-02 15:04 MST"), st.TokenExpiresAt.Sub(now).Round(time.Minute))
		}
		token += ", checked with the auth host"
	}
	return []output.Field{
		{Name: "profile", Value: st.Profile + src(cmdutil.ProfileSourceKey)},
		{Name: "client id", Value: st.ClientID + src(config.KeyClientID)},
		{Name: "shared secret", Value: st.SharedSecret},
		{Name: "tenant", Value: st.Tenant + src(config.KeyTenant)},
		{Name: "site", Value: st.Site + src(config.KeySite)},
		{Name: "auth host", Value: st.AuthHost + src(config.KeyAuthHost)},
		{Name: "api host", Value: st.APIHost + src(config.KeyAPIHost)},
		{Name: "token", Value: token},
	}
}
