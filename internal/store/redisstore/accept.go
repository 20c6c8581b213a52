package redisstore

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/kwh-cli/kwh/internal/store"
)

// acceptScript decides dedupe and stores the delivery in one atomic step:
// two replicas running it for the same key at once see one new event. A
// copy of an event seen within the TTL is counted on its first copy (dups,
// lastdup), not stored again; one whose first copy is unknown or pruned is
// stored as a duplicate entry. It names the first copy's hash itself, so
// the store needs one Redis (or a primary with replicas), not a Cluster.
//
// KEYS: id, seen, origin, inbox, spool.
// ARGV: delivery key prefix, dedupe key ("" none), now ms, expiry ms,
// markSeen (1/0), meta if new, meta if a duplicate, body, topic, received
// ms, entity id, the channel that says a forward was spooled (Spooled),
// targets... Returns {duplicate (1/0), inbox id}.
var acceptScript = redis.NewScript(`
local dup = 0
if ARGV[2] ~= '' then
  local exp = redis.call('ZSCORE', KEYS[2], ARGV[2])
  if exp and tonumber(exp) > tonumber(ARGV[3]) then
    dup = 1
    local first = redis.call('HGET', KEYS[3], ARGV[2])
    if first and redis.call('EXISTS', ARGV[1] .. first) == 1 then
      redis.call('HINCRBY', ARGV[1] .. first, 'dups', 1)
      redis.call('HSET', ARGV[1] .. first, 'lastdup', ARGV[3])
      return {1, tonumber(first)}
    end
  end
end
local id = redis.call('INCR', KEYS[1])
if dup == 0 and ARGV[2] ~= '' and ARGV[5] == '1' then
  redis.call('ZADD', KEYS[2], ARGV[4], ARGV[2])
  redis.call('HSET', KEYS[3], ARGV[2], id)
end
local meta = ARGV[6]
if dup == 1 then meta = ARGV[7] end
redis.call('HSET', ARGV[1] .. id, 'meta', meta, 'body', ARGV[8], 'topic', ARGV[9], 'at', ARGV[10], 'entity', ARGV[11])
redis.call('ZADD', KEYS[4], id, id)
if dup == 0 and #ARGV >= 13 then
  for i = 13, #ARGV do
    redis.call('ZADD', KEYS[5], id, id .. '|' .. ARGV[i])
  end
  redis.call('PUBLISH', ARGV[12], id)
end
return {dup, id}
`)

// Accept implements store.ListenStore.
func (s *Store) Accept(a store.Accept) (bool, error) {
	d := *a.Delivery
	d.ID, d.Forwards, d.Duplicate = 0, nil, false // the id is the hash's name
	fresh, err := d.AppendJSON(make([]byte, 0, 1024))
	if err != nil {
		return false, err
	}
	d.Duplicate, d.Targets = true, nil
	dupMeta, err := d.AppendJSON(make([]byte, 0, 1024))
	if err != nil {
		return false, err
	}
	mark := "0"
	if a.MarkSeen {
		mark = "1"
	}
	args := []any{s.prefix + ":d:", a.DedupeKey, ms(a.Now), ms(a.Now.Add(a.TTL)), mark, fresh, dupMeta, a.Delivery.Body, d.Topic, ms(d.ReceivedAt), d.EntityID, s.key(chanSpooled)}
	for _, t := range a.Delivery.Targets {
		args = append(args, t)
	}
	ctx, cancel := s.ctx()
	defer cancel()
	keys := []string{s.key(keyID), s.key(keySeen), s.key(keyOrigin), s.key(keyInbox), s.key(keySpool)}
	var on redis.Scripter = s.rdb
	if s.wait > 0 {
		// WAIT counts what replicas acknowledged of this connection's
		// writes: the script and the WAIT must share one.
		conn := s.rdb.Conn()
		defer conn.Close()
		on = conn
	}
	res, err := acceptScript.Run(ctx, on, keys, args...).Int64Slice()
	if err != nil {
		return false, wrap("accept", err)
	}
	if len(res) != 2 {
		return false, wrap("accept", errBadReply)
	}
	a.Delivery.ID, a.Delivery.Duplicate = uint64(res[1]), res[0] == 1
	if s.wait > 0 {
		return a.Delivery.Duplicate, s.confirm(ctx, on.(*redis.Conn))
	}
	return a.Delivery.Duplicate, nil
}

// confirm waits (WAIT) until s.wait replicas have every write conn made, or
// the wait timeout. A duplicate's script writes too (its count on the first
// copy), and Redis replicates one ordered stream: a confirmed duplicate
// proves its first copy is on the replicas as well.
func (s *Store) confirm(ctx context.Context, conn *redis.Conn) error {
	n, err := conn.Wait(ctx, s.wait, s.waitTimeout).Result()
	if err != nil {
		return wrap("wait for replicas", err)
	}
	if int(n) < s.wait {
		return fmt.Errorf("redis store: %w: %d of the %d replicas --redis-wait asks for had it within %s", store.ErrUnconfirmed, n, s.wait, s.waitTimeout)
	}
	return nil
}

// Seen implements store.ListenStore.
func (s *Store) Seen(key string, now time.Time) (bool, error) {
	ctx, cancel := s.ctx()
	defer cancel()
	exp, err := s.rdb.ZScore(ctx, s.key(keySeen), key).Result()
	if err == redis.Nil {
		return false, nil
	}
	if err != nil {
		return false, wrap("seen", err)
	}
	return int64(exp) > ms(now), nil
}

// MarkSeen implements store.ListenStore.
func (s *Store) MarkSeen(key string, ttl time.Duration, now time.Time) error {
	ctx, cancel := s.ctx()
	defer cancel()
	err := s.rdb.ZAdd(ctx, s.key(keySeen), redis.Z{Score: float64(ms(now.Add(ttl))), Member: key}).Err()
	return wrap("mark seen", err)
}

// sweepScript forgets up to 1000 keys that expired by ARGV[1] (ms), with
// their first copies' ids. KEYS: seen, origin.
var sweepScript = redis.NewScript(`
local gone = redis.call('ZRANGE', KEYS[1], '-inf', ARGV[1], 'BYSCORE', 'LIMIT', 0, 1000)
if #gone > 0 then
  redis.call('ZREM', KEYS[1], unpack(gone))
  redis.call('HDEL', KEYS[2], unpack(gone))
end
return #gone
`)

// Sweep implements store.ListenStore: a seen key's expiry is its score, so
// expired keys are found at the front; memory stays bounded by the TTL
// times the event rate.
func (s *Store) Sweep(now time.Time) (int, error) {
	total := 0
	for {
		ctx, cancel := s.ctx()
		n, err := sweepScript.Run(ctx, s.rdb, []string{s.key(keySeen), s.key(keyOrigin)}, strconv.FormatInt(ms(now), 10)).Int()
		cancel()
		total += n
		if err != nil || n < 1000 {
			return total, wrap("sweep", err)
		}
	}
}
