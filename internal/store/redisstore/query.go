package redisstore

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/kwh-cli/kwh/internal/store"
	"github.com/kwh-cli/kwh/internal/webhook"
)

// Get implements store.ListenStore.
func (s *Store) Get(id uint64) (*store.Delivery, error) {
	ctx, cancel := s.ctx()
	defer cancel()
	h, err := s.rdb.HGetAll(ctx, s.deliveryKey(id)).Result()
	if err != nil {
		return nil, wrap("get", err)
	}
	if len(h) == 0 {
		return nil, fmt.Errorf("%w: %d", store.ErrNotFound, id)
	}
	return decode(id, h)
}

// decode rebuilds a delivery from its hash.
func decode(id uint64, h map[string]string) (*store.Delivery, error) {
	var d store.Delivery
	if err := json.Unmarshal([]byte(h["meta"]), &d); err != nil {
		return nil, fmt.Errorf("redis store: delivery %d is not readable: %w", id, err)
	}
	d.ID, d.Body = id, []byte(h["body"])
	d.Duplicates, _ = strconv.Atoi(h["dups"])
	if last, err := strconv.ParseInt(h["lastdup"], 10, 64); err == nil {
		at := time.UnixMilli(last).UTC()
		d.LastDuplicateAt = &at
	}
	for field, v := range h {
		kind, target, ok := strings.Cut(field, ":")
		if !ok || (kind != "f" && kind != "n" && kind != "r") {
			continue
		}
		if d.Forwards == nil {
			d.Forwards = map[string]store.ForwardState{}
		}
		f := d.Forwards[target]
		switch kind {
		case "f":
			var st store.ForwardState
			if err := json.Unmarshal([]byte(v), &st); err != nil {
				return nil, fmt.Errorf("redis store: delivery %d forward to %s is not readable: %w", id, target, err)
			}
			st.Attempts, st.Dropped = f.Attempts, f.Dropped
			if f.Dropped {
				st.Error, st.At = f.Error, f.At
			}
			f = st
		case "n":
			f.Attempts, _ = strconv.Atoi(v)
		case "r":
			var n dropNote
			if err := json.Unmarshal([]byte(v), &n); err == nil {
				f.Dropped, f.Error, f.At = true, n.Note, n.At
			}
		}
		d.Forwards[target] = f
	}
	return &d, nil
}

// inboxPage is how many entries one round trip reads (bodies included).
const inboxPage = 64

// clockSkew is how far replicas' clocks may disagree: the inbox is in id
// order, and across replicas that is received order only to within it.
const clockSkew = time.Minute

// Inbox implements store.ListenStore.
func (s *Store) Inbox(q store.InboxQuery) ([]store.Delivery, error) {
	var out []store.Delivery
	for start := int64(0); ; start += inboxPage {
		page, err := s.page(start)
		if err != nil {
			return nil, err
		}
		for _, d := range page {
			if !q.Since.IsZero() && d.ReceivedAt.Before(q.Since) {
				if d.ReceivedAt.Before(q.Since.Add(-clockSkew)) {
					return out, nil // newest first: everything after is older
				}
				continue
			}
			if (!q.Until.IsZero() && !d.ReceivedAt.Before(q.Until)) || (len(q.Topics) > 0 && !webhook.MatchAnyTopic(q.Topics, d.Topic)) {
				continue
			}
			out = append(out, d)
			if q.Limit > 0 && len(out) >= q.Limit {
				return out, nil
			}
		}
		if len(page) < inboxPage {
			return out, nil
		}
	}
}

// page reads inboxPage deliveries from start, newest first. An entry pruned
// between the two reads is left out.
func (s *Store) page(start int64) ([]store.Delivery, error) {
	ctx, cancel := s.ctx()
	defer cancel()
	rng := redis.ZRangeArgs{Key: s.key(keyInbox), Start: start, Stop: start + inboxPage - 1, Rev: true}
	ids, err := s.rdb.ZRangeArgs(ctx, rng).Result()
	if err != nil {
		return nil, wrap("inbox", err)
	}
	pipe := s.rdb.Pipeline()
	cmds := make([]*redis.MapStringStringCmd, len(ids))
	for i, id := range ids {
		cmds[i] = pipe.HGetAll(ctx, s.prefix+":d:"+id)
	}
	if len(ids) > 0 {
		if _, err := pipe.Exec(ctx); err != nil {
			return nil, wrap("inbox", err)
		}
	}
	out := make([]store.Delivery, 0, len(ids))
	for i, c := range cmds {
		id, err := strconv.ParseUint(ids[i], 10, 64)
		if err != nil || len(c.Val()) == 0 {
			continue
		}
		d, err := decode(id, c.Val())
		if err != nil {
			return nil, err
		}
		out = append(out, *d)
	}
	return out, nil
}

// pruneScript drops a delivery unless it is still spooled.
//
// KEYS: the delivery's hash, inbox, spool. ARGV: id.
var pruneScript = redis.NewScript(`
if #redis.call('ZRANGE', KEYS[3], ARGV[1], ARGV[1], 'BYSCORE', 'LIMIT', 0, 1) > 0 then return 0 end
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
return 1
`)

// Prune implements store.ListenStore. Ids grow with time, so it walks from
// the oldest and stops at the first entry young enough to keep.
func (s *Store) Prune(before time.Time) (int, error) {
	n, kept := 0, int64(0)
	for {
		pruned, stop, err := s.prunePage(kept, ms(before))
		n += pruned
		if err != nil || stop {
			return n, err
		}
		kept += inboxPage - int64(pruned)
	}
}

// prunePage prunes the inboxPage oldest entries from start (entries before
// it are kept ones), stopping at one received at or after before (ms).
func (s *Store) prunePage(start, before int64) (pruned int, stop bool, err error) {
	ctx, cancel := s.ctx()
	defer cancel()
	ids, err := s.rdb.ZRange(ctx, s.key(keyInbox), start, start+inboxPage-1).Result()
	if err != nil {
		return 0, true, wrap("prune", err)
	}
	for _, raw := range ids {
		id, _ := strconv.ParseUint(raw, 10, 64)
		at, err := s.rdb.HGet(ctx, s.deliveryKey(id), "at").Result()
		if err != nil && err != redis.Nil {
			return pruned, true, wrap("prune", err)
		}
		if t, perr := strconv.ParseInt(at, 10, 64); perr == nil && t >= before {
			return pruned, true, nil
		}
		gone, err := pruneScript.Run(ctx, s.rdb, []string{s.deliveryKey(id), s.key(keyInbox), s.key(keySpool)}, raw).Int()
		if err != nil {
			return pruned, true, wrap("prune", err)
		}
		pruned += gone
	}
	return pruned, len(ids) < inboxPage, nil
}
