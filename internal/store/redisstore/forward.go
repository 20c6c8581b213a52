package redisstore

import (
	"context"
	"encoding/json"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/kwh-cli/kwh/internal/store"
)

// forwardScript records one attempt: its state, one more attempt, and, when
// it delivered or gave up, the forward leaves the spool. A delivery pruned
// meanwhile is not brought back.
//
// KEYS: the delivery's hash, spool. ARGV: target, state JSON, leaves (1/0),
// spool member.
var forwardScript = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then
  redis.call('ZREM', KEYS[2], ARGV[4])
  return 0
end
redis.call('HSET', KEYS[1], 'f:' .. ARGV[1], ARGV[2])
redis.call('HINCRBY', KEYS[1], 'n:' .. ARGV[1], 1)
if ARGV[3] == '1' then redis.call('ZREM', KEYS[2], ARGV[4]) end
return 1
`)

func (s *Store) forward(p store.Pending, st store.ForwardState) error {
	st.Attempts, st.Dropped = 0, false // counted in n:<target>; dropped only by Retarget
	raw, err := st.AppendJSON(make([]byte, 0, 96))
	if err != nil {
		return err
	}
	leaves := "0"
	if st.Delivered || st.GaveUp {
		leaves = "1"
	}
	ctx, cancel := s.ctx()
	defer cancel()
	keys := []string{s.deliveryKey(p.DeliveryID), s.key(keySpool)}
	err = forwardScript.Run(ctx, s.rdb, keys, p.Target, raw, leaves, spoolMember(p.DeliveryID, p.Target)).Err()
	return wrap("record a forward", err)
}

// retargetScript takes a forward out of the spool, noting it dropped, and
// spools the delivery to each new target it has not been to.
//
// KEYS: the delivery's hash, spool. ARGV: id, old target, drop note JSON,
// fresh state JSON, new targets...
var retargetScript = redis.NewScript(`
redis.call('ZREM', KEYS[2], ARGV[1] .. '|' .. ARGV[2])
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'r:' .. ARGV[2], ARGV[3])
for i = 5, #ARGV do
  if redis.call('HEXISTS', KEYS[1], 'f:' .. ARGV[i]) == 0 then
    redis.call('HSET', KEYS[1], 'f:' .. ARGV[i], ARGV[4])
    redis.call('ZADD', KEYS[2], ARGV[1], ARGV[1] .. '|' .. ARGV[i])
  end
end
return 1
`)

// dropNote is how Retarget left a target (the r:<target> field).
type dropNote struct {
	Note string    `json:"note"`
	At   time.Time `json:"at"`
}

// Retarget implements store.ListenStore.
func (s *Store) Retarget(p store.Pending, to []string, note string, at time.Time) error {
	drop, err := json.Marshal(dropNote{Note: note, At: at})
	if err != nil {
		return err
	}
	fresh, err := json.Marshal(store.ForwardState{At: at})
	if err != nil {
		return err
	}
	args := []any{p.DeliveryID, p.Target, drop, fresh}
	for _, t := range to {
		args = append(args, t)
	}
	ctx, cancel := s.ctx()
	defer cancel()
	keys := []string{s.deliveryKey(p.DeliveryID), s.key(keySpool)}
	return wrap("retarget", retargetScript.Run(ctx, s.rdb, keys, args...).Err())
}

// claimBatch is how many spooled forwards one round trip reads.
const claimBatch = 1000

// Claim implements store.ListenStore: every spooled forward, in arrival
// order (for now each replica claims them all; leases per lane come later).
func (s *Store) Claim() ([]store.Pending, error) {
	ctx, cancel := s.ctx()
	defer cancel()
	var out []store.Pending
	for start := int64(0); ; start += claimBatch {
		members, err := s.rdb.ZRange(ctx, s.key(keySpool), start, start+claimBatch-1).Result()
		if err != nil {
			return nil, wrap("claim", err)
		}
		batch := make([]store.Pending, 0, len(members))
		for _, m := range members {
			if id, target, ok := parseSpoolMember(m); ok {
				batch = append(batch, store.Pending{DeliveryID: id, Target: target})
			}
		}
		if err := s.fillTopics(ctx, batch); err != nil {
			return nil, err
		}
		out = append(out, batch...)
		if len(members) < claimBatch {
			return out, nil
		}
	}
}

// fillTopics reads each pending forward's topic, one pipeline for all.
func (s *Store) fillTopics(ctx context.Context, ps []store.Pending) error {
	if len(ps) == 0 {
		return nil
	}
	pipe := s.rdb.Pipeline()
	cmds := make([]*redis.StringCmd, len(ps))
	for i, p := range ps {
		cmds[i] = pipe.HGet(ctx, s.deliveryKey(p.DeliveryID), "topic")
	}
	if _, err := pipe.Exec(ctx); err != nil && err != redis.Nil {
		return wrap("claim", err)
	}
	for i, c := range cmds {
		ps[i].Topic = c.Val() // "" when unknown
	}
	return nil
}
