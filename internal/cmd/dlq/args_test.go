package dlq

import (
	"reflect"
	"strings"
	"testing"

	"github.com/kwh-cli/kwh/internal/cmdutil/cmdutiltest"
)

// TestRetryArgs: argv → RetryOptions through runF; bad flags refused before it.
func TestRetryArgs(t *testing.T) {
	type fields struct {
		ProcessIDs                       []int32
		Subscription, Since, To          string
		Topics                           []string
		All, DryRun, Yes, Force, Pending bool
		Concurrency                      int
		Rate                             float64
	}
	tests := []struct {
		argv    string
		want    fields
		wantErr string
	}{
		{"12 13", fields{ProcessIDs: []int32{12, 13}, Concurrency: 4}, ""},
		{"--all --dry-run", fields{All: true, DryRun: true, Concurrency: 4}, ""},
		{"--subscription ab12 --topic order.* --since 2h --to http://localhost:3000/h --concurrency 8 --rate 5 -y --force --include-pending",
			fields{Subscription: "ab12", Topics: []string{"order.*"}, Since: "2h", To: "http://localhost:3000/h", Concurrency: 8, Rate: 5, Yes: true, Force: true, Pending: true}, ""},
		{"", fields{}, "which deliveries"},
		{"twelve", fields{}, "not a number"},
		{"--all --to localhost:3000", fields{}, "localhost:3000"},
		{"--all --concurrency 0", fields{}, "--concurrency"},
		{"--all --rate -1", fields{}, "--rate"},
	}
	for _, tt := range tests {
		t.Run(tt.argv, func(t *testing.T) {
			got, err := cmdutiltest.Parse(t, NewCmdRetry, strings.Fields(tt.argv)...)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || got != nil {
					t.Fatalf("err %v, ran %v: want an error about %q before runF", err, got != nil, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			o := fields{got.ProcessIDs, got.Subscription, got.Since, got.To, got.Topics, got.All, got.DryRun, got.Yes, got.Force, got.IncludePending, got.Concurrency, got.Rate}
			if !reflect.DeepEqual(o, tt.want) {
				t.Errorf("got %+v, want %+v", o, tt.want)
			}
		})
	}
}
