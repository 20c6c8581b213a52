package boltstore

import (
	"github.com/kwh-cli/kwh/internal/store"

	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func delivery(id, topic string, targets ...string) *store.Delivery {
	return &store.Delivery{EventID: id, Topic: topic, Body: []byte(`{"eventId":"` + id + `"}`), Targets: targets}
}

// crash stops the store the way a SIGKILL would leave it: whatever the
// applier has not moved into bbolt stays only in the log.
func (s *Store) crash() {
	s.stopWriters()
	_ = s.ap.stop(false)
	_ = s.log.close()
	_ = s.db.Close()
}

// holdApplies keeps logged entries out of bbolt until a reader flushes, so a
// crash leaves them only in the log.
func holdApplies(t *testing.T) {
	prev := applyAfter
	applyAfter = time.Hour
	t.Cleanup(func() { applyAfter = prev })
}

// fill accepts n events (each spooled for http://app), delivers the even
// ones and returns their ids.
func fill(t *testing.T, st *Store, n int) []uint64 {
	t.Helper()
	var ids []uint64
	now := time.Now()
	for i := range n {
		id := fmt.Sprintf("ev-%d", i)
		d := delivery(id, "order.opened", "http://app")
		d.ReceivedAt = now
		if _, err := st.Accept(store.Accept{Delivery: d, DedupeKey: id, TTL: time.Hour, MarkSeen: true, Now: now}); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, d.ID)
		if i%2 == 0 {
			if err := st.Complete(store.Pending{DeliveryID: d.ID, Target: "http://app"}, store.ForwardState{Status: 200, At: now}); err != nil {
				t.Fatal(err)
			}
		}
	}
	return ids
}

// checkRecovered reopens the store and checks that every accepted event,
// seen mark and forward outcome is there.
func checkRecovered(t *testing.T, path string, ids []uint64) {
	t.Helper()
	st, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for i, id := range ids {
		d, err := st.Get(id)
		if err != nil {
			t.Fatalf("event %d lost: %v", i, err)
		}
		if want := fmt.Sprintf(`{"eventId":"ev-%d"}`, i); string(d.Body) != want || d.EventID != fmt.Sprintf("ev-%d", i) {
			t.Fatalf("event %d came back as %q / %q", i, d.EventID, d.Body)
		}
		if f := d.Forwards["http://app"]; (i%2 == 0) != f.Delivered || (i%2 == 0 && f.Attempts != 1) {
			t.Fatalf("event %d forward state %+v", i, f)
		}
		if seen, _ := st.Seen(fmt.Sprintf("ev-%d", i), time.Now()); !seen {
			t.Fatalf("event %d no longer seen", i)
		}
	}
	pend, _ := st.Claim()
	if len(pend) != len(ids)/2 {
		t.Fatalf("%d pending after recovery, want %d", len(pend), len(ids)/2)
	}
	d := delivery("new", "t")
	if _, err := st.Accept(store.Accept{Delivery: d, Now: time.Now()}); err != nil || d.ID != ids[len(ids)-1]+1 {
		t.Fatalf("next id %d (%v), want %d", d.ID, err, ids[len(ids)-1]+1)
	}
}

func TestACrashLosesNothingAcknowledged(t *testing.T) {
	holdApplies(t)
	path := filepath.Join(t.TempDir(), "listen.db")
	st, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	ids := fill(t, st, 40)
	if st.ap.applied != 0 {
		t.Fatalf("entries reached bbolt before the crash (applied %d): the test would not exercise replay", st.ap.applied)
	}
	st.crash()
	checkRecovered(t, path, ids)
}

func TestATornLastWriteIsDropped(t *testing.T) {
	holdApplies(t)
	path := filepath.Join(t.TempDir(), "listen.db")
	st, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	ids := fill(t, st, 10)
	end := st.log.off
	st.crash()
	// A write cut short: a frame header promising more than made it to disk.
	f, err := os.OpenFile(path+"-wal", os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt([]byte{0, 0, 1, 0, 9, 9, 9, 9, 0, 0}, end); err != nil {
		t.Fatal(err)
	}
	f.Close()
	checkRecovered(t, path, ids)
}

// TestRewoundLogReplaysOnlyCurrentFrames: with a tiny log, writing starts
// over many times, leaving stale frames behind the current ones.
func TestRewoundLogReplaysOnlyCurrentFrames(t *testing.T) {
	holdApplies(t)
	prev := walLimit
	walLimit = 512
	t.Cleanup(func() { walLimit = prev })
	path := filepath.Join(t.TempDir(), "listen.db")
	st, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	ids := fill(t, st, 101)
	if st.ap.applied == 0 {
		t.Fatal("the log never rewound")
	}
	st.crash()
	checkRecovered(t, path, ids)
}

func TestACleanStopLeavesNothingToReplay(t *testing.T) {
	path := filepath.Join(t.TempDir(), "listen.db")
	st, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	ids := fill(t, st, 6)
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	w, err := openWAL(path + "-wal")
	if err != nil {
		t.Fatal(err)
	}
	frames, _ := w.readAll()
	w.close()
	if len(frames) != 0 {
		t.Fatalf("%d frames to replay after a clean stop", len(frames))
	}
	checkRecovered(t, path, ids)
}

// TestReplayStopsWhereTheLSNsBreak: frames left from before a rewind sit
// behind the current ones with older LSNs and must not be replayed.
func TestReplayStopsWhereTheLSNsBreak(t *testing.T) {
	w, err := openWAL(filepath.Join(t.TempDir(), "log"))
	if err != nil {
		t.Fatal(err)
	}
	defer w.close()
	var buf []byte
	for _, lsn := range []uint64{5, 6, 7, 3, 4} {
		buf = appendFrame(buf, lsn, (&entry{kind: entrySeen, key: fmt.Sprint(lsn)}).encode(nil))
	}
	if err := w.write(buf); err != nil {
		t.Fatal(err)
	}
	frames, err := w.readAll()
	if err != nil || len(frames) != 3 || frames[0].lsn != 5 || frames[2].lsn != 7 {
		t.Fatalf("read %d frames (%v)", len(frames), err)
	}
	if e, err := decodeEntry(frames[2].entry); err != nil || e.key != "7" {
		t.Fatalf("decoded %+v, %v", e, err)
	}
}
