package redisstore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/kwh-cli/kwh/internal/store"
)

// Lanes are leased by partition (store.LanePartitions of them, a lane's
// partition a hash of its key): a fixed number of lease keys however many
// lanes --order entity makes. P:lease:<n> holds the replica that owns
// partition n, with an expiry; P:replicas scores each live replica by when
// its heartbeat lapses. Times are Redis's own (TIME), so replicas' clocks
// may disagree.

// leaseScript renews the partitions this replica holds, drops lapsed
// replicas, and takes free partitions until it holds its share (all of
// them divided among the live replicas, rounded up). It returns the share
// and then the partitions held.
//
// ARGV: prefix, replica id, lease ms, partitions.
var leaseScript = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local lease = tonumber(ARGV[3])
local n = tonumber(ARGV[4])
local replicas = ARGV[1] .. 'replicas'
redis.call('ZADD', replicas, now + lease, ARGV[2])
redis.call('ZREMRANGEBYSCORE', replicas, '-inf', now)
local live = redis.call('ZCARD', replicas)
local share = math.ceil(n / live)
local held = {share}
for p = 0, n - 1 do
  local k = ARGV[1] .. 'lease:' .. p
  if redis.call('GET', k) == ARGV[2] then
    redis.call('PEXPIRE', k, lease)
    held[#held + 1] = p
  end
end
if #held - 1 < share then
  for p = 0, n - 1 do
    if #held - 1 >= share then break end
    if redis.call('SET', ARGV[1] .. 'lease:' .. p, ARGV[2], 'NX', 'PX', lease) then
      held[#held + 1] = p
    end
  end
end
return held
`)

// releaseScript gives up partitions this replica holds (others take them
// at their next renewal); with none named, every one and its heartbeat.
//
// ARGV: prefix, replica id, partitions...
var releaseScript = redis.NewScript(`
local n = 0
for i = 3, #ARGV do
  local k = ARGV[1] .. 'lease:' .. ARGV[i]
  if redis.call('GET', k) == ARGV[2] then
    redis.call('DEL', k)
    n = n + 1
  end
end
return n
`)

// newReplicaID names this process among the replicas.
func newReplicaID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// Lease implements store.Leaser.
func (s *Store) Lease(ttl time.Duration) ([]int, int, error) {
	ctx, cancel := s.ctx()
	defer cancel()
	res, err := leaseScript.Run(ctx, s.rdb, nil, s.prefix+":", s.replica, ttl.Milliseconds(), store.LanePartitions).Int64Slice()
	if err != nil {
		return nil, 0, wrap("lease lanes", err)
	}
	if len(res) == 0 {
		return nil, 0, wrap("lease lanes", errBadReply)
	}
	held := make([]int, len(res)-1)
	for i, p := range res[1:] {
		held[i] = int(p)
	}
	return held, int(res[0]), nil
}

// Release implements store.Leaser.
func (s *Store) Release(partitions []int, leaving bool) error {
	ctx, cancel := s.ctx()
	defer cancel()
	args := []any{s.prefix + ":", s.replica}
	for _, p := range partitions {
		args = append(args, p)
	}
	if err := releaseScript.Run(ctx, s.rdb, nil, args...).Err(); err != nil {
		return wrap("release lanes", err)
	}
	if leaving {
		return wrap("leave", s.rdb.ZRem(ctx, s.key("replicas"), s.replica).Err())
	}
	return nil
}

// SpoolAfter implements store.Leaser: inbox ids grow with every accept
// (INCR in the accept script, which spools in the same step), so what was
// spooled after a forward has a higher id: a reader that remembers the last
// id it saw misses nothing new.
func (s *Store) SpoolAfter(after uint64, limit int) ([]store.Pending, error) {
	ctx, cancel := s.ctx()
	defer cancel()
	members, err := s.rdb.ZRangeArgs(ctx, redis.ZRangeArgs{Key: s.key(keySpool), ByScore: true,
		Start: "(" + strconv.FormatUint(after, 10), Stop: "+inf", Count: int64(limit)}).Result()
	if err != nil {
		return nil, wrap("read the spool", err)
	}
	out := make([]store.Pending, 0, len(members))
	for _, m := range members {
		if id, target, ok := parseSpoolMember(m); ok {
			out = append(out, store.Pending{DeliveryID: id, Target: target})
		}
	}
	if len(members) == limit && len(out) > 0 {
		// A full page may have cut the last delivery's forwards: read the
		// rest of them, so the next page can start after that delivery.
		last := strconv.FormatUint(out[len(out)-1].DeliveryID, 10)
		rest, err := s.rdb.ZRangeArgs(ctx, redis.ZRangeArgs{Key: s.key(keySpool), ByScore: true, Start: last, Stop: last}).Result()
		if err != nil {
			return nil, wrap("read the spool", err)
		}
		have := map[string]bool{}
		for _, m := range members {
			have[m] = true
		}
		for _, m := range rest {
			if id, target, ok := parseSpoolMember(m); ok && !have[m] {
				out = append(out, store.Pending{DeliveryID: id, Target: target})
			}
		}
	}
	return out, s.fillLanes(ctx, out)
}

// fillLanes reads each pending forward's topic and entity id, one pipeline
// for all. An entry stored before entity ids were kept beside it has its
// entity id read from its metadata.
func (s *Store) fillLanes(ctx context.Context, ps []store.Pending) error {
	if len(ps) == 0 {
		return nil
	}
	pipe := s.rdb.Pipeline()
	cmds := make([]*redis.SliceCmd, len(ps))
	for i, p := range ps {
		cmds[i] = pipe.HMGet(ctx, s.deliveryKey(p.DeliveryID), "topic", "entity")
	}
	if _, err := pipe.Exec(ctx); err != nil && err != redis.Nil {
		return wrap("read the spool", err)
	}
	var old []int
	for i, c := range cmds {
		v := c.Val()
		if len(v) != 2 {
			continue
		}
		ps[i].Topic, _ = v[0].(string)
		e, ok := v[1].(string)
		ps[i].EntityID = e
		if !ok && v[0] != nil {
			old = append(old, i)
		}
	}
	for _, i := range old {
		meta, err := s.rdb.HGet(ctx, s.deliveryKey(ps[i].DeliveryID), "meta").Result()
		if err != nil && err != redis.Nil {
			return wrap("read the spool", err)
		}
		var d struct {
			EntityID string `json:"entityId"`
		}
		_ = json.Unmarshal([]byte(meta), &d)
		ps[i].EntityID = d.EntityID
	}
	return nil
}

// chanSpooled is the Pub/Sub channel (prefixed) the accept script
// publishes to when it spools forwards, so replicas read the spool at once
// rather than at their next poll.
const chanSpooled = "spooled"

// Spooled implements store.Leaser. Go-redis resubscribes by itself after a
// lost connection; a message lost meanwhile only delays a read until the
// next poll.
func (s *Store) Spooled() (<-chan struct{}, func()) {
	ctx, cancel := context.WithCancel(context.Background())
	sub := s.rdb.Subscribe(ctx, s.key(chanSpooled))
	out := make(chan struct{}, 1)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range sub.Channel() {
			select {
			case out <- struct{}{}:
			default: // one waiting nudge is as good as many
			}
		}
	}()
	return out, func() {
		cancel()
		_ = sub.Close()
		<-done
	}
}
