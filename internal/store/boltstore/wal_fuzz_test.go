package boltstore

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/kwh-cli/kwh/internal/store"
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

// FuzzReplay writes one fuzzed entry into the log, intact (length, CRC and
// LSN right), followed by a good one, as a crash would leave them. Opening
// must never fail on it, and the good entry after it must be there.
func FuzzReplay(f *testing.F) {
	f.Add((&entry{kind: entryAccept, id: 1, key: "k", exp: 1 << 62, topic: "t", meta: []byte(`{"id":1}`), body: []byte("{}")}).encode(nil))
	f.Add((&entry{kind: entryAccept, id: 1, key: strings.Repeat("k", 40000), exp: 1 << 62, meta: []byte(`{"id":1}`)}).encode(nil))
	f.Add((&entry{kind: entryForward, id: 1, target: "http://app", state: []byte("not json")}).encode(nil))
	f.Add((&entry{kind: entryAccept, id: 1, meta: []byte("not json")}).encode(nil))
	f.Add((&entry{kind: 9}).encode(nil))
	f.Add([]byte{1, 2, 3})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, raw []byte) {
		dir := t.TempDir()
		file := filepath.Join(dir, "listen.db")
		st, err := Open(file)
		if err != nil {
			t.Fatal(err)
		}
		if err := st.Close(); err != nil {
			t.Fatal(err)
		}
		good := &entry{kind: entryAccept, id: 1000, key: "good", exp: 1 << 62, topic: "order.opened", targets: []string{"http://app"},
			meta: []byte(`{"id":1000,"eventId":"good","topic":"order.opened"}`), body: []byte(`{"eventId":"good"}`)}
		frames := appendFrame(appendFrame(nil, 1, raw), 2, good.encode(nil))
		if err := os.WriteFile(file+"-wal", frames, 0o600); err != nil {
			t.Fatal(err)
		}
		st, err = Open(file)
		if err != nil {
			t.Fatalf("one log entry stopped the store from opening: %v", err)
		}
		defer st.Close()
		if d, err := st.Get(1000); err != nil || d.EventID != "good" {
			t.Fatalf("the entry after the fuzzed one: %+v, %v", d, err)
		}
		if _, err := st.Inbox(store.InboxQuery{}); err != nil {
			t.Fatalf("inbox: %v", err)
		}
	})
}

func TestMalformedLogEntryIsSetAside(t *testing.T) {
	for _, tc := range []struct {
		name, reason string
		raw          []byte
	}{
		{"undecodable entry", "malformed", []byte{byte(entryAccept), 0xff}},
		// A live accept skips this check (this process built the record);
		// one replayed from the file is parsed first.
		{"unreadable inbox record", "not readable", (&entry{kind: entryAccept, id: 1, meta: []byte(`{"id":"one"}`)}).encode(nil)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "listen.db")
			st, err := Open(file)
			if err != nil {
				t.Fatal(err)
			}
			st.Close()
			if err := os.WriteFile(file+"-wal", appendFrame(nil, 1, tc.raw), 0o600); err != nil {
				t.Fatal(err)
			}
			st, err = Open(file)
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			aside, err := st.SetAside()
			if err != nil || len(aside) != 1 || aside[0].LSN != 1 || !strings.Contains(aside[0].Reason, tc.reason) {
				t.Fatalf("set aside: %+v, %v", aside, err)
			}
		})
	}
}
