package iostreams

import (
	"fmt"
	"sync"
	"time"
)

// Progress draws "⠋ label done/total" on stderr, only on a terminal and only
// once the work has taken longer than a second, so quick runs stay quiet.
type Progress struct {
	s     *IOStreams
	label string
	start time.Time
	delay time.Duration

	mu          sync.Mutex
	done, total int
	frame       int
	drawn       bool
	stopped     bool
	stop        chan struct{}
	wg          sync.WaitGroup
}

// StartProgress begins a progress indicator; Stop must be called.
func (s *IOStreams) StartProgress(label string) *Progress {
	return s.startProgress(label, time.Second, 100*time.Millisecond)
}

func (s *IOStreams) startProgress(label string, delay, tick time.Duration) *Progress {
	p := &Progress{s: s, label: label, start: time.Now(), delay: delay, stop: make(chan struct{})}
	if s.stderrTTY {
		p.wg.Add(1)
		go p.spin(tick)
	}
	return p
}

// spin keeps the spinner moving while nothing else redraws.
func (p *Progress) spin(tick time.Duration) {
	defer p.wg.Done()
	t := time.NewTicker(tick)
	defer t.Stop()
	for {
		select {
		case <-p.stop:
			return
		case <-t.C:
			p.mu.Lock()
			p.draw()
			p.mu.Unlock()
		}
	}
}

// Update records progress and redraws when the indicator is showing.
func (p *Progress) Update(done, total int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done, p.total = done, total
	p.draw()
}

// draw writes the line once the delay has passed. Callers hold p.mu.
func (p *Progress) draw() {
	if p.stopped || !p.s.stderrTTY || time.Since(p.start) < p.delay {
		return
	}
	frames := []string{"⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"}
	p.frame++
	fmt.Fprintf(p.s.ErrOut, "\r\x1b[K%s %s %d/%d", frames[p.frame%len(frames)], p.label, p.done, p.total)
	p.drawn = true
}

// Stop ends the indicator and clears its line.
func (p *Progress) Stop() {
	p.mu.Lock()
	if p.stopped {
		p.mu.Unlock()
		return
	}
	p.stopped = true
	close(p.stop)
	drawn := p.drawn
	p.mu.Unlock()
	p.wg.Wait()
	if drawn {
		fmt.Fprint(p.s.ErrOut, "\r\x1b[K")
	}
}
