package redisstore

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/kwh-cli/kwh/internal/store"
)

// Durability implements store.DurabilityReader: Redis's persistence
// settings (CONFIG GET appendonly, appendfsync, save), read now, in a
// sentence saying what a crash of Redis could lose. A Redis where CONFIG is
// renamed or refused (managed services often do) gets a sentence saying so.
func (s *Store) Durability() store.Durability {
	ctx, cancel := s.ctx()
	defer cancel()
	settings := map[string]string{}
	for _, name := range []string{"appendonly", "appendfsync", "save"} {
		got, err := s.rdb.ConfigGet(ctx, name).Result()
		if err != nil {
			return store.Durability{Statement: fmt.Sprintf(
				"Redis's persistence settings could not be read (CONFIG GET %s: %v): what a Redis crash could lose is unknown; check appendonly and appendfsync on the server", name, err)}
		}
		v, ok := got[name]
		if !ok {
			return store.Durability{Statement: fmt.Sprintf(
				"Redis's persistence settings could not be read (CONFIG GET %s answered nothing): what a Redis crash could lose is unknown; check appendonly and appendfsync on the server", name)}
		}
		settings[name] = v
	}
	d := describePersistence(settings["appendonly"], settings["appendfsync"], settings["save"])
	if s.wait > 0 {
		d.Statement += fmt.Sprintf("; --redis-wait %d: each event is also on %d %s before Kibo gets its 200", s.wait, s.wait, plural(s.wait, "replica", "replicas"))
	}
	return d
}

// describePersistence says what a crash could lose under these settings.
// The append-only file, when on, decides; else RDB snapshots, whose longest
// save interval bounds what is lost; else everything.
func describePersistence(appendonly, appendfsync, save string) store.Durability {
	if appendonly == "yes" {
		switch appendfsync {
		case "always":
			return store.Durability{Lossless: true, Statement: "Redis persistence: append-only file fsynced on every write (appendfsync always): a Redis crash loses no acknowledged event"}
		case "everysec":
			return store.Durability{Statement: "Redis persistence: append-only file fsynced every second (appendfsync everysec): a crash of Redis's machine could lose up to a second of acknowledged events (Redis itself crashing loses none)"}
		default:
			return store.Durability{Statement: fmt.Sprintf("Redis persistence: append-only file, fsync left to the operating system (appendfsync %s): a crash of Redis's machine could lose the last ~30 seconds of acknowledged events (Redis itself crashing loses none)", appendfsync)}
		}
	}
	if longest, ok := longestSave(save); ok {
		return store.Durability{Statement: fmt.Sprintf("Redis persistence: snapshots only (save %q, no append-only file): a Redis crash loses every event acknowledged since the last snapshot, up to %s of them; appendonly yes with appendfsync everysec or always loses less", save, seconds(longest))}
	}
	return store.Durability{Statement: "Redis persistence: none (no append-only file, no snapshots): a Redis crash or restart loses everything kwh stored there, acknowledged events included; turn on appendonly"}
}

// longestSave reads "3600 1 300 100" (seconds and changes, in pairs) and
// returns the longest interval; false when there are no rules.
func longestSave(save string) (time.Duration, bool) {
	f := strings.Fields(save)
	var longest time.Duration
	for i := 0; i+1 < len(f); i += 2 {
		secs, err := strconv.Atoi(f[i])
		if err == nil && time.Duration(secs)*time.Second > longest {
			longest = time.Duration(secs) * time.Second
		}
	}
	return longest, longest > 0
}

// seconds prints a save interval as Redis's docs do: 1h, 5m, 60s.
func seconds(d time.Duration) string {
	switch {
	case d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour)
	case d%time.Minute == 0:
		return fmt.Sprintf("%dm", d/time.Minute)
	}
	return fmt.Sprintf("%ds", d/time.Second)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
