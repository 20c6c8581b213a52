package events

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/kwh-cli/kwh/internal/cmdutil/cmdutiltest"
)

func TestListArgs(t *testing.T) {
	type fields struct {
		Topics                 []string
		EntityID, Since, Until string
		Filter, Sort           string
		Limit, Concurrency     int
		All                    bool
	}
	tests := []struct {
		argv    string
		want    fields
		wantErr string
	}{
		{"", fields{Limit: 50, Concurrency: 8}, ""},
		{"--topic order.* --topic product.created --entity-id 100 --since 2h --until 1h --filter isTest+eq+false --sort createDate -L 5",
			fields{Topics: []string{"order.*", "product.created"}, EntityID: "100", Since: "2h", Until: "1h", Filter: "isTest+eq+false", Sort: "createDate", Limit: 5, Concurrency: 8}, ""},
		{"--all --concurrency 2", fields{Limit: 50, Concurrency: 2, All: true}, ""},
		{"-L 0", fields{}, "--limit"},
		{"--concurrency 0", fields{}, "--concurrency"},
		{"extra", fields{}, "extra"},
	}
	for _, tt := range tests {
		t.Run(tt.argv, func(t *testing.T) {
			o, err := cmdutiltest.Parse(t, NewCmdList, strings.Fields(tt.argv)...)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || o != nil || strings.Contains(err.Error(), "hunter2") {
					t.Fatalf("err %v, ran %v: want an error about %q before runF", err, o != nil, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := fields{o.Topics, o.EntityID, o.Since, o.Until, o.Filter, o.Sort, o.Limit, o.Concurrency, o.All}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestTailArgs(t *testing.T) {
	type fields struct {
		Topics   []string
		EntityID string
		Interval time.Duration
		Last     int
		Forward  []string
		Store    string
	}
	tests := []struct {
		argv    string
		want    fields
		wantErr string
	}{
		{"", fields{Interval: 5 * time.Second, Last: 10}, ""},
		{"--topic order.* --entity-id 7 --interval 2s --last 0 --forward http://localhost:3000/h --store /tmp/s",
			fields{Topics: []string{"order.*"}, EntityID: "7", Interval: 2 * time.Second, Forward: []string{"http://localhost:3000/h"}, Store: "/tmp/s"}, ""},
		{"--interval 10ms", fields{}, "--interval"},
		{"--forward localhost:3000", fields{}, "localhost:3000"},
		{"--forward http://localhost:3000/h --store redis://:hunter2@127.0.0.1:6379/0", fields{}, "a redis:// store is for kwh listen"},
	}
	for _, tt := range tests {
		t.Run(tt.argv, func(t *testing.T) {
			o, err := cmdutiltest.Parse(t, NewCmdTail, strings.Fields(tt.argv)...)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || o != nil || strings.Contains(err.Error(), "hunter2") {
					t.Fatalf("err %v, ran %v: want an error about %q before runF", err, o != nil, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := fields{o.Topics, o.EntityID, o.Interval, o.Last, o.Forward, o.Store}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}
