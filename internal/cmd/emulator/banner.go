package emulator

import (
	"context"
	"fmt"
	"strings"

	"github.com/kwh-cli/kwh/internal/config"
	"github.com/kwh-cli/kwh/internal/ui"
)

// maxSecret bounds what --shared-secret-stdin reads.
const maxSecret = 4 << 10

// sharedSecret picks the app's secret: --shared-secret-stdin, the
// environment, the --write-profile profile's stored one, or a new one; origin
// says which, for the banner.
func (opts *Options) sharedSecret(ctx context.Context) (secret, origin string, err error) {
	if opts.SecretStdin {
		raw, err := opts.IO.ReadAllContext(ctx, maxSecret)
		if err != nil {
			return "", "", err
		}
		if s := strings.TrimSpace(string(raw)); s != "" {
			return s, "from standard input", nil
		}
		return "", "", fmt.Errorf("--shared-secret-stdin: standard input was empty")
	}
	for _, name := range config.EnvNames[config.KeySharedSecret] {
		if s := opts.Getenv(name); s != "" {
			return s, "from env " + name, nil
		}
	}
	if opts.WriteProfile != "" {
		cfg, err := opts.Config()
		if err != nil {
			return "", "", err
		}
		if s := cfg.Values(opts.WriteProfile)[config.KeySharedSecret]; s != "" {
			return s, "reused from profile " + opts.WriteProfile, nil
		}
	}
	return newSecret(), "new", nil
}

// printBanner says where the emulator is, where its secret came from, and
// commands that work exactly as printed.
func printBanner(opts *Options, th *ui.Theme, url, origin string) {
	w := opts.IO.ErrOut
	tenantKind := "production tenant"
	if opts.Sandbox {
		tenantKind = "sandbox tenant: no retries"
	}
	if opts.TimeScale != 1 {
		// Only Kibo's waits are scaled: dates stay wall-clock times.
		tenantKind += fmt.Sprintf(" · retry waits %g× shorter", opts.TimeScale)
	}
	fmt.Fprintln(w, th.Success.Render("Kibo emulator ready at "+url)+th.Muted.Render("  ("+tenantKind+")"))
	secretLine := "Shared secret: " + origin
	if opts.WriteProfile != "" {
		secretLine += "; saved in profile " + opts.WriteProfile + ", restarts keep it"
	} else if origin == "new" {
		secretLine += "; --write-profile NAME keeps it across restarts"
	}
	fmt.Fprintln(w, th.Muted.Render(secretLine))
	var try []string
	if p := opts.WriteProfile; p != "" {
		try = []string{
			"kwh listen -p " + p + " --forward http://localhost:3000/hooks",
			"kwh -p " + p + " emulator publish order.opened",
			"kwh -p " + p + " subs list",
		}
	} else {
		try = []string{
			"kwh emulator publish order.opened --emulator " + url,
			"or run the export line above, then: kwh subs list",
		}
	}
	fmt.Fprintln(w, th.Muted.Render("Try:  "+strings.Join(try, "\n      ")))
}
