package output

import (
	"testing"

	"github.com/kwh-cli/kwh/internal/iostreams"
)

func TestValidate(t *testing.T) {
	tests := []struct {
		o  Options
		ok bool
	}{
		{Options{}, true},
		{Options{Format: "yaml"}, true},
		{Options{Format: "xml"}, false},
		{Options{JQ: ".[]", Template: "{{.}}"}, false},
		{Options{JQ: ".[", Format: "json"}, false},
		{Options{JQ: ".[]", Format: "csv"}, false},
		{Options{Template: "{{.x"}, false},
	}
	for _, tt := range tests {
		if err := tt.o.Validate(); (err == nil) != tt.ok {
			t.Errorf("%+v: err = %v", tt.o, err)
		}
	}
}

func TestShortID(t *testing.T) {
	id := "3f9c5e0e2b8a4d7f9c1e6a2b4d8f00a1"
	if ShortID(id) != "3f9c…a1" || ShortID("short") != "short" {
		t.Fatal(ShortID(id))
	}
}

func TestFormatsOfOneObject(t *testing.T) {
	data := map[string]any{"b": 1, "a": []any{"x", "true", "123"}}
	tests := []struct{ format, want string }{
		{"json", "{\n  \"a\": [\n    \"x\",\n    \"true\",\n    \"123\"\n  ],\n  \"b\": 1\n}\n"},
		{"ndjson", "{\"a\":[\"x\",\"true\",\"123\"],\"b\":1}\n"},
		{"yaml", "a:\n  - x\n  - \"true\"\n  - \"123\"\nb: 1\n"},
	}
	for _, tt := range tests {
		ios, _, out, _ := iostreams.Test()
		if err := New(ios, Options{Format: tt.format}).PrintObject(data, nil); err != nil {
			t.Fatal(err)
		}
		if out.String() != tt.want {
			t.Errorf("%s: got %q, want %q", tt.format, out.String(), tt.want)
		}
	}
}

func TestEmptyTablePrintsNothing(t *testing.T) {
	ios, _, out, _ := iostreams.Test()
	if err := New(ios, Options{Format: "table"}).PrintList([]int{}, Table{Columns: []Column{{Header: "id"}}}); err != nil || out.Len() != 0 {
		t.Errorf("err %v, output %q", err, out)
	}
	ios, _, out, _ = iostreams.Test()
	_ = New(ios, Options{Format: "json"}).PrintList([]int{}, Table{})
	if out.String() != "[]\n" {
		t.Errorf("json of an empty list: %q", out)
	}
}
