package emulator

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/spf13/cobra"

	"github.com/kwh-cli/kwh/internal/cmdutil"
	"github.com/kwh-cli/kwh/internal/config"
	"github.com/kwh-cli/kwh/internal/emulator"
	"github.com/kwh-cli/kwh/internal/iostreams"
	"github.com/kwh-cli/kwh/internal/output"
	"github.com/kwh-cli/kwh/internal/ui"
	"github.com/kwh-cli/kwh/internal/webhook"
)

// PublishOptions are the inputs of `kwh emulator publish`.
type PublishOptions struct {
	IO        *iostreams.IOStreams
	Profile   func() (config.Profile, error)
	Printer   func() *output.Printer
	Theme     func() *ui.Theme
	Transport http.RoundTripper

	Topic    string
	EntityID string
	Count    int
	Test     bool
	Emulator string
}

// NewCmdPublish is `kwh emulator publish TOPIC`.
func NewCmdPublish(f *cmdutil.Factory, runF func(*PublishOptions) error) *cobra.Command {
	opts := &PublishOptions{IO: f.IOStreams, Profile: f.Profile, Printer: f.Printer, Theme: f.Theme, Transport: f.Transport}
	cmd := &cobra.Command{
		Use:   "publish <topic>",
		Short: "Make the emulator publish events (pull queue and pushes)",
		Long: `Create events in a running emulator, as something happening on the tenant
would: each lands in the pull queue and is pushed to every active subscription
to its topic. The emulator is found through the profile's API host
(KIBO_API_HOST), or --emulator URL.`,
		Example: `  kwh emulator publish order.opened
  kwh emulator publish shipment.statuschanged --entity-id SHP-77 --count 3
  kwh emulator publish product.updated --emulator http://127.0.0.1:5050 -o json`,
		Args:              cmdutil.ExactArgs(1, "which topic? see `kwh topics list`"),
		ValidArgsFunction: cmdutil.CompleteTopicArg,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Topic = args[0]
			if opts.Count < 1 || opts.Count > 10000 {
				return cmdutil.FlagErrorf("--count must be between 1 and 10000")
			}
			if runF != nil {
				return runF(opts)
			}
			return publishRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.EntityID, "entity-id", "", "the entityId (numbered when --count > 1)")
	cmd.Flags().IntVar(&opts.Count, "count", 1, "how many events (1-10000)")
	cmd.Flags().BoolVar(&opts.Test, "test", false, "mark the events isTest")
	cmd.Flags().StringVar(&opts.Emulator, "emulator", "", "the emulator's URL (default: the profile's API host)")
	return cmd
}

func publishRun(ctx context.Context, opts *PublishOptions) error {
	base, err := emulatorBase(opts.Emulator, opts.Profile)
	if err != nil {
		return err
	}
	cmdutil.WarnUnknownLocalTopics(opts.IO.ErrOut, opts.Theme(), []string{opts.Topic})
	out, err := emulator.PublishTo(ctx, opts.Transport, base, emulator.PublishRequest{
		Topic: opts.Topic, EntityID: opts.EntityID, Count: opts.Count, IsTest: opts.Test, ExtendedProperties: webhook.SampleProperties(opts.Topic),
	})
	if err != nil {
		return err
	}
	t := output.Table{Columns: []output.Column{{Header: "event id"}, {Header: "topic", Style: cmdutil.StyleAccent}, {Header: "entity id"}, {Header: "pushed to"}}}
	for _, e := range out {
		var to []string
		for _, d := range e.Deliveries {
			to = append(to, fmt.Sprintf("%s (process %d)", d.Endpoint, d.ProcessID))
		}
		t.Rows = append(t.Rows, []string{e.EventID, e.Topic, e.EntityID, strings.Join(to, ", ")})
	}
	return opts.Printer().PrintList(out, t)
}
