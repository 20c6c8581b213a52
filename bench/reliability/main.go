//go:build linux

// Command reliability attacks a real kwh listen on loopback and prints the
// figures README's reliability section quotes:
//
//  1. SIGKILL during 2,000 events, 10 times: acknowledged events lost,
//     events the app got twice;
//  2. a storm of 200 events × 50 copies in mixed id spellings: how many
//     reached the app;
//  3. the app down, then up: order per topic and the drain time;
//  4. slow-body and slow-header connections under a 256-descriptor limit
//     while real pushes are timed;
//  5. the disk full on a small tmpfs (root only; skipped otherwise).
//
// Run it with bench/reliability.sh, or: go run ./bench/reliability
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

type options struct {
	bin      string
	dir      string
	crashes  int
	events   int
	downFor  time.Duration
	attack   int
	only     string
	verbose  bool
	maxSlow  time.Duration
	tmpfsMiB int
}

func main() {
	var o options
	flag.StringVar(&o.bin, "kwh", "", "kwh binary (default: go build it)")
	flag.IntVar(&o.crashes, "crashes", 10, "SIGKILL runs")
	flag.IntVar(&o.events, "events", 2000, "events per SIGKILL run")
	flag.DurationVar(&o.downFor, "down", 10*time.Second, "how long the app is down")
	flag.IntVar(&o.attack, "attackers", 400, "slow-body connections (and as many slow-header ones)")
	flag.DurationVar(&o.maxSlow, "slow-limit", 70*time.Second, "every slow connection must be closed within this")
	flag.IntVar(&o.tmpfsMiB, "tmpfs", 32, "size of the disk-full tmpfs in MiB")
	flag.StringVar(&o.only, "only", "", "run only these scenarios (comma-separated: crash,storm,outage,slow,diskfull)")
	flag.BoolVar(&o.verbose, "v", false, "show kwh's stderr")
	rlimitExec := flag.Int("rlimit-exec", 0, "internal: set RLIMIT_NOFILE and exec the rest of the arguments")
	flag.Parse()
	if *rlimitExec > 0 {
		execLimited(*rlimitExec, flag.Args())
		return
	}
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "reliability:", err)
		os.Exit(1)
	}
}

func run(o options) error {
	dir, err := os.MkdirTemp("", "kwh-reliability-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	o.dir = dir
	if o.bin == "" {
		o.bin = filepath.Join(dir, "kwh")
		if out, err := exec.Command("go", "build", "-o", o.bin, "./cmd/kwh").CombinedOutput(); err != nil {
			return fmt.Errorf("go build: %v\n%s", err, out)
		}
	}
	fmt.Printf("kwh listen reliability · loopback · %d CPUs · %s\n\n", numCPU(), time.Now().UTC().Format(time.RFC3339))
	scenarios := []struct {
		name string
		fn   func(options) (bool, error)
	}{
		{"crash", crashRuns}, {"storm", storm}, {"outage", outage}, {"slow", slowClients}, {"diskfull", diskFull},
	}
	failed := 0
	for _, s := range scenarios {
		if o.only != "" && !strings.Contains(","+o.only+",", ","+s.name+",") {
			continue
		}
		ok, err := s.fn(o)
		if err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
		if !ok {
			failed++
		}
		fmt.Println()
	}
	if failed > 0 {
		return fmt.Errorf("%d scenario(s) missed their promise", failed)
	}
	fmt.Println("every scenario kept its promise")
	return nil
}

func verdict(ok bool) string {
	if ok {
		return "ok"
	}
	return "FAIL"
}
