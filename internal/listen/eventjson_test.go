package listen

import (
	"bytes"
	"encoding/json"
	"math"
	"reflect"
	"testing"
	"time"
)

func encoderLine(t *testing.T, e Event) ([]byte, error) {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	err := enc.Encode(e)
	return buf.Bytes(), err
}

func checkEventLine(t *testing.T, e Event) {
	t.Helper()
	got, err := e.AppendNDJSON([]byte("prefix"))
	want, wantErr := encoderLine(t, e)
	if (err != nil) != (wantErr != nil) {
		t.Fatalf("error %v, the Encoder's %v", err, wantErr)
	}
	if err == nil && !bytes.Equal(bytes.TrimPrefix(got, []byte("prefix")), want) {
		t.Fatalf("wrote\n%s\nthe Encoder writes\n%s", got, want)
	}
}

func TestEventNDJSONIsEncoders(t *testing.T) {
	at := time.Date(2026, 11, 26, 14, 3, 4, 123_000_000, time.FixedZone("", 3600))
	for _, e := range []Event{
		{},
		{Kind: KindReceived, Time: at, DeliveryID: 7, EventID: "6f1c", Topic: "order.opened", EntityID: "0a1b", Remote: "127.0.0.1:5555", Verified: true, LatencyMs: 0.412},
		{Kind: KindForwarded, Time: at, DeliveryID: 7, Target: "http://localhost:3000/hooks?a=1&b=<2>", Status: 200, LatencyMs: 12.5, Attempt: 1, Backlog: 1204, OldestPendingMs: 2600},
		{Kind: KindFailed, Time: at, Status: 503, RetryInMs: 5000, GaveUp: true, Reason: "dial tcp: \"refused\"\n\u2028\xff", LatencyMs: 1e-7},
		{Kind: KindReady, Time: at, URL: "http://127.0.0.1:4000/", Targets: []string{"http://a", "http://b"}, Store: "/tmp/x", Sync: true, Pending: 3, Inspector: "http://127.0.0.1:1/inspector/?token=t", Metrics: "http://127.0.0.1:2/metrics"},
		{Kind: KindStopped, Time: at, Dropped: 4, Lossless: true, Shared: true, LatencyMs: 1e22},
		{Kind: "x", Time: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)},
		{Kind: "x", LatencyMs: math.Inf(1)},
		{Kind: "x", LatencyMs: -0.0001},
	} {
		checkEventLine(t, e)
	}
}

// A field added to Event must be written by AppendNDJSON too.
func TestEventNDJSONWritesEveryField(t *testing.T) {
	var e Event
	v := reflect.ValueOf(&e).Elem()
	for i := range v.NumField() {
		f, name := v.Field(i), v.Type().Field(i).Name
		switch f.Kind() {
		case reflect.String:
			f.SetString(name + "<&>")
		case reflect.Uint64:
			f.SetUint(uint64(i + 1))
		case reflect.Int, reflect.Int64:
			f.SetInt(int64(i + 1))
		case reflect.Float64:
			f.SetFloat(float64(i) + 0.25)
		case reflect.Bool:
			f.SetBool(true)
		case reflect.Slice:
			f.Set(reflect.ValueOf([]string{name}))
		case reflect.Struct:
			f.Set(reflect.ValueOf(time.Date(2026, 11, 26, 12, 0, 0, 7, time.UTC)))
		default:
			t.Fatalf("Event.%s is a %s: teach AppendNDJSON (and this test) to write it", name, f.Type())
		}
	}
	checkEventLine(t, e)
}

func FuzzEventNDJSON(f *testing.F) {
	f.Add("forwarded", int64(1_700_000_000_123_456_789), uint64(3), "order.opened", "http://a?<&>", 200, 1.5, int64(5000), true)
	f.Fuzz(func(t *testing.T, kind string, ns int64, id uint64, topic, target string, status int, latency float64, retry int64, flag bool) {
		checkEventLine(t, Event{Kind: Kind(kind), Time: time.Unix(0, ns).UTC(), DeliveryID: id, Topic: topic, EntityID: target, Target: target,
			Status: status, LatencyMs: latency, RetryInMs: retry, GaveUp: flag, Verified: flag, Reason: kind, Targets: []string{topic}})
	})
}
