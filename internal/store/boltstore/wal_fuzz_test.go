package boltstore

import (
	"reflect"
	"testing"
)

func FuzzDecodeEntry(f *testing.F) {
	seeds := []*entry{
		{kind: entryAccept, id: 1, key: "5f1c2e00000000000000000000000001", exp: 1 << 60, topic: "order.opened", targets: []string{"http://app"}, meta: []byte(`{"id":1}`), body: []byte(`{"eventId":"x"}`)},
		{kind: entryForward, id: 7, target: "http://app", state: []byte(`{"status":200,"delivered":true}`)},
		{kind: entrySeen, key: "k", exp: 5, prevExp: 3},
	}
	for _, e := range seeds {
		f.Add(e.encode(nil))
	}
	f.Add([]byte{})
	f.Add([]byte{1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01})
	f.Fuzz(func(t *testing.T, raw []byte) {
		e, err := decodeEntry(raw)
		if err != nil {
			return
		}
		back, err := decodeEntry(e.encode(nil))
		if err != nil {
			t.Fatalf("re-encoded entry does not decode: %v", err)
		}
		if !reflect.DeepEqual(norm(e), norm(back)) {
			t.Fatalf("round trip changed the entry:\n%+v\n%+v", e, back)
		}
	})
}

// norm makes empty and nil slices compare equal.
func norm(e *entry) entry {
	c := *e
	for _, b := range []*[]byte{&c.meta, &c.body, &c.state} {
		if len(*b) == 0 {
			*b = nil
		}
	}
	if len(c.targets) == 0 {
		c.targets = nil
	}
	return c
}
