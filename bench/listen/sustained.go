package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// system is what the sustained runs measure: something in front of the app
// that takes Kibo's pushes (nginx proxy_pass, or kwh listen in one mode).
type system struct {
	name string
	// start brings up a fresh instance forwarding to appURL; it returns
	// where to push, the pids whose CPU counts, and how to stop it.
	start func(appURL string) (*instance, error)
}

type instance struct {
	url  string
	pids func() []int
	stop func()
	// fwd reports kwh's forward round trips (latencyMs of forwarded events).
	fwd *latencies
}

// stepResult is one offered rate on one system.
type stepResult struct {
	rate int
	outcome
	cpuPerEvent time.Duration // the system's CPU from the start of the load until drained, per acked event
	rtt, rtt99  time.Duration // kwh: forward round trip while the load lasted, median and p99
	paced       time.Duration // kwh: how long acknowledgements were paced while the load lasted
	maxInFlight int64         // most requests the app had open at once
	// genCPU and appCPU are the load generator's (this process) and the
	// app's CPU per request sent over the step: on a shared machine, what
	// they took is what the system under test did not get.
	genCPU, appCPU time.Duration
}

// sustained runs each system at rising offered rates, a fresh instance per
// step, until two steps in a row fall short; it prints a row per step.
func sustained(a *app, systems []system, rates []int, stepDur time.Duration) (map[string][]stepResult, error) {
	fmt.Printf("\nsustained end to end: open-loop signed pushes (six topics), an app that checks every signature, %s per step\n", stepDur)
	fmt.Printf("%-30s %9s %8s %14s %8s %10s %9s %17s %8s %6s\n", "", "offered/s", "acked/s", "reached app/s", "reached", "lag p99", "CPU/event", "fwd RTT p50/p99", "app conc", "paced")
	out := map[string][]stepResult{}
	for _, sys := range systems {
		short := 0
		for _, rate := range rates {
			a.reset()
			res, err := runStep(sys, a, rate, stepDur, 15*time.Second)
			if err != nil {
				return nil, fmt.Errorf("%s at %d/s: %w", sys.name, rate, err)
			}
			out[sys.name] = append(out[sys.name], res)
			mark := ""
			if !res.sustains() {
				mark = "  (short)"
			}
			fmt.Printf("%-30s %9.0f %8.0f %14.0f %7.1f%% %10s %9s %17s %8d %6s%s\n", sys.name, res.offeredPerSec, res.ackedPerSec, res.reachedPerSec,
				res.reachedPercent, lagText(res.lag99), us(res.cpuPerEvent), rttText(res.rtt, res.rtt99), res.maxInFlight, pacedText(res.paced), mark)
			if !res.sustains() {
				fmt.Printf("%-30s %s\n", "", perSecondText("reached the app", res.perSecond))
				fmt.Printf("%-30s %s\n", "", perSecondText("acknowledged", res.ackedPerSecond))
				fmt.Printf("%-30s CPU per request sent: load generator %s, app %s\n", "", us(res.genCPU), us(res.appCPU))
			}
			if res.sustains() {
				short = 0
			} else if short++; short == 2 {
				break
			}
		}
	}
	return out, nil
}

func runStep(sys system, a *app, rate int, d time.Duration, wait time.Duration) (stepResult, error) {
	inst, err := sys.start(a.url)
	if err != nil {
		return stepResult{}, err
	}
	cpu0, gen0, app0 := cpuOf(inst.pids()), cpuTime(os.Getpid()), cpuTime(a.cmd.Process.Pid)
	run := openLoad(inst.url, rate, d)
	gen1 := cpuTime(os.Getpid()) // before judge, which polls the app
	o := run.judge(a, wait)
	res := stepResult{rate: rate, outcome: o, maxInFlight: a.maxInFlight()}
	if o.acked > 0 {
		res.cpuPerEvent = (cpuOf(inst.pids()) - cpu0) / time.Duration(o.acked)
	}
	if o.sent > 0 {
		res.genCPU, res.appCPU = (gen1-gen0)/time.Duration(o.sent), (cpuTime(a.cmd.Process.Pid)-app0)/time.Duration(o.sent)
	}
	inst.stop()
	if inst.fwd != nil {
		res.rtt, res.rtt99, res.paced = inst.fwd.quantiles(run.start, run.end)
	}
	return res, nil
}

func cpuOf(pids []int) time.Duration {
	var t time.Duration
	for _, p := range pids {
		t += cpuTime(p)
	}
	return t
}

// perSecondText shows how a step that fell short went, second by second:
// forwarding that dipped at the start (before pacing) or all along, or
// fell behind what was acknowledged, or acknowledgements that dipped.
func perSecondText(what string, counts []int) string {
	parts := make([]string, len(counts))
	for i, n := range counts {
		parts[i] = strconv.Itoa(n)
	}
	return fmt.Sprintf("%-15s each second: %s", what, strings.Join(parts, " "))
}

func pacedText(d time.Duration) string {
	if d == 0 {
		return "—"
	}
	return fmt.Sprintf("%.1fs", d.Seconds())
}

func lagText(d time.Duration) string {
	if d >= endless {
		return "lost"
	}
	return ms(d)
}

func rttText(p50, p99 time.Duration) string {
	if p50 == 0 {
		return "—"
	}
	return ms(p50) + "/" + strings.TrimSuffix(ms(p99), " ms")
}

// kwhSystem runs kwh listen with extra flags (e.g. --order entity), a new
// store per step so no step inherits another's backlog.
func kwhSystem(name, bin, dir string, forward bool, extra ...string) system {
	n := 0
	return system{name: name, start: func(appURL string) (*instance, error) {
		n++
		store := filepath.Join(dir, fmt.Sprintf("%s-%d", strings.ReplaceAll(name, " ", "-"), n))
		args := append([]string{"listen", "--port", "0", "-o", "ndjson", "--store", store}, extra...)
		if forward {
			args = append(args, "--forward", appURL)
		}
		cmd := exec.Command(bin, args...)
		cmd.Env = kwhEnv(store)
		cmd.Stderr = os.Stderr
		out, err := cmd.StdoutPipe()
		if err != nil {
			return nil, err
		}
		if err := cmd.Start(); err != nil {
			return nil, err
		}
		lines := bufio.NewScanner(out)
		lines.Buffer(make([]byte, 64<<10), 1<<20)
		url := ""
		for url == "" && lines.Scan() {
			if line := lines.Text(); strings.Contains(line, `"type":"ready"`) {
				url = urlFrom(line, `"type":"ready"`)
			}
		}
		if url == "" {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
			return nil, fmt.Errorf("kwh listen %s never became ready", strings.Join(extra, " "))
		}
		fwd := &latencies{ch: make(chan collected, 1)}
		go fwd.collect(lines)
		pid := cmd.Process.Pid
		return &instance{url: url, fwd: fwd, pids: func() []int { return []int{pid} }, stop: func() {
			_ = cmd.Process.Signal(os.Interrupt)
			_ = cmd.Wait()
		}}, nil
	}}
}

// latencies collects forwarded events' latencyMs from kwh's NDJSON, with
// when each line was read (kwh flushes its lines as events happen).
type latencies struct {
	ch chan collected
}

// collected is what kwh's NDJSON said: forward round trips, and when
// acknowledgements were paced (from, to; to zero while still paced).
type collected struct {
	rtts  []timedLatency
	paced [][2]time.Time
}

type timedLatency struct {
	at time.Time
	d  time.Duration
}

var latencyField = []byte(`"latencyMs":`)

func (l *latencies) collect(lines *bufio.Scanner) {
	var c collected
	for lines.Scan() {
		line := lines.Bytes()
		switch {
		case bytes.Contains(line, []byte(`"type":"pacing"`)):
			c.paced = append(c.paced, [2]time.Time{time.Now()})
			continue
		case bytes.Contains(line, []byte(`"type":"pacingEnded"`)):
			if n := len(c.paced); n > 0 {
				c.paced[n-1][1] = time.Now()
			}
			continue
		case !bytes.Contains(line, []byte(`"type":"forwarded"`)):
			continue
		}
		if i := bytes.Index(line, latencyField); i >= 0 {
			rest := line[i+len(latencyField):]
			end := bytes.IndexAny(rest, ",}")
			if v, err := strconv.ParseFloat(string(rest[:max(end, 0)]), 64); err == nil {
				c.rtts = append(c.rtts, timedLatency{at: time.Now(), d: time.Duration(v * float64(time.Millisecond))})
			}
		}
	}
	l.ch <- c
}

// quantiles are the round trips of the forwards made while the load
// lasted (until end): under a flood they are what bounds an ordered lane,
// and the forwards that drain the backlog afterwards are faster.
// It also says how long acks were paced between start and end.
func (l *latencies) quantiles(start, end time.Time) (p50, p99, paced time.Duration) {
	var c collected
	select {
	case c = <-l.ch:
	case <-time.After(5 * time.Second):
	}
	var vals []time.Duration
	for _, t := range c.rtts {
		if !t.at.After(end) {
			vals = append(vals, t.d)
		}
	}
	for _, span := range c.paced {
		from, to := span[0], span[1]
		if to.IsZero() || to.After(end) {
			to = end
		}
		if from.Before(start) {
			from = start
		}
		paced += max(to.Sub(from), 0)
	}
	return pct(vals, 50), pct(vals, 99), paced
}

// kwhSupports reports whether the kwh binary has a listen flag (bench runs
// against older builds too, for before/after figures).
func kwhSupports(bin, flag string) bool {
	out, _ := exec.Command(bin, "listen", "--help").CombinedOutput()
	return bytes.Contains(out, []byte("--"+flag+" "))
}
