package store

import (
	"bytes"
	"encoding/json"
	"net/http"
	"reflect"
	"testing"
	"time"
)

func checkSameAsMarshal(t *testing.T, v any, got []byte, err error) {
	t.Helper()
	want, wantErr := json.Marshal(v)
	if (err != nil) != (wantErr != nil) {
		t.Fatalf("error %v, json.Marshal's %v", err, wantErr)
	}
	if err == nil && !bytes.Equal(got, want) {
		t.Fatalf("encoded\n%s\njson.Marshal\n%s", got, want)
	}
}

func TestDeliveryJSONIsMarshals(t *testing.T) {
	last := time.Date(2026, 11, 26, 9, 30, 0, 120_000_000, time.FixedZone("", -5*3600))
	tests := []struct {
		name string
		d    Delivery
	}{
		{"zero", Delivery{}},
		{"a push", Delivery{ID: 42, ReceivedAt: time.Date(2026, 11, 26, 14, 3, 4, 5, time.UTC), EventID: "6f1c", Topic: "order.opened", EntityID: "0a1b",
			Method: "POST", Path: "/hooks", Host: "127.0.0.1:4000", Remote: "127.0.0.1:5555", Verified: true,
			Header:  http.Header{"X-Vol-Hmac-Sha256": {"abc="}, "Content-Type": {"application/json"}, "Date": {"Thu, 26 Nov 2026 14:03:04 GMT"}},
			Targets: []string{"http://localhost:3000/hooks", "http://b"}}},
		{"every optional field", Delivery{ID: 1, Duplicate: true, Skipped: true, Duplicates: 3, LastDuplicateAt: &last, SetAside: "unreadable", Header: http.Header{}}},
		{"escapes", Delivery{EventID: "a\"b\\c<d>e&f\u2028g\u2029h\x00\x1f\b\f\n\r\t", Topic: "\xff\xfe bad utf-8 \xe2\x82", Header: http.Header{"K<": {"v&", ""}, "Nil": nil}}},
		{"unicode", Delivery{EntityID: "日本語 ✓ 🎉", Remote: "[::1]:80"}},
		{"year beyond 9999", Delivery{ReceivedAt: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}},
		{"offset with seconds", Delivery{ReceivedAt: time.Date(1900, 1, 1, 0, 0, 0, 0, time.FixedZone("LMT", 3*3600+17))}},
		{"offset of a day", Delivery{ReceivedAt: time.Date(2026, 1, 1, 0, 0, 0, 0, time.FixedZone("", 24*3600))}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.d.AppendJSON([]byte("prefix"))
			if err == nil {
				got = bytes.TrimPrefix(got, []byte("prefix"))
			}
			checkSameAsMarshal(t, tt.d, got, err)
		})
	}
}

func TestForwardStateJSONIsMarshals(t *testing.T) {
	at := time.Date(2026, 11, 26, 14, 3, 4, 999_999_999, time.Local)
	for _, st := range []ForwardState{
		{},
		{Status: 200, Attempts: 1, Delivered: true, At: at},
		{Status: -1, Attempts: 9, GaveUp: true, Dropped: true, Error: "dial tcp: <refused> & \"gone\"", At: at},
		{Attempts: 2, Error: "\xff", At: time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC)},
	} {
		got, err := st.AppendJSON(nil)
		checkSameAsMarshal(t, st, got, err)
	}
}

func FuzzDeliveryJSON(f *testing.F) {
	f.Add(uint64(7), int64(1_700_000_000_123_456_789), "ev", "order.opened", "Content-Type", "application/json", "<&>\u2028", true, 2)
	f.Add(uint64(0), int64(-1<<62), "\xff", "", "", "", "\x00", false, 0)
	f.Fuzz(func(t *testing.T, id uint64, ns int64, eventID, topic, hk, hv, aside string, verified bool, dups int) {
		d := Delivery{ID: id, ReceivedAt: time.Unix(0, ns).UTC(), EventID: eventID, Topic: topic, EntityID: hv, Method: hk,
			Header: http.Header{hk: {hv, eventID}, topic: nil}, Verified: verified, Duplicates: dups, SetAside: aside, Targets: []string{hv}}
		got, err := d.AppendJSON(nil)
		checkSameAsMarshal(t, d, got, err)
		st := ForwardState{Status: dups, Attempts: int(id % 100), Delivered: verified, Error: aside, At: time.Unix(0, ns)}
		got, err = st.AppendJSON(nil)
		checkSameAsMarshal(t, st, got, err)
	})
}

// The encoding of one accepted push's record, against json.Marshal.
func BenchmarkDeliveryJSON(b *testing.B) {
	d := Delivery{ID: 42, ReceivedAt: time.Now(), EventID: "6f1c0a52-1b9e-4c1e-9a57-0d1f2e3a4b5c", Topic: "order.opened", EntityID: "0a1b2c3d",
		Method: "POST", Path: "/hooks", Host: "127.0.0.1:4000", Remote: "127.0.0.1:5555", Verified: true,
		Header: http.Header{"X-Vol-Hmac-Sha256": {"q1w2e3r4t5y6u7i8o9p0a1s2d3f4g5h6j7k8l9z0x1c="}, "Content-Type": {"application/json"},
			"Date": {"Thu, 26 Nov 2026 14:03:04 GMT"}, "X-Vol-Tenant": {"12345"}, "X-Vol-Site": {"67890"}, "User-Agent": {"Kibo"}},
		Targets: []string{"http://localhost:3000/hooks"}}
	b.Run("AppendJSON", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := d.AppendJSON(make([]byte, 0, 1024)); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("json.Marshal", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := json.Marshal(d); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// A field added to Delivery or ForwardState must be written by AppendJSON
// too: every field is set here, whatever it is, and the two compared.
func TestAppendJSONWritesEveryField(t *testing.T) {
	d, st := Delivery{}, ForwardState{}
	fillEveryField(t, reflect.ValueOf(&d).Elem())
	fillEveryField(t, reflect.ValueOf(&st).Elem())
	got, err := d.AppendJSON(nil)
	checkSameAsMarshal(t, d, got, err)
	got, err = st.AppendJSON(nil)
	checkSameAsMarshal(t, st, got, err)
}

func fillEveryField(t *testing.T, v reflect.Value) {
	at := time.Date(2026, 11, 26, 12, 0, 0, 7, time.UTC)
	for i := range v.NumField() {
		f, name := v.Field(i), v.Type().Field(i).Name
		switch f.Interface().(type) {
		case string:
			f.SetString(name + "<&>")
		case uint64:
			f.SetUint(uint64(i + 1))
		case int:
			f.SetInt(int64(i + 1))
		case bool:
			f.SetBool(true)
		case time.Time:
			f.Set(reflect.ValueOf(at))
		case *time.Time:
			f.Set(reflect.ValueOf(&at))
		case http.Header:
			f.Set(reflect.ValueOf(http.Header{name: {"v"}}))
		case []string:
			f.Set(reflect.ValueOf([]string{name}))
		case []byte:
			f.SetBytes([]byte(name))
		case map[string]ForwardState:
			f.Set(reflect.ValueOf(map[string]ForwardState{name: {Attempts: 1}}))
		default:
			t.Fatalf("%s.%s is a %s: teach AppendJSON (and this test) to write it", v.Type().Name(), name, f.Type())
		}
	}
}
