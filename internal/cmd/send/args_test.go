package send

import (
	"reflect"
	"strings"
	"testing"

	"github.com/kwh-cli/kwh/internal/cmdutil/cmdutiltest"
)

// TestSendArgs: argv → Options through runF; bad flags refused before it.
func TestSendArgs(t *testing.T) {
	tests := []struct {
		argv    string
		want    Options
		wantErr string
	}{
		{"order.opened --to http://localhost:3000/h", Options{Topic: "order.opened", To: "http://localhost:3000/h", Count: 1}, ""},
		{"product.created --to http://x/h --entity-id SKU-1 --data props.json --count 3 --duplicate 2 --no-sign",
			Options{Topic: "product.created", To: "http://x/h", EntityID: "SKU-1", Data: "props.json", Count: 3, Duplicate: 2, NoSign: true}, ""},
		{"order.opened", Options{}, "--to URL is required"},
		{"order.opened --to localhost:3000", Options{}, "localhost:3000"},
		{"order.opened --to http://x/h --count 0", Options{}, "--count"},
		{"order.opened --to http://x/h --duplicate -1", Options{}, "--duplicate"},
		{"--to http://x/h", Options{}, "which topic"},
	}
	for _, tt := range tests {
		t.Run(tt.argv, func(t *testing.T) {
			got, err := cmdutiltest.Parse(t, NewCmdSend, strings.Fields(tt.argv)...)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || got != nil {
					t.Fatalf("err %v, ran %v: want an error about %q before runF", err, got != nil, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			o := Options{Topic: got.Topic, To: got.To, EntityID: got.EntityID, Data: got.Data, Count: got.Count, Duplicate: got.Duplicate, NoSign: got.NoSign}
			if !reflect.DeepEqual(o, tt.want) {
				t.Errorf("got %+v, want %+v", o, tt.want)
			}
		})
	}
}
