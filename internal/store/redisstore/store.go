// Package redisstore is the listen store (store.ListenStore) in Redis, through
// github.com/redis/go-redis/v9: one store several kwh listen replicas share.
// Dedupe is decided in Redis by one script per accept, so of two copies of an
// event arriving on two replicas at the same moment exactly one is new. A
// method returns only after Redis answered; a Redis that cannot be written
// makes it return an error (the receiver answers 503, Kibo retries). It never
// imports cobra, viper or the terminal.
package redisstore

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/kwh-cli/kwh/internal/store"
)

// Every key starts with the prefix and a colon, so several kwh deployments
// share one Redis. With prefix P:
//
//	P:id           string  the inbox id given last (INCR)
//	P:seen         zset    dedupe key → expiry (Unix ms); Sweep trims it
//	P:origin       hash    dedupe key → the inbox id of its first copy
//	P:inbox        zset    inbox id → id: the inbox in id (arrival) order
//	P:spool        zset    "id|target", scored by id: forwards still to do
//	P:d:<id>       hash    one delivery: meta (JSON), body, topic, at (Unix
//	                       ms), dups and lastdup (later copies: how many,
//	                       the last one's Unix ms), and per target f:<t> (its last
//	                       store.ForwardState), n:<t> (attempts), r:<t>
//	                       (dropped by Retarget: note and time), entity
//	                       (its entity id, for --order entity lanes)
//	P:lease:<n>    string  the replica holding lane partition n, expiring
//	                       (lease.go)
//	P:replicas     zset    replica id → when its heartbeat lapses (Unix ms)
//	P:probe        string  written by Probe, expiring
const (
	keyID     = "id"
	keySeen   = "seen"
	keyOrigin = "origin"
	keyInbox  = "inbox"
	keySpool  = "spool"
)

var errBadReply = errors.New("an unexpected reply from Redis")

// quiet keeps go-redis from logging on its own: every failure reaches the
// caller as an error, and kwh decides what to say.
type quiet struct{}

func (quiet) Printf(context.Context, string, ...any) {}

var silence sync.Once

// DefaultPrefix is the key prefix when none is given.
const DefaultPrefix = "kwh"

// Options tune a Store.
type Options struct {
	// Prefix starts every key (followed by ":"); "" is DefaultPrefix.
	Prefix string
	// Wait (--redis-wait) is how many Redis replicas must have each
	// accepted event before Accept returns without error; 0 does not wait.
	Wait int
	// WaitTimeout bounds that wait; 0 is DefaultWaitTimeout.
	WaitTimeout time.Duration
}

// DefaultWaitTimeout bounds --redis-wait's WAIT: well inside Kibo's
// timeout, so a missing replica shows as a 503 Kibo retries, not a hang.
const DefaultWaitTimeout = 2 * time.Second

// Store is the Redis store.ListenStore. Methods are safe for concurrent use,
// in one process and across processes sharing the Redis.
type Store struct {
	store.ForwardRecorder // Fail, Complete, GiveUp: s.forward

	rdb         *redis.Client
	prefix      string
	wait        int
	waitTimeout time.Duration
	replica     string // this process among the replicas (lane leases)
}

// opTimeout bounds one store call, whatever go-redis's own timeouts: a slow
// Redis shows as latency and, past this, as an error (a 503), never as an
// acknowledged event Redis does not have.
const opTimeout = 10 * time.Second

// Open connects to the Redis at rawURL (redis://[user:pass@]host:port/db,
// rediss:// for TLS) and checks that it answers.
func Open(rawURL string, o Options) (*Store, error) {
	silence.Do(func() { redis.SetLogger(quiet{}) })
	opt, err := redis.ParseURL(rawURL)
	if err != nil {
		return nil, fmt.Errorf("redis store %s: %s", Redact(rawURL), redactErr(err, rawURL))
	}
	// A retried script could run twice (the first answer lost): an event
	// stored twice. Failing the call instead answers Kibo 503, and Kibo retries.
	opt.MaxRetries = -1
	boundCalls(opt)
	prefix := o.Prefix
	if prefix == "" {
		prefix = DefaultPrefix
	}
	if strings.ContainsAny(prefix, " \t\r\n") {
		return nil, fmt.Errorf("redis key prefix %q: no spaces or line breaks", prefix)
	}
	if o.Wait < 0 {
		return nil, fmt.Errorf("--redis-wait %d: want 0 or more replicas", o.Wait)
	}
	s := &Store{rdb: redis.NewClient(opt), prefix: prefix, replica: newReplicaID(), wait: o.Wait, waitTimeout: cmp.Or(o.WaitTimeout, DefaultWaitTimeout)}
	s.ForwardRecorder = s.forward
	ctx, cancel := s.ctx()
	defer cancel()
	if err := s.rdb.Ping(ctx).Err(); err != nil {
		_ = s.rdb.Close()
		return nil, fmt.Errorf("redis store %s does not answer: %s", Redact(rawURL), redactErr(err, rawURL))
	}
	return s, nil
}

// boundCalls bounds every call's time, whatever the URL said: a Redis that
// is down or unreachable fails a call within seconds (a 503 to the push,
// which Kibo retries) instead of holding the request. Each call dials at
// most once; once every connection of the pool has failed to dial, go-redis
// fails calls at once and redials in the background (about once a second)
// until Redis answers again: that is the reconnect back-off. kwh's own
// callers retry with theirs (the forwarder, the store health probe).
func boundCalls(opt *redis.Options) {
	opt.DialTimeout = 2 * time.Second
	opt.DialerRetries = 1
	opt.ReadTimeout = 5 * time.Second
	opt.WriteTimeout = 5 * time.Second
	opt.PoolTimeout = 5 * time.Second
	opt.ContextTimeoutEnabled = true
}

// Close implements store.ListenStore.
func (s *Store) Close() error { return s.rdb.Close() }

func (s *Store) ctx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), opTimeout)
}

func (s *Store) key(name string) string           { return s.prefix + ":" + name }
func (s *Store) deliveryKey(id uint64) string     { return s.prefix + ":d:" + strconv.FormatUint(id, 10) }
func spoolMember(id uint64, target string) string { return strconv.FormatUint(id, 10) + "|" + target }

// parseSpoolMember splits "id|target".
func parseSpoolMember(m string) (uint64, string, bool) {
	idPart, target, ok := strings.Cut(m, "|")
	if !ok {
		return 0, "", false
	}
	id, err := strconv.ParseUint(idPart, 10, 64)
	return id, target, err == nil
}

func ms(t time.Time) int64 { return t.UnixMilli() }

// IsURL reports whether a --store value names a Redis rather than a directory.
func IsURL(s string) bool {
	return strings.HasPrefix(s, "redis://") || strings.HasPrefix(s, "rediss://")
}

// Redact returns rawURL without its password, for messages.
func Redact(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "(an unreadable URL)"
	}
	return u.Redacted()
}

// redactErr keeps a password out of an error that may quote the URL.
func redactErr(err error, rawURL string) string {
	msg := err.Error()
	if u, perr := url.Parse(rawURL); perr == nil && u.User != nil {
		if pw, ok := u.User.Password(); ok && pw != "" {
			msg = strings.ReplaceAll(msg, pw, "xxxxx")
		}
	}
	return msg
}

// wrap names the store in an error from Redis.
func wrap(what string, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("redis store: %s: no answer within %s", what, opTimeout)
	}
	return fmt.Errorf("redis store: %s: %w", what, err)
}

// probeTTL keeps the probe key from outliving its use.
const probeTTL = time.Minute

// Probe implements store.Prober: one small write (SET with an expiry), so
// a Redis that answers but refuses writes (read-only replica, out of
// memory, a failing snapshot with stop-writes-on-bgsave-error) is caught
// too. It is bounded more tightly than a store call: /readyz waits on it.
func (s *Store) Probe() error {
	ctx, cancel := context.WithTimeout(context.Background(), probeTimeout)
	defer cancel()
	err := s.rdb.Set(ctx, s.key("probe"), "1", probeTTL).Err()
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("redis store: no answer within %s", probeTimeout)
	}
	return wrap("write", err)
}

const probeTimeout = 2 * time.Second
